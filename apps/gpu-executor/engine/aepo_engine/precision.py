"""Numeric precision of a loaded model: which dtype the trained weights live in and which dtype the
forward pass computes in.

bf16-mixed keeps fp32 master weights (AdamW's state is fp32 too) and runs the transformer under bf16
autocast: an update of lr 1e-6 survives in fp32 where it would round away in bf16 (bf16-pure).
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

import torch

from aepo_engine.errors import invalid

FP32 = "fp32"
BF16_MIXED = "bf16-mixed"
BF16_PURE = "bf16-pure"
PRECISIONS = (FP32, BF16_MIXED, BF16_PURE)
LEGACY_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


@dataclass(frozen=True)
class Precision:
    """name: as reported; weights: dtype of the trained parameters; compute: autocast dtype or None."""

    name: str
    weights: torch.dtype
    compute: torch.dtype | None

    def autocast(self, device: torch.device):
        """The forward pass's autocast context (a no-op without a compute dtype)."""
        if self.compute is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=device.type, dtype=self.compute)


def pick_precision(precision: str, dtype: str, device: torch.device) -> Precision:
    """The precision of a Load: `precision` by name, else a legacy `dtype` (weights in it, no autocast),
    else bf16-mixed on CUDA and fp32 on CPU."""
    if precision and dtype:
        raise invalid("dtype", "set precision or dtype, not both")
    if dtype:
        if dtype not in LEGACY_DTYPES:
            raise invalid("dtype", f"unknown dtype {dtype!r} (one of {', '.join(LEGACY_DTYPES)})")
        weights = LEGACY_DTYPES[dtype]
        names = {torch.float32: FP32, torch.bfloat16: BF16_PURE}
        return Precision(names.get(weights, dtype), weights, None)
    if not precision:
        precision = BF16_MIXED if device.type == "cuda" else FP32
    if precision == FP32:
        return Precision(FP32, torch.float32, None)
    if precision == BF16_MIXED:
        return Precision(BF16_MIXED, torch.float32, torch.bfloat16)
    if precision == BF16_PURE:
        return Precision(BF16_PURE, torch.bfloat16, None)
    raise invalid("precision", f"unknown precision {precision!r} (one of {', '.join(PRECISIONS)})")


def native_dtype(path: Path) -> torch.dtype:
    """The dtype a model folder declares (config.json `torch_dtype` / `dtype`); float32 if none.
    Exports are written in it, whatever the training precision."""
    cfg = json.loads((path / "config.json").read_text())
    name = cfg.get("torch_dtype") or cfg.get("dtype") or "float32"
    return LEGACY_DTYPES.get(str(name), torch.float32)
