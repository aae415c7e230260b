"""The client against the real service: upload, create, follow, wait, checkpoints, and errors."""

from __future__ import annotations

import hashlib
import http.server
import re
import threading
from types import SimpleNamespace

import grpc
import pytest

from aepo.v1 import job_state_pb2
from aepo_client import ApiError, ArtifactMismatch, Client, JobNotSucceeded, SpecError
from aepo_client.download import download_files
from aepo_client.names import last_id

from .conftest import Service, arith_rows, quick_spec

NO_SUCH_ID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def aepo(service: Service):
    with Client(service.endpoint, service.api_key, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def dataset(aepo: Client) -> str:
    """The uploaded dataset's name."""
    # More rows than one upload message holds, so the chunking is exercised.
    uploaded = aepo.upload_dataset(arith_rows(1200), "client-test", labels={"suite": "python"})
    assert uploaded.row_count == 1200
    assert re.fullmatch(r"projects/[0-9a-f-]{36}/datasets/[0-9a-f-]{36}", uploaded.name)
    return uploaded.name


def test_a_job_runs_to_the_end_and_its_records_checkpoints_and_model_are_read(
    aepo: Client, dataset: str, tmp_path
):
    # A bare dataset id in the spec is expanded to its name.
    job = aepo.create_job(quick_spec(last_id(dataset), max_steps=4), display_name="py-client")
    assert job.state == job_state_pb2.JOB_STATE_QUEUED
    assert job.spec.optimization.max_steps == 4
    assert job.spec.training_dataset == dataset
    assert job.name.startswith(dataset.split("/datasets/")[0] + "/jobs/")

    steps = [(r.step, r.entropy) for r in aepo.step_records(job.name)]

    assert [s for s, _ in steps] == [1, 2, 3, 4]
    # A bare job id works as well as the name.
    done = aepo.wait(last_id(job.name), timeout=60)
    assert done.name == job.name
    assert done.state == job_state_pb2.JOB_STATE_SUCCEEDED
    assert done.latest_step.step == 4
    assert done.latest_step.entropy == pytest.approx(steps[-1][1])
    kept = aepo.checkpoints(job.name)
    assert [c.name for c in kept] == [f"{job.name}/checkpoints/{c.step}" for c in kept]
    assert {c.step for c in kept} >= {4}
    model = aepo.model_checkpoint(done)
    assert model is not None and model.uri.startswith("s3://")
    assert model.name == (done.best_checkpoint or max(kept, key=lambda c: c.step).name)

    assert done.exported_model_uri.startswith("s3://") and done.exported_model_uri.endswith(
        f"/{last_id(job.name)}/model/"
    )
    exported = aepo.pull_model(job.name, tmp_path / "exported")
    names = {p.relative_to(exported).as_posix() for p in exported.rglob("*") if p.is_file()}
    assert {"config.json", "model.safetensors"} <= names
    assert not any(n.endswith(".part") for n in names)
    step4 = aepo.pull_model(last_id(job.name), tmp_path / "step4", checkpoint_step=4)
    # The exported model is the last checkpoint's weights: the same bytes.
    assert (step4 / "model.safetensors").read_bytes() == (exported / "model.safetensors").read_bytes()
    with pytest.raises(ApiError) as missing:
        aepo.pull_model(job.name, tmp_path / "none", checkpoint_step=3)
    assert missing.value.code == grpc.StatusCode.NOT_FOUND


def test_a_spec_file_and_a_retried_request_id_give_one_job(aepo: Client, dataset: str, tmp_path):
    spec_file = tmp_path / "spec.json"
    import json

    spec_file.write_text(json.dumps(quick_spec(dataset, max_steps=2)))
    first = aepo.create_job(spec_file, request_id="py-client-retry")
    again = aepo.create_job(spec_file, request_id="py-client-retry")
    assert again.name == first.name
    aepo.wait(first.name, timeout=300)


def test_bad_input_names_the_field(aepo: Client, dataset: str):
    with pytest.raises(ApiError) as err:
        aepo.create_job(quick_spec(dataset, entropyTarget={"constant": -1}))
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT
    fields = [v.field for v in err.value.violations]
    assert any(f.startswith("spec.entropy_target") for f in fields), fields

    with pytest.raises(SpecError, match="maxSteps"):
        aepo.create_job(quick_spec(dataset, optimization={"maxSteps": "many"}))
    with pytest.raises(SpecError, match="spec.training_dataset: expected a dataset id or a name like"):
        aepo.create_job(quick_spec(f"projects/-/jobs/{NO_SUCH_ID}"))

    for missing_job in (NO_SUCH_ID, f"projects/-/jobs/{NO_SUCH_ID}"):
        with pytest.raises(ApiError) as missing:
            aepo.get_job(missing_job)
        assert missing.value.code == grpc.StatusCode.NOT_FOUND
    # A name of another shape is refused before any call.
    with pytest.raises(ValueError, match="expected a job id or a name like projects/{project}/jobs/{job}"):
        aepo.get_job(dataset)


def test_wait_times_out_on_a_running_job_and_reports_a_cancelled_one(aepo: Client, dataset: str):
    job = aepo.create_job(quick_spec(dataset, max_steps=10_000))
    with pytest.raises(TimeoutError):
        aepo.wait(job.name, timeout=0.5)
    aepo.cancel_job(job.name)
    with pytest.raises(JobNotSucceeded) as ended:
        aepo.wait(job.name, timeout=300)
    assert ended.value.job.state == job_state_pb2.JOB_STATE_CANCELLED
    final = aepo.wait(job.name, timeout=5, raise_on_failure=False)
    assert final.state == job_state_pb2.JOB_STATE_CANCELLED


def test_a_wrong_key_is_unauthenticated(service: Service):
    with Client(service.endpoint, "aepo_not-a-key") as stranger, pytest.raises(ApiError) as err:
        stranger.get_job(NO_SUCH_ID)
    assert err.value.code == grpc.StatusCode.UNAUTHENTICATED


def test_a_download_that_differs_from_the_manifest_is_refused_and_not_kept(tmp_path):
    body = b"not the weights"
    handler = type(
        "Serve",
        (http.server.BaseHTTPRequestHandler,),
        {
            "do_GET": lambda self: (
                self.send_response(200),
                self.send_header("Content-Length", str(len(body))),
                self.end_headers(),
                self.wfile.write(body),
            ),
            "log_message": lambda self, *args: None,
        },
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/model.safetensors"
        good = SimpleNamespace(
            path="a/ok.bin", size_bytes=len(body), sha256=hashlib.sha256(body).hexdigest(), url=url
        )
        bad = SimpleNamespace(path="model.safetensors", size_bytes=len(body), sha256="0" * 64, url=url)
        with pytest.raises(ArtifactMismatch, match="model.safetensors"):
            download_files([good, bad], tmp_path)
        assert (tmp_path / "a" / "ok.bin").read_bytes() == body
        assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["ok.bin"]
        with pytest.raises(ArtifactMismatch, match="outside"):
            download_files([SimpleNamespace(path="../escape", size_bytes=0, sha256="", url=url)], tmp_path)
    finally:
        server.shutdown()
