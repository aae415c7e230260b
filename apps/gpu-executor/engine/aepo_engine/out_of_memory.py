"""Out-of-memory handling shared by Sample and Train: free the CUDA cache, answer RESOURCE_EXHAUSTED."""

from __future__ import annotations

import grpc
import torch

from aepo_engine.errors import EngineError


def free_cuda(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.empty_cache()


def oom_error(what: str) -> EngineError:
    return EngineError(grpc.StatusCode.RESOURCE_EXHAUSTED, f"out of memory: {what}")
