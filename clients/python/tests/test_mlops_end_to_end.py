"""A job trained end to end by the real service, run the way a platform team runs it: it leaves its model
in the bucket (pulled and verified), an MLflow run (one point per step for each metric, the job's status,
a registered model version) and a signed webhook for every state change."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import threading
import time
import urllib.parse
import urllib.request

import grpc

from aepo.v1 import webhook_service_pb2 as wh
from aepo.v1 import webhook_service_pb2_grpc as wh_grpc
from aepo_client import Client
from aepo_client.names import last_id

from .conftest import Service, arith_rows, quick_spec

STEPS = 4


class Receiver:
    """A local webhook endpoint that keeps every request it gets."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        received = self.received

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def close(self) -> None:
        self.server.shutdown()


def signature_ok(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Standard Webhooks: v1,<base64 HMAC-SHA256 of "id.timestamp.body">, keyed by the secret's bytes."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(s.split(",", 1)[1], expected)
        for s in headers["webhook-signature"].split()
        if s.startswith("v1,")
    )


def mlflow_get(base: str, path: str, **query: str) -> dict:
    with urllib.request.urlopen(f"{base}{path}?{urllib.parse.urlencode(query)}", timeout=30) as res:
        return json.load(res)


def mlflow_post(base: str, path: str, body: dict) -> dict:
    req = urllib.request.Request(
        f"{base}{path}", json.dumps(body).encode(), {"content-type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=30) as res:
        return json.load(res)


def eventually(what: str, check, timeout: float = 120.0):
    """Polls `check` until it returns something truthy (the tracker and the senders run apart)."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


def test_a_trained_job_leaves_its_model_its_mlflow_run_and_signed_webhooks(service: Service, tmp_path):
    receiver = Receiver()
    try:
        with grpc.insecure_channel(service.endpoint) as channel:
            created = wh_grpc.WebhookServiceStub(channel).CreateWebhookEndpoint(
                wh.CreateWebhookEndpointRequest(url=receiver.url, event_types=["job.state_changed"]),
                metadata=(("authorization", f"Bearer {service.api_key}"),),
                timeout=30,
            )
        with Client(service.endpoint, service.api_key) as aepo:
            dataset = aepo.upload_dataset(arith_rows(64, seed=5), "mlops-e2e")
            job = aepo.create_job(quick_spec(dataset.name, max_steps=STEPS), display_name="mlops-e2e")
            done = aepo.wait(job.name, timeout=600)
            # The model: in the bucket, fetched through presigned URLs and verified file by file.
            model_dir = aepo.pull_model(job.name, tmp_path / "model")
        assert done.exported_model_uri.startswith("s3://")
        assert (model_dir / "config.json").is_file() and (model_dir / "model.safetensors").is_file()

        # MLflow: the job is a finished run (named and tagged by the job's bare id) with one point per
        # step for each metric.
        job_id = last_id(job.name)
        base = service.mlflow_uri
        experiment = mlflow_get(base, "/api/2.0/mlflow/experiments/get-by-name", experiment_name="aepo")

        def finished_run():
            runs = mlflow_post(
                base,
                "/api/2.0/mlflow/runs/search",
                {
                    "experiment_ids": [experiment["experiment"]["experiment_id"]],
                    "filter": f"attributes.run_name = '{job_id}'",
                },
            ).get("runs", [])
            return runs[0] if runs and runs[0]["info"]["status"] == "FINISHED" else None

        run = eventually("the finished MLflow run", finished_run)
        run_id = run["info"]["run_id"]
        params = {p["key"]: p["value"] for p in run["data"].get("params", [])}
        assert params["base_model"] == "builtin:tiny-arith"
        for metric in ("entropy", "entropy_target", "reward_mean", "temperature"):
            history = mlflow_get(
                base, "/api/2.0/mlflow/metrics/get-history", run_id=run_id, metric_key=metric
            )["metrics"]
            assert sorted(int(m.get("step", 0)) for m in history) == list(range(1, STEPS + 1)), metric
        entropy = mlflow_get(
            base, "/api/2.0/mlflow/metrics/get-history", run_id=run_id, metric_key="entropy"
        )["metrics"]
        assert max(entropy, key=lambda m: int(m["step"]))["value"] == done.latest_step.entropy

        # ... and the trained model is a new version in the registry, tagged with the job.
        def version_of_job():
            versions = mlflow_get(
                base,
                "/api/2.0/mlflow/model-versions/search",
                filter="name='aepo-builtin-tiny-arith'",
            ).get("model_versions", [])
            return [v for v in versions if {"key": "job_id", "value": job_id} in v.get("tags", [])]

        assert len(eventually("the registered model version", version_of_job)) == 1

        # Webhooks: every state change of the job arrived, each with a valid signature.
        def state_changes():
            events = [
                (h, json.loads(b))
                for h, b in receiver.received
                if json.loads(b)["data"].get("job") == job.name
            ]
            states = {e["data"]["toState"] for _, e in events}
            wanted = {"JOB_STATE_QUEUED", "JOB_STATE_RUNNING", "JOB_STATE_SUCCEEDED"}
            return events if wanted <= states else None

        events = eventually("the job's webhooks", state_changes)
        for headers, _ in events:
            body = next(b for h, b in receiver.received if h["webhook-id"] == headers["webhook-id"])
            assert signature_ok(created.secret, headers, body)
        assert not signature_ok("whsec_" + base64.b64encode(b"x" * 32).decode(), events[0][0], b"{}")
    finally:
        receiver.close()
