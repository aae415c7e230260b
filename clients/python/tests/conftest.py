"""Starts the real service once per test session: `aepo serve` (embedded Postgres, the API, one executor
with the CPU engine) from this checkout's built CLI, on free ports, with credentials in a key file."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
CLI = REPO / "apps" / "cli" / "dist" / "main.js"
START_TIMEOUT_S = 240


@dataclass(frozen=True)
class Service:
    endpoint: str
    api_key: str
    mlflow_uri: str

    def cli(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Runs the built `aepo` CLI against this service."""
        env = {**os.environ, "AEPO_ENDPOINT": self.endpoint, "AEPO_API_KEY": self.api_key}
        env.pop("AEPO_CONFIG", None)
        return subprocess.run(
            ["node", str(CLI), "--config", "/nonexistent/aepo.json", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


def _test_server(kind: str) -> Iterator[dict[str, str]]:
    """One of the tests' real servers (test/support/test-server-serve.ts); yields the settings the API
    and executors read to use it."""
    data = Path(tempfile.mkdtemp(prefix=f"aepo-pyclient-{kind}-"))
    data.chmod(0o755)
    log = (data / "serve.log").open("w")
    proc = subprocess.Popen(
        [
            "npx",
            "--no-install",
            "vite-node",
            "--config",
            "vitest.config.ts",
            "test/support/test-server-serve.ts",
            kind,
            str(data),
        ],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        # The first line is the settings, printed once the server answers (an install may come first).
        line = proc.stdout.readline()
        if not line:
            log.flush()
            tail = (data / "serve.log").read_text()[-3000:]
            pytest.fail(f"the {kind} test server did not start (exit {proc.wait()}):\n{tail}")
        yield json.loads(line)["env"]
    finally:
        proc.stdin.close()  # the server stops when its input closes
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
def object_store() -> Iterator[dict[str, str]]:
    """SeaweedFS's S3 server: AEPO_ARTIFACTS_S3_*."""
    yield from _test_server("s3")


@pytest.fixture(scope="session")
def mlflow() -> Iterator[dict[str, str]]:
    """`mlflow server` on SQLite: AEPO_MLFLOW_TRACKING_URI."""
    yield from _test_server("mlflow")


@pytest.fixture(scope="session")
def service(object_store: dict[str, str], mlflow: dict[str, str]) -> Iterator[Service]:
    if not CLI.exists():
        pytest.fail(f"{CLI} is missing: run `npm run build` (scripts/setup.sh does) first")
    # Not pytest's tmp_path: its folders are private to the user, and embedded Postgres run as root
    # drops to a `postgres` user that must reach its data folder.
    data = Path(tempfile.mkdtemp(prefix="aepo-pyclient-"))
    data.chmod(0o755)
    key_file = data / "credentials.json"
    log = (data / "serve.log").open("w")
    proc = subprocess.Popen(
        [
            "node",
            str(CLI),
            "serve",
            "--data-dir",
            str(data / "state"),
            "--grpc",
            "127.0.0.1:0",
            "--http",
            "127.0.0.1:0",
            "--key-file",
            str(key_file),
            "--engine-threads",
            "1",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=REPO,
        # As a deployment: checkpoints and exported models in S3, every job tracked in MLflow, and
        # webhooks allowed to reach this machine's receiver.
        env={
            **os.environ,
            **object_store,
            **mlflow,
            "AEPO_MLFLOW_SYNC_INTERVAL_MS": "200",
            "AEPO_API_WEBHOOK_ALLOW_PRIVATE": "true",
        },
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while (creds := _ready_credentials(key_file)) is None:
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"aepo serve did not start:\n{(data / 'serve.log').read_text()[-3000:]}")
            time.sleep(0.2)
        yield Service(
            endpoint=creds["endpoint"],
            api_key=creds["apiKey"],
            mlflow_uri=mlflow["AEPO_MLFLOW_TRACKING_URI"],
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(data, ignore_errors=True)


def _ready_credentials(key_file: Path) -> dict | None:
    """The key file once `aepo serve` is ready (the bootstrap writes an earlier form without the endpoint)."""
    try:
        creds = json.loads(key_file.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    return creds if creds.get("endpoint") else None


def arith_rows(count: int, seed: int = 7) -> list[dict[str, str]]:
    """Rows of builtin:tiny-arith: `a+b=` -> `a+b`."""
    rnd = random.Random(seed)
    rows = []
    for i in range(count):
        a, b = rnd.randrange(100), rnd.randrange(100)
        rows.append({"prompt": f"{a}+{b}=", "answer": str(a + b), "id": f"row-{i}"})
    return rows


def quick_spec(dataset: str, max_steps: int = 4, **overrides: object) -> dict[str, object]:
    """A job that trains builtin:tiny-arith for a few small steps on one CPU core."""
    spec: dict[str, object] = {
        "baseModel": "builtin:tiny-arith",
        "trainingDataset": dataset,
        "entropyTarget": {"constant": 0.4, "tolerance": 0.1},
        "rollout": {"promptsPerStep": 4, "samplesPerPrompt": 3, "maxTokens": 6},
        "optimization": {"maxSteps": max_steps, "learningRate": 0.001, "seed": 3},
        "checkpoint": {"everyNSteps": 2},
    }
    spec.update(overrides)
    return spec
