"""LoRA adapters (peft) on a frozen base: attach, reach the wrapped model, switch the adapter off for the
KL reference, save/restore the adapter exactly and build the merged weights for export."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file

from aepo_engine.errors import invalid

ADAPTER_WEIGHTS = "adapter_model.safetensors"


@dataclass(frozen=True, kw_only=True)
class LoraSpec:
    rank: int
    alpha: float
    dropout: float
    target_modules: tuple[str, ...]  # empty: every linear projection of attention and MLP


def attach(model, spec: LoraSpec):
    """Freezes `model` and wraps it with a fresh LoRA adapter (B = 0: the policy starts as the base).
    Adapter weights are fp32 whatever the base dtype (peft's autocast_adapter_dtype)."""
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(
        r=spec.rank,
        lora_alpha=spec.alpha,
        lora_dropout=spec.dropout,
        target_modules=list(spec.target_modules) or "all-linear",
        bias="none",
        task_type="CAUSAL_LM",
    )
    try:
        return get_peft_model(model, config)
    except ValueError as e:
        raise invalid("lora.target_modules", str(e)) from e


def is_lora(model) -> bool:
    from peft import PeftModel

    return isinstance(model, PeftModel)


def causal_lm(model):
    """The transformers causal LM inside a peft wrapper (its modules carry the adapter), or `model`."""
    return model.get_base_model() if is_lora(model) else model


def adapter_disabled(model):
    """Context in which a LoRA model computes as its base (the KL reference)."""
    return model.disable_adapter() if is_lora(model) else contextlib.nullcontext()


def adapter_state(model) -> dict[str, torch.Tensor]:
    from peft import get_peft_model_state_dict

    return get_peft_model_state_dict(model)


def load_adapter(model, folder: Path) -> None:
    """Copies the adapter weights saved in `folder` into the model, refusing any mismatch."""
    from peft import set_peft_model_state_dict

    file = folder / ADAPTER_WEIGHTS
    if not file.is_file():
        raise invalid("path", f"{folder} holds no LoRA adapter ({ADAPTER_WEIGHTS})")
    saved = load_file(str(file))
    own = adapter_state(model)
    if set(saved) != set(own):
        missing = sorted(set(own) - set(saved))[:3]
        raise invalid("path", f"the adapter does not match the loaded one (missing {missing})")
    for name, t in own.items():
        if saved[name].shape != t.shape:
            raise invalid("path", f"{name}: shape {tuple(saved[name].shape)} != {tuple(t.shape)}")
    result = set_peft_model_state_dict(model, saved)
    if getattr(result, "unexpected_keys", None):
        raise invalid("path", f"unexpected adapter keys {result.unexpected_keys[:3]}")


@torch.no_grad()
def merged_state_dict(model) -> dict[str, torch.Tensor]:
    """The base's state dict with every adapted weight replaced by W + scale * B A, under the base's
    own parameter names (what a plain transformers model loads). The live model is not modified."""
    from peft.tuners.lora import LoraLayer

    lm = causal_lm(model)
    merged: dict[str, torch.Tensor] = {}
    for name, module in lm.named_modules():
        if isinstance(module, LoraLayer):
            base = module.get_base_layer()
            delta = module.get_delta_weight("default")
            merged[f"{name}.weight"] = base.weight.float() + delta.float()
            if getattr(base, "bias", None) is not None:
                merged[f"{name}.bias"] = base.bias
    out: dict[str, torch.Tensor] = {}
    for key, t in lm.state_dict().items():
        if "lora_" in key:
            continue
        plain = key.replace(".base_layer.", ".")
        out[plain] = merged.get(plain, t)
    return out
