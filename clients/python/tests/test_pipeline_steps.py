"""Pipeline steps against the real service: the Kubeflow component and `aepo jobs wait` for shell steps."""

# No `from __future__ import annotations`: kfp reads the pipeline's parameter types as objects.
import json

import pytest
import yaml
from kfp import compiler, dsl

from aepo_client import Client, JobNotSucceeded
from aepo_client.kfp_component import fine_tune, fine_tune_component
from aepo_client.names import last_id

from .conftest import Service, arith_rows, quick_spec


@pytest.fixture(scope="module")
def dataset(service: Service) -> str:
    """The uploaded dataset's name."""
    with Client(service.endpoint, service.api_key) as aepo:
        return aepo.upload_dataset(arith_rows(64, seed=11), "pipeline-test").name


def test_the_kfp_component_trains_and_outputs_the_model_and_metrics(service, dataset, tmp_path):
    metrics = dsl.Metrics(name="metrics", uri=str(tmp_path / "metrics"), metadata={})
    model_out = dsl.Model(name="model", uri=str(tmp_path / "model"), metadata={})
    spec = quick_spec(dataset, max_steps=3)

    job_name, model_uri, checkpoint_step, final_entropy, _ = fine_tune(
        endpoint=service.endpoint,
        api_key=service.api_key,
        spec_json=json.dumps(spec),
        metrics=metrics,
        model=model_out,
        display_name="kfp-step",
        request_id="kfp-run-1-fine-tune",
        download_model=True,
    )

    with Client(service.endpoint, service.api_key) as aepo:
        job = aepo.get_job(job_name)
        model = aepo.model_checkpoint(job)
    assert job.name == job_name and job.display_name == "kfp-step"
    assert model_uri == model.uri and checkpoint_step == model.step
    assert final_entropy == pytest.approx(job.latest_step.entropy)
    assert metrics.metadata["final_entropy"] == pytest.approx(job.latest_step.entropy)
    assert metrics.metadata["steps"] == 3
    assert model_out.metadata == {"uri": model.uri, "job": job_name, "step": model.step}
    # download_model: the checkpoint's weights are the step's Model artifact.
    assert (tmp_path / "model" / "config.json").is_file()
    assert (tmp_path / "model" / "model.safetensors").stat().st_size > 0
    # A retried step (same request id) finds the same job instead of training a second one.
    again_job_name, *_ = fine_tune(
        endpoint=service.endpoint,
        api_key=service.api_key,
        spec_json=json.dumps(spec),
        metrics=metrics,
        model=model_out,
        display_name="kfp-step",
        request_id="kfp-run-1-fine-tune",
    )
    assert again_job_name == job_name


def test_the_kfp_component_fails_the_step_when_the_job_does_not_succeed(service, dataset, tmp_path):
    metrics = dsl.Metrics(name="metrics", uri=str(tmp_path / "metrics"), metadata={})
    model_out = dsl.Model(name="model", uri=str(tmp_path / "model"), metadata={})
    spec = quick_spec(dataset, max_steps=10_000)
    # The job the step will create (same spec and request id) is created and cancelled first.
    with Client(service.endpoint, service.api_key) as aepo:
        job = aepo.create_job(spec, request_id="kfp-run-2-fine-tune")
        aepo.cancel_job(job.name)

    with pytest.raises(JobNotSucceeded) as failed:
        fine_tune(
            service.endpoint,
            service.api_key,
            json.dumps(spec),
            metrics,
            model_out,
            request_id="kfp-run-2-fine-tune",
        )

    assert failed.value.job.name == job.name
    assert "CANCELLED" in str(failed.value)
    assert metrics.metadata == {} and model_out.metadata == {}


def test_the_component_compiles_into_a_pipeline(tmp_path):
    component = fine_tune_component(packages_to_install=["aepo-client==0.1.0"])

    @dsl.pipeline(name="aepo-fine-tune")
    def pipeline(endpoint: str, api_key: str, spec_json: str):
        component(
            endpoint=endpoint,
            api_key=api_key,
            spec_json=spec_json,
            request_id=dsl.PIPELINE_JOB_ID_PLACEHOLDER,
        )

    path = tmp_path / "pipeline.yaml"
    compiler.Compiler().compile(pipeline, str(path))
    spec = yaml.safe_load(path.read_text())
    outputs = spec["components"]["comp-fine-tune"]["outputDefinitions"]
    assert set(outputs["parameters"]) == {
        "job",
        "model_uri",
        "checkpoint_step",
        "final_entropy",
        "final_accuracy",
    }
    assert outputs["artifacts"]["metrics"]["artifactType"]["schemaTitle"] == "system.Metrics"
    assert outputs["artifacts"]["model"]["artifactType"]["schemaTitle"] == "system.Model"
    assert "aepo-client==0.1.0" in json.dumps(spec["deploymentSpec"])


def test_aepo_jobs_wait_exits_by_terminal_state(service, dataset):
    with Client(service.endpoint, service.api_key) as aepo:
        ok = aepo.create_job(quick_spec(dataset, max_steps=2))
        long = aepo.create_job(quick_spec(dataset, max_steps=10_000))

    # The CLI takes the bare id as well as the name, and prints the name.
    done = service.cli("jobs", "wait", last_id(ok.name), "--interval", "1")
    assert done.returncode == 0, done.stderr
    assert f"job {ok.name} SUCCEEDED at step 2/2" in done.stdout

    timed_out = service.cli("jobs", "wait", long.name, "--max-wait", "1", "--interval", "0.2")
    assert timed_out.returncode == 5, timed_out.stderr
    assert "not finished after 1 s" in timed_out.stderr

    assert service.cli("jobs", "cancel", long.name).returncode == 0
    cancelled = service.cli("jobs", "wait", long.name, "--json")
    assert cancelled.returncode == 4, cancelled.stderr
    assert json.loads(cancelled.stdout)["job"]["state"] == "JOB_STATE_CANCELLED"

    missing = service.cli("jobs", "wait", "00000000-0000-4000-8000-000000000000")
    assert missing.returncode == 15  # 10 + NOT_FOUND
