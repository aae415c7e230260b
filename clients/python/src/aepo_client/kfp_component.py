"""A Kubeflow Pipelines component: create an AEPO job from a spec, wait for it, output the model.

    from kfp import dsl
    from aepo_client.kfp_component import fine_tune_component

    aepo_fine_tune = fine_tune_component(packages_to_install=["aepo-client==0.1.0"])

    @dsl.pipeline(name="entropy-controlled-rl")
    def pipeline(endpoint: str, api_key: str, spec_json: str):
        step = aepo_fine_tune(endpoint=endpoint, api_key=api_key, spec_json=spec_json,
                              request_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER)
        register(model_uri=step.outputs["model_uri"])

The step fails (and KFP's retry policy applies) unless the job SUCCEEDED. `request_id` makes a retried step
find the job its first try created instead of starting a second one.
"""

# No `from __future__ import annotations`: KFP reads the signature's types as objects, and runs the
# function's source alone in the step's container (where only `typing` and `kfp.dsl` names exist).
from typing import NamedTuple

from kfp import dsl


def fine_tune(
    endpoint: str,
    api_key: str,
    spec_json: str,
    metrics: dsl.Output[dsl.Metrics],
    model: dsl.Output[dsl.Model],
    display_name: str = "",
    request_id: str = "",
    max_wait_seconds: float = 0.0,
    ca_pem: str = "",
    download_model: bool = False,
) -> NamedTuple(
    "Outputs",
    [
        ("job", str),
        ("model_uri", str),
        ("checkpoint_step", int),
        ("final_entropy", float),
        ("final_accuracy", float),
    ],
):
    """Creates the job, waits for SUCCEEDED, outputs its name, the model checkpoint's URI, final metrics."""
    # KFP runs this function's source alone in the step's container: every import is inside it.
    import json
    import tempfile

    from aepo_client import Client

    ca_file = None
    if ca_pem:
        with tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False) as f:
            f.write(ca_pem)
        ca_file = f.name
    with Client(endpoint, api_key, ca_file=ca_file) as aepo:
        job = aepo.create_job(json.loads(spec_json), display_name=display_name, request_id=request_id)
        print(f"aepo job {job.name} created", flush=True)
        job = aepo.wait(job.name, timeout=max_wait_seconds or None)
        checkpoint = aepo.model_checkpoint(job)
        if checkpoint is not None:
            model.metadata.update({"uri": checkpoint.uri, "job": job.name, "step": int(checkpoint.step)})
            if download_model:
                # The weights themselves become the step's Model artifact (verified against the manifest).
                aepo.pull_model(job.name, model.path, checkpoint_step=int(checkpoint.step))
    last = job.latest_step
    accuracy = last.accuracy
    values = {
        "final_entropy": last.entropy,
        "final_accuracy": accuracy,
        "entropy_target": last.entropy_target,
        "steps": float(job.current_step),
    }
    for name, value in values.items():
        metrics.log_metric(name, value)
    # KFP maps a returned tuple onto the NamedTuple outputs in order.
    return (
        job.name,
        checkpoint.uri if checkpoint else "",
        int(checkpoint.step) if checkpoint else 0,
        last.entropy,
        accuracy,
    )


def fine_tune_component(base_image: str = "python:3.11-slim", packages_to_install: list[str] | None = None):
    """The component, for an image that has aepo-client or a package index that serves it."""
    return dsl.component(
        fine_tune, base_image=base_image, packages_to_install=packages_to_install or ["aepo-client"]
    )
