"""Engine errors carrying the gRPC status they map to, so the server edge has one mapper."""

from __future__ import annotations

import grpc


class EngineError(Exception):
    """An error with a gRPC status code and a client-facing message."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def invalid(field: str, problem: str) -> EngineError:
    """INVALID_ARGUMENT naming the offending field."""
    return EngineError(grpc.StatusCode.INVALID_ARGUMENT, f"{field}: {problem}")


def not_found(message: str) -> EngineError:
    return EngineError(grpc.StatusCode.NOT_FOUND, message)


def precondition(message: str) -> EngineError:
    return EngineError(grpc.StatusCode.FAILED_PRECONDITION, message)
