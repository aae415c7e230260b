"""The client against the real service: upload, create, follow, wait, checkpoints, and errors."""

from __future__ import annotations

import hashlib
import http.server
import threading
from types import SimpleNamespace

import grpc
import pytest

from aepo.v1 import job_state_pb2
from aepo_client import ApiError, ArtifactMismatch, Client, JobNotSucceeded, SpecError
from aepo_client.download import download_files

from .conftest import Service, arith_rows, quick_spec


@pytest.fixture(scope="module")
def aepo(service: Service):
    with Client(service.endpoint, service.api_key, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def dataset_id(aepo: Client) -> str:
    # More rows than one upload message holds, so the chunking is exercised.
    dataset = aepo.upload_dataset(arith_rows(1200), "client-test", labels={"suite": "python"})
    assert dataset.row_count == 1200
    return dataset.id


def test_a_job_runs_to_the_end_and_its_records_checkpoints_and_model_are_read(
    aepo: Client, dataset_id: str, tmp_path
):
    job = aepo.create_job(quick_spec(dataset_id, max_steps=4), display_name="py-client")
    assert job.state == job_state_pb2.JOB_STATE_QUEUED
    assert job.spec.optimization.max_steps == 4

    steps = [(r.step, r.entropy) for r in aepo.step_records(job.id)]

    assert [s for s, _ in steps] == [1, 2, 3, 4]
    done = aepo.wait(job.id, timeout=60)
    assert done.state == job_state_pb2.JOB_STATE_SUCCEEDED
    assert done.latest_step.step == 4
    assert done.latest_step.entropy == pytest.approx(steps[-1][1])
    kept = aepo.checkpoints(job.id)
    assert {c.step for c in kept} >= {4}
    model = aepo.model_checkpoint(done)
    assert model is not None and model.uri.startswith("s3://")
    assert model.id == (done.best_checkpoint_id or max(kept, key=lambda c: c.step).id)

    assert done.exported_model_uri.startswith("s3://") and done.exported_model_uri.endswith(
        f"/{job.id}/model/"
    )
    exported = aepo.pull_model(job.id, tmp_path / "exported")
    names = {p.relative_to(exported).as_posix() for p in exported.rglob("*") if p.is_file()}
    assert {"config.json", "model.safetensors"} <= names
    assert not any(n.endswith(".part") for n in names)
    step4 = aepo.pull_model(job.id, tmp_path / "step4", checkpoint_step=4)
    # The exported model is the last checkpoint's weights: the same bytes.
    assert (step4 / "model.safetensors").read_bytes() == (exported / "model.safetensors").read_bytes()
    with pytest.raises(ApiError) as missing:
        aepo.pull_model(job.id, tmp_path / "none", checkpoint_step=3)
    assert missing.value.code == grpc.StatusCode.NOT_FOUND


def test_a_spec_file_and_a_retried_request_id_give_one_job(aepo: Client, dataset_id: str, tmp_path):
    spec_file = tmp_path / "spec.json"
    import json

    spec_file.write_text(json.dumps(quick_spec(dataset_id, max_steps=2)))
    first = aepo.create_job(spec_file, request_id="py-client-retry")
    again = aepo.create_job(spec_file, request_id="py-client-retry")
    assert again.id == first.id
    aepo.wait(first.id, timeout=300)


def test_bad_input_names_the_field(aepo: Client, dataset_id: str):
    with pytest.raises(ApiError) as err:
        aepo.create_job(quick_spec(dataset_id, entropyTarget={"constant": -1}))
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT
    fields = [v.field for v in err.value.violations]
    assert any(f.startswith("spec.entropy_target") for f in fields), fields

    with pytest.raises(SpecError, match="maxSteps"):
        aepo.create_job(quick_spec(dataset_id, optimization={"maxSteps": "many"}))

    with pytest.raises(ApiError) as missing:
        aepo.get_job("00000000-0000-4000-8000-000000000000")
    assert missing.value.code == grpc.StatusCode.NOT_FOUND


def test_wait_times_out_on_a_running_job_and_reports_a_cancelled_one(aepo: Client, dataset_id: str):
    job = aepo.create_job(quick_spec(dataset_id, max_steps=10_000))
    with pytest.raises(TimeoutError):
        aepo.wait(job.id, timeout=0.5)
    aepo.cancel_job(job.id)
    with pytest.raises(JobNotSucceeded) as ended:
        aepo.wait(job.id, timeout=300)
    assert ended.value.job.state == job_state_pb2.JOB_STATE_CANCELLED
    final = aepo.wait(job.id, timeout=5, raise_on_failure=False)
    assert final.state == job_state_pb2.JOB_STATE_CANCELLED


def test_a_wrong_key_is_unauthenticated(service: Service):
    with Client(service.endpoint, "aepo_not-a-key") as stranger, pytest.raises(ApiError) as err:
        stranger.get_job("00000000-0000-4000-8000-000000000000")
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
