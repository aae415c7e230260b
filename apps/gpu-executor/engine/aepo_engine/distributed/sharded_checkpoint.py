"""Sharded checkpoints (torch.distributed.checkpoint): the model's and the optimizer's state, each
rank writing its own shards, keyed by the parameters' names. DCP records every tensor's global
shape, so a checkpoint written by N ranks loads on M ranks, or into an unsharded model (M = 1, no
process group), resharding on read."""

from __future__ import annotations

from pathlib import Path

import torch.distributed.checkpoint as dcp
from torch.distributed.checkpoint.state_dict import get_state_dict, set_state_dict

from aepo_engine.errors import invalid
from aepo_engine.policy import LoadedPolicy


def save_sharded(s: LoadedPolicy, folder: Path) -> None:
    """Every rank writes its shards into `folder` (a collective when sharded)."""
    model, optim = get_state_dict(s.model, s.optimizer)
    dcp.save({"model": model, "optim": optim}, checkpoint_id=str(folder))


def load_sharded(s: LoadedPolicy, folder: Path) -> None:
    """Reads `folder` into the loaded policy's weights and optimizer, however they are sharded."""
    # get_state_dict initialises an empty optimizer's state (a zero-lr step), so that every
    # state tensor has a place to load into.
    model, optim = get_state_dict(s.model, s.optimizer)
    try:
        dcp.load({"model": model, "optim": optim}, checkpoint_id=str(folder))
    except (RuntimeError, ValueError) as e:
        # A missing key or a shape mismatch: another architecture, or a LoRA and a full model.
        raise invalid("path", f"sharded checkpoint does not fit the loaded model: {e}") from e
    set_state_dict(s.model, s.optimizer, model_state_dict=model, optim_state_dict=optim)
