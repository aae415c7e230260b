"""Starting one engine rank: `torchrun --nproc-per-node N -m aepo_engine serve --address ...` runs
this on every rank (cli.py calls `serve_ranks` when torchrun's WORLD_SIZE is above 1). Rank 0 serves
gRPC on --address; the others follow its commands until it shuts down."""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import timedelta

import torch
import torch.distributed as dist

from aepo_engine.config import EngineSettings

from .leader import LeaderCore, follow
from .protocol import Channel
from .rank_core import RankCore

log = logging.getLogger(__name__)

# How long a collective (a rank's share of a Sample or Train, the outcome exchange) may wait for the
# other ranks: a rank that died or hangs fails the call within it.
TIMEOUT_ENV = "AEPO_ENGINE_COLLECTIVE_TIMEOUT_SECONDS"
DEFAULT_TIMEOUT_SECONDS = 600.0


def world_size() -> int:
    """The number of engine ranks torchrun started (1 without torchrun)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def collective_timeout() -> timedelta:
    raw = os.environ.get(TIMEOUT_ENV, "")
    seconds = float(raw) if raw else DEFAULT_TIMEOUT_SECONDS
    if seconds <= 0:
        raise ValueError(f"{TIMEOUT_ENV} must be > 0, got {raw!r}")
    return timedelta(seconds=seconds)


def serve_ranks(address: str, settings: EngineSettings, exit_with_parent: bool) -> int:
    """Runs this process's rank until rank 0's server stops (SIGTERM/SIGINT to rank 0)."""
    if torch.cuda.is_available():
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        backend = "nccl"
    else:
        backend = "gloo"
    dist.init_process_group(backend, timeout=collective_timeout())
    channel = Channel()
    try:
        if channel.rank == 0:
            from aepo_engine.server import serve

            core = LeaderCore(settings, channel)
            asyncio.run(serve(address, settings, exit_with_parent=exit_with_parent, core=core))
            core.shutdown()
        else:
            follow(RankCore(settings), channel)
    finally:
        dist.destroy_process_group()
    log.info("engine rank %d of %d stopped", channel.rank, channel.world)
    return 0
