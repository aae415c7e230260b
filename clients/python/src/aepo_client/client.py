"""A thin client over the generated stubs: bearer auth, deadlines, typed results, and the few loops a
pipeline needs (upload in chunks, wait for a terminal state, follow step records across reconnects)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import grpc

from aepo.v1 import (
    dataset_pb2,
    job_pb2,
    job_state_pb2,
    record_pb2,
)
from aepo.v1 import (
    fine_tuning_service_pb2 as ft,
)
from aepo.v1 import (
    fine_tuning_service_pb2_grpc as ft_grpc,
)

from .download import download_files
from .errors import ApiError, JobNotSucceeded
from .names import dataset_name, job_name
from .spec import SpecError, SpecSource, load_spec

TERMINAL_STATES = frozenset(
    {
        job_state_pb2.JOB_STATE_SUCCEEDED,
        job_state_pb2.JOB_STATE_FAILED,
        job_state_pb2.JOB_STATE_CANCELLED,
    }
)
DEFAULT_ENDPOINT = "127.0.0.1:50051"
# Rows per UploadDataset message: well under the API's message size limit for ordinary prompts.
UPLOAD_CHUNK_ROWS = 500


class Client:
    """The public API of one project (the API key's).

    Resources are named as the API names them (`projects/{project}/jobs/{job}`); every method that takes
    a job also takes its bare id, which it expands to `projects/-/jobs/{job}` (`-`: the key's project).
    A malformed name raises ValueError before any call.

    `endpoint` is `host:port` (plaintext, for local stacks) or `https://host:port` (TLS, verified against
    `ca_file`, else the system CAs), as the CLI takes it; `AEPO_ENDPOINT` and `AEPO_API_KEY` are the
    defaults. `timeout` is the deadline of each unary call, in seconds.
    """

    def __init__(
        self,
        endpoint: str | None = None,
        api_key: str | None = None,
        *,
        ca_file: str | os.PathLike[str] | None = None,
        timeout: float = 30.0,
    ) -> None:
        endpoint = endpoint or os.environ.get("AEPO_ENDPOINT") or DEFAULT_ENDPOINT
        key = api_key or os.environ.get("AEPO_API_KEY")
        if not key:
            raise ValueError("no API key: pass api_key or set AEPO_API_KEY")
        self._channel = _channel(endpoint, ca_file)
        self._stub = ft_grpc.FineTuningServiceStub(self._channel)
        self._metadata = (("authorization", f"Bearer {key}"),)
        self._timeout = timeout

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Datasets

    def upload_dataset(
        self,
        rows: Iterable[Mapping[str, Any]],
        display_name: str,
        *,
        labels: Mapping[str, str] | None = None,
        request_id: str = "",
    ) -> dataset_pb2.Dataset:
        """Uploads rows `{"prompt", "answer", "id"?}` as one dataset (streamed in chunks)."""
        return self._upload((json.dumps(dict(r)) for r in rows), display_name, labels, request_id)

    def upload_dataset_file(
        self,
        path: str | os.PathLike[str],
        display_name: str | None = None,
        *,
        labels: Mapping[str, str] | None = None,
        request_id: str = "",
    ) -> dataset_pb2.Dataset:
        """Uploads a JSONL file (one row per line); the server names a bad line by its number."""
        path = Path(path)

        def lines() -> Iterator[str]:
            with path.open(encoding="utf-8") as f:
                yield from (line.rstrip("\n") for line in f)

        return self._upload(lines(), display_name or path.name, labels, request_id)

    def _upload(
        self,
        lines: Iterable[str],
        display_name: str,
        labels: Mapping[str, str] | None,
        request_id: str,
    ) -> dataset_pb2.Dataset:
        # No parent: the API key's project.
        metadata = ft.DatasetMetadata(display_name=display_name, labels=labels or {}, request_id=request_id)

        def requests() -> Iterator[ft.UploadDatasetRequest]:
            chunk: list[str] = []
            first = True
            for line in lines:
                chunk.append(line)
                if len(chunk) == UPLOAD_CHUNK_ROWS:
                    yield ft.UploadDatasetRequest(metadata=metadata if first else None, jsonl_lines=chunk)
                    chunk, first = [], False
            if chunk or first:
                yield ft.UploadDatasetRequest(metadata=metadata if first else None, jsonl_lines=chunk)

        # The upload has no fixed size: no deadline, the server bounds it.
        return self._call(self._stub.UploadDataset, requests(), deadline=False).dataset

    # Jobs

    def create_job(self, spec: SpecSource, *, display_name: str = "", request_id: str = "") -> job_pb2.Job:
        """Creates a job from a JobSpec, a dict or a spec file (unset fields take the server defaults).

        `training_dataset` and `validation_dataset` take a dataset's name or its bare id.
        """
        resolved = job_pb2.JobSpec()
        resolved.CopyFrom(load_spec(spec))
        for field in ("training_dataset", "validation_dataset"):
            if value := getattr(resolved, field):
                try:
                    setattr(resolved, field, dataset_name(value))
                except ValueError as err:
                    raise SpecError(f"spec.{field}: {err}") from None
        req = ft.CreateJobRequest(spec=resolved, display_name=display_name, request_id=request_id)
        return self._call(self._stub.CreateJob, req).job

    def get_job(self, job: str) -> job_pb2.Job:
        """The job, by its name or bare id."""
        return self._call(self._stub.GetJob, ft.GetJobRequest(name=job_name(job))).job

    def cancel_job(self, job: str) -> job_pb2.Job:
        return self._call(self._stub.CancelJob, ft.CancelJobRequest(name=job_name(job))).job

    def wait(
        self,
        job: str,
        *,
        timeout: float | None = None,
        poll_interval: float = 2.0,
        raise_on_failure: bool = True,
    ) -> job_pb2.Job:
        """Blocks until the job is terminal and returns it.

        Raises JobNotSucceeded for FAILED or CANCELLED (unless `raise_on_failure` is False) and
        TimeoutError when `timeout` seconds pass first. Transient UNAVAILABLE answers are retried.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        interval = min(0.25, poll_interval)
        while True:
            try:
                found = self.get_job(job)
            except ApiError as err:
                if err.code != grpc.StatusCode.UNAVAILABLE:
                    raise
            else:
                if found.state in TERMINAL_STATES:
                    if raise_on_failure and found.state != job_state_pb2.JOB_STATE_SUCCEEDED:
                        raise JobNotSucceeded(found)
                    return found
            if deadline is not None and time.monotonic() + interval > deadline:
                raise TimeoutError(f"job {job} not terminal after {timeout} s")
            time.sleep(interval)
            interval = min(poll_interval, interval * 2)

    def step_records(self, job: str, *, after_step: int = 0) -> Iterator[record_pb2.StepRecord]:
        """Yields the job's step records in order, then new ones live, until the job is terminal.

        A dropped stream (UNAVAILABLE: the API restarted) is reopened after the last step received.
        After training went back to a checkpoint, re-trained steps come again: the newer record of a
        step replaces the older one.
        """
        parent = job_name(job)
        last = after_step
        retries = 0
        while True:
            stream = self._stub.StreamStepRecords(
                ft.StreamStepRecordsRequest(parent=parent, after_step=last), metadata=self._metadata
            )
            try:
                for msg in stream:
                    retries = 0
                    yield msg.record
                    last = msg.record.step
                return
            except grpc.RpcError as err:
                if err.code() != grpc.StatusCode.UNAVAILABLE or retries >= 10:
                    raise ApiError.from_rpc_error(err) from None
                retries += 1
                time.sleep(min(5.0, 0.2 * 2**retries))
            finally:
                stream.cancel()

    def checkpoints(self, job: str) -> list[record_pb2.Checkpoint]:
        """Every checkpoint the job has kept, oldest first."""
        parent = job_name(job)
        found: list[record_pb2.Checkpoint] = []
        token = ""
        while True:
            res = self._call(
                self._stub.ListCheckpoints, ft.ListCheckpointsRequest(parent=parent, page_token=token)
            )
            found += res.checkpoints
            token = res.next_page_token
            if not token:
                return found

    def model_checkpoint(self, job: job_pb2.Job) -> record_pb2.Checkpoint | None:
        """The checkpoint a finished job hands on: its best-in-band one, else its last."""
        kept = self.checkpoints(job.name)
        best = [c for c in kept if job.best_checkpoint and c.name == job.best_checkpoint]
        return best[0] if best else (max(kept, key=lambda c: c.step) if kept else None)

    def pull_model(
        self,
        job: str,
        dest: str | os.PathLike[str],
        *,
        checkpoint_step: int | None = None,
        best: bool = False,
    ) -> Path:
        """Downloads a job's model folder (Hugging Face layout) into `dest` and verifies every file.

        By default the model exported when the job succeeded; `best=True` its best checkpoint inside the
        band; `checkpoint_step=N` a listed checkpoint. Needs the deployment's object store. Each file is
        checked against the manifest's size and sha256 (`ArtifactMismatch` names a file that differs)
        and lands under its name only once it matches.
        """
        if best and checkpoint_step is not None:
            raise ValueError("give best=True or checkpoint_step, not both")
        name = job_name(job)
        if best:
            req = ft.GetArtifactDownloadUrlsRequest(name=name, best_checkpoint=True)
        elif checkpoint_step is not None:
            req = ft.GetArtifactDownloadUrlsRequest(name=name, checkpoint_step=checkpoint_step)
        else:
            req = ft.GetArtifactDownloadUrlsRequest(name=name, exported_model=True)
        res = self._call(self._stub.GetArtifactDownloadUrls, req)
        return download_files(res.files, Path(dest))

    def _call(self, method, request, *, deadline: bool = True):
        try:
            return method(request, metadata=self._metadata, timeout=self._timeout if deadline else None)
        except grpc.RpcError as err:
            raise ApiError.from_rpc_error(err) from None


def _channel(endpoint: str, ca_file: str | os.PathLike[str] | None) -> grpc.Channel:
    endpoint = endpoint.strip().rstrip("/")
    if endpoint.startswith("https://"):
        roots = Path(ca_file).read_bytes() if ca_file else None
        return grpc.secure_channel(endpoint.removeprefix("https://"), grpc.ssl_channel_credentials(roots))
    if ca_file:
        raise ValueError(f"a CA file is set but {endpoint} is plaintext: use https://host:port for TLS")
    return grpc.insecure_channel(endpoint.removeprefix("http://"))
