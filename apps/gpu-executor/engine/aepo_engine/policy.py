"""The loaded policy: model, tokenizer, optimizer and the settings Load resolved, built from a
LoadSpec, and the Info it reports."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import torch

from aepo_engine import lora
from aepo_engine.models import eos_ids, load_model, load_tokenizer
from aepo_engine.precision import Precision
from aepo_engine.specs import LoadSpec

# Gradient checkpointing is on by default above this many parameters.
CHECKPOINTING_ABOVE = 1_000_000_000


def default_token_budget(parameters: int) -> int:
    """Tokens per forward/backward pass when the caller sets none: larger models, smaller batches."""
    if parameters <= 1_000_000_000:
        return 65_536
    if parameters <= 10_000_000_000:
        return 16_384
    return 8_192


@dataclass
class LoadedPolicy:
    model_id: str
    path: Path
    model: torch.nn.Module
    tokenizer: object
    device: torch.device
    precision: Precision
    native: torch.dtype  # the model's own dtype: exports are written in it
    optimizer: torch.optim.Optimizer
    grad_clip: float
    eos: list[int]
    pad: int
    max_context: int
    parameters: int
    token_budget: int
    gradient_checkpointing: bool
    chat_template: bool
    kl_reference: bool
    asked: LoadSpec  # the Load this was built from (Load echoes its seed and chat_template)
    ref_model: torch.nn.Module | None = None  # full fine-tuning's frozen copy (LoRA needs none)
    step: int = 0
    params: list[torch.nn.Parameter] = field(default_factory=list)
    # Set when a Train failed after applying updates: the weights are neither before nor after.
    needs_restore: str | None = None


def build_policy(
    spec: LoadSpec, path: Path, device: torch.device, precision: Precision, native: torch.dtype
) -> LoadedPolicy:
    """Loads the model at `path` on `device` and sets it up for training as `spec` asks."""
    torch.manual_seed(spec.seed)
    tokenizer = load_tokenizer(path)
    # A LoRA base is frozen: it needs no fp32 master, so it stays in its own dtype under autocast.
    weights = native if spec.lora is not None and precision.compute is not None else None
    model = load_model(path, weights or precision.weights, device)
    _disable_dropout(model)
    parameters = sum(p.numel() for p in model.parameters())
    checkpointing = spec.gradient_checkpointing
    if checkpointing is None:
        checkpointing = parameters > CHECKPOINTING_ABOVE
    if checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    if spec.lora is not None:
        model = lora.attach(model, spec.lora)
    model.eval()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(
        params,
        lr=spec.lr,
        betas=spec.betas,
        eps=spec.eps,
        weight_decay=spec.weight_decay,
    )
    ref = None
    if spec.kl_reference and spec.lora is None:
        ref = copy.deepcopy(model).eval()
        for p in ref.parameters():
            p.requires_grad_(False)
    return LoadedPolicy(
        model_id=spec.model,
        path=path,
        model=model,
        tokenizer=tokenizer,
        device=device,
        precision=precision,
        native=native,
        optimizer=optimizer,
        grad_clip=spec.grad_clip,
        eos=eos_ids(model, tokenizer),
        pad=int(tokenizer.pad_token_id),
        max_context=int(getattr(model.config, "max_position_embeddings", 0) or 1 << 30),
        parameters=parameters,
        token_budget=spec.max_tokens_per_micro_batch or default_token_budget(parameters),
        gradient_checkpointing=bool(checkpointing),
        chat_template=spec.chat_template and bool(getattr(tokenizer, "chat_template", None)),
        kl_reference=spec.kl_reference,
        asked=spec,
        ref_model=ref,
        params=params,
    )


def describe(s: LoadedPolicy) -> dict:
    """Info of the loaded policy: the model, where it runs, its memory and training state."""
    params = sum(p.numel() for p in s.model.parameters())
    if s.device.type == "cuda":
        memory = torch.cuda.memory_allocated(s.device)
    else:
        memory = sum(p.numel() * p.element_size() for p in s.model.parameters())
        for st in s.optimizer.state.values():
            memory += sum(v.numel() * v.element_size() for v in st.values() if torch.is_tensor(v))
    lm = lora.causal_lm(s.model)
    return {
        "model": s.model_id,
        "path": str(s.path),
        "model_type": str(getattr(lm.config, "model_type", "")),
        "parameters": params,
        "trainable_parameters": sum(p.numel() for p in s.params),
        "vocab_size": int(lm.get_output_embeddings().weight.shape[0]),
        "max_context": min(s.max_context, 2**32 - 1),
        "device": str(s.device),
        "dtype": str(s.params[0].dtype if s.params else s.native).removeprefix("torch."),
        "memory_bytes": int(memory),
        "kl_reference": s.kl_reference,
        "lora": lora.is_lora(s.model),
        "step": s.step,
        "lr": float(s.optimizer.param_groups[0]["lr"]),
        "precision": s.precision.name,
        "max_tokens_per_micro_batch": s.token_budget,
        "gradient_checkpointing": s.gradient_checkpointing,
        "chat_template": s.chat_template,
        "needs_restore": s.needs_restore is not None,
    }


def _disable_dropout(model) -> None:
    # RL updates must see the same function that sampled: no dropout anywhere.
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
    for attr in ("attention_dropout", "hidden_dropout", "dropout"):
        if hasattr(model.config, attr) and isinstance(getattr(model.config, attr), float):
            setattr(model.config, attr, 0.0)
