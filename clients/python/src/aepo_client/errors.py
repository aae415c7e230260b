"""The API's errors as Python exceptions: the gRPC status, and the field violations of a BadRequest."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from google.rpc import error_details_pb2, status_pb2

_DETAILS_KEY = "grpc-status-details-bin"


@dataclass(frozen=True)
class FieldViolation:
    """One rejected field: its path in the request (`spec.entropy_target.constant`) and why."""

    field: str
    description: str


class ApiError(Exception):
    """A call the API answered with an error status."""

    def __init__(self, code: grpc.StatusCode, message: str, violations: list[FieldViolation]):
        detail = "; ".join(f"{v.field}: {v.description}" for v in violations)
        super().__init__(f"{code.name}: {message}" + (f" ({detail})" if detail else ""))
        self.code = code
        self.message = message
        self.violations = violations

    @classmethod
    def from_rpc_error(cls, err: grpc.RpcError) -> ApiError:
        code = err.code() if hasattr(err, "code") else grpc.StatusCode.UNKNOWN
        message = err.details() if hasattr(err, "details") else str(err)
        return cls(code, message or "", _violations(err))


class JobNotSucceeded(Exception):
    """`wait` ended on FAILED or CANCELLED (the job is attached)."""

    def __init__(self, job):
        super().__init__(f"job {job.name} ended {state_name(job.state)}: {job.error.message}".rstrip(": "))
        self.job = job


def state_name(state: int) -> str:
    from aepo.v1 import job_state_pb2

    return job_state_pb2.JobState.Name(state).removeprefix("JOB_STATE_")


def _violations(err: grpc.RpcError) -> list[FieldViolation]:
    metadata = err.trailing_metadata() if hasattr(err, "trailing_metadata") else None
    for key, value in metadata or ():
        if key != _DETAILS_KEY:
            continue
        status = status_pb2.Status.FromString(value)
        found: list[FieldViolation] = []
        for any_detail in status.details:
            bad = error_details_pb2.BadRequest()
            if any_detail.Unpack(bad):
                found += [FieldViolation(v.field, v.description) for v in bad.field_violations]
        return found
    return []
