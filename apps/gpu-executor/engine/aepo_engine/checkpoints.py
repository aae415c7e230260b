"""Checkpoints of the loaded policy: the weights (a peft adapter, or the HF model plus its fp32 master),
the tokenizer, the optimizer state, the step and every RNG, written atomically into one folder."""

from __future__ import annotations

import json
import os
import random
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file

from aepo_engine import lora
from aepo_engine.errors import invalid, not_found
from aepo_engine.export import read_weights, tied_names, write_hf_model, write_weights
from aepo_engine.policy import LoadedPolicy

CHECKPOINT_STATE = "engine_state.pt"
CHECKPOINT_META = "engine.json"
# fp32 master weights, written beside the model-dtype export when they differ (bf16-mixed on a bf16
# model), so a resume continues from the exact weights.
CHECKPOINT_MASTER = "engine_master.safetensors"
MERGED_DIR = "merged"
# Written by engine ranks: model and optimizer state, sharded (torch.distributed.checkpoint).
SHARDED_DIR = "sharded"


def save_checkpoint(
    s: LoadedPolicy,
    path: Path,
    merge_adapter: bool = False,
    sharded: Callable[[Path], None] | None = None,
) -> tuple[int, int]:
    """Writes the checkpoint into a temporary sibling, then swaps it in for `path`; returns the step
    and the bytes written. `sharded` (engine ranks) puts the sharded model and optimizer state into
    the folder it is given, in place of the optimizer's state_dict."""
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.tmp-{uuid.uuid4().hex[:8]}"
    try:
        tmp.mkdir()
        _write_weights(s, tmp, merge_adapter)
        s.tokenizer.save_pretrained(tmp)
        if sharded is not None:
            sharded(tmp / SHARDED_DIR)
        state = {
            "optimizer": s.optimizer.state_dict() if sharded is None else None,
            "step": s.step,
            "torch_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            "python_rng": random.getstate(),
            "numpy_rng": np.random.get_state(),
        }
        torch.save(state, tmp / CHECKPOINT_STATE)
        meta = {
            "model": s.model_id,
            "step": s.step,
            "format": 2,
            "precision": s.precision.name,
            "lora": lora.is_lora(s.model),
        }
        (tmp / CHECKPOINT_META).write_text(json.dumps(meta) + "\n")
        old = None
        if path.exists():
            old = path.parent / f".{path.name}.old-{uuid.uuid4().hex[:8]}"
            os.rename(path, old)
        os.rename(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return s.step, size


def _write_weights(s: LoadedPolicy, folder: Path, merge_adapter: bool) -> None:
    """LoRA: the peft adapter (plus the merged model when asked). Full: the HF model in its own
    dtype, plus the fp32 master when training holds the weights in another dtype."""
    if lora.is_lora(s.model):
        s.model.save_pretrained(folder)
        if merge_adapter:
            lm = lora.causal_lm(s.model)
            write_hf_model(lm, lora.merged_state_dict(s.model), folder / MERGED_DIR, s.native)
            s.tokenizer.save_pretrained(folder / MERGED_DIR)
        return
    state = s.model.state_dict()
    write_hf_model(s.model, state, folder, s.native)
    if s.precision.weights != s.native:
        write_weights(state, folder / CHECKPOINT_MASTER, s.precision.weights, tied_names(s.model))


def load_checkpoint(s: LoadedPolicy, path: Path) -> int:
    """Restores weights, optimizer, step and RNGs from the checkpoint at `path` into the loaded
    policy (same architecture) and clears a pending restore; returns the step."""
    if not (path / CHECKPOINT_STATE).is_file():
        raise not_found(f"no checkpoint at {path}")
    state = torch.load(path / CHECKPOINT_STATE, map_location="cpu", weights_only=False)
    if (path / SHARDED_DIR).is_dir():
        from aepo_engine.distributed.sharded_checkpoint import load_sharded

        load_sharded(s, path / SHARDED_DIR)  # weights and optimizer, on any number of ranks
    elif lora.is_lora(s.model):
        lora.load_adapter(s.model, path)
    else:
        _load_full_weights(s, path)
    if state["optimizer"] is not None:
        s.optimizer.load_state_dict(state["optimizer"])
    s.step = int(state["step"])
    torch.set_rng_state(state["torch_rng"])
    if state["cuda_rng"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda_rng"])
    random.setstate(state["python_rng"])
    np.random.set_state(state["numpy_rng"])
    s.needs_restore = None
    return s.step


def _load_full_weights(s: LoadedPolicy, path: Path) -> None:
    master = path / CHECKPOINT_MASTER
    if master.is_file():
        weights = load_file(str(master))
    else:
        weights = read_weights(path, exclude=(CHECKPOINT_MASTER,))
    if not weights:
        raise not_found(f"no safetensors weights in {path}")
    own = s.model.state_dict()
    tied = tied_names(s.model)
    for name, t in own.items():
        w = weights.get(name)
        if w is None:
            if name in tied:
                continue
            raise invalid("path", f"checkpoint lacks {name} (a different architecture?)")
        if w.shape != t.shape:
            raise invalid("path", f"{name}: shape {tuple(w.shape)} != {tuple(t.shape)}")
    with torch.no_grad():
        for name, t in own.items():
            if name in weights:
                t.copy_(weights[name].to(t.dtype))
