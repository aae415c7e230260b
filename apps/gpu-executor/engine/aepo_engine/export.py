"""Writing and reading weights in the plain HF layout (model.safetensors + config.json), in a chosen
dtype, whatever dtype the engine trains in."""

from __future__ import annotations

import copy
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

WEIGHTS = "model.safetensors"


def tied_names(model) -> set[str]:
    """Parameter names that share storage with an earlier one (tied embeddings)."""
    seen: dict[int, str] = {}
    tied: set[str] = set()
    for name, t in model.state_dict(keep_vars=True).items():
        key = t.data_ptr()
        if key in seen:
            tied.add(name)
        else:
            seen[key] = name
    return tied


def write_weights(state: dict[str, torch.Tensor], file: Path, dtype: torch.dtype, skip: set[str]):
    """Saves `state` (minus `skip`) as one safetensors file, floating tensors cast to `dtype`."""
    out = {}
    for name, t in state.items():
        if name in skip:
            continue
        t = t.detach()
        if t.is_floating_point():
            t = t.to(dtype)
        out[name] = t.to("cpu").contiguous().clone()
    save_file(out, str(file), metadata={"format": "pt"})


def write_hf_model(model, state: dict[str, torch.Tensor], folder: Path, dtype: torch.dtype) -> None:
    """A plain HF model folder: `state` in `dtype` plus config (declaring that dtype) and generation
    config. Tied duplicates are left out as transformers expects."""
    folder.mkdir(parents=True, exist_ok=True)
    write_weights(state, folder / WEIGHTS, dtype, tied_names(model))
    config = copy.deepcopy(model.config)
    config.dtype = dtype
    config.save_pretrained(folder)
    gen = getattr(model, "generation_config", None)
    if gen is not None:
        gen.save_pretrained(folder)


def read_weights(folder: Path, exclude: tuple[str, ...] = ()) -> dict[str, torch.Tensor]:
    """Every *.safetensors file directly in `folder` (shards included), except `exclude`."""
    weights: dict[str, torch.Tensor] = {}
    for f in sorted(folder.glob("*.safetensors")):
        if f.name not in exclude:
            weights.update(load_file(str(f)))
    return weights
