"""What the engine primitives take and answer (Load, Sample, Train), as plain frozen values.

validation.py builds the inputs from the gRPC requests; the server maps the outputs back to protobuf.
"""

from __future__ import annotations

from dataclasses import dataclass

from aepo_engine import ops
from aepo_engine.lora import LoraSpec


@dataclass(frozen=True)
class LoadSpec:
    model: str
    dtype: str = ""
    device: str = ""
    seed: int = 0
    lr: float = 1e-6
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    grad_clip: float = 0.0
    kl_reference: bool = False
    gradient_checkpointing: bool | None = None  # None: on above CHECKPOINTING_ABOVE parameters
    precision: str = ""
    max_tokens_per_micro_batch: int = 0
    chat_template: bool = False
    lora: LoraSpec | None = None


@dataclass(frozen=True)
class GroupSpec:
    n: int
    temperature: float
    max_new_tokens: int
    text: str | None = None
    messages: tuple[tuple[str, str], ...] = ()
    top_p: float = 1.0
    stop: tuple[str, ...] = ()


@dataclass(frozen=True)
class CompletionOut:
    rollout_id: str
    text: str
    tokens: int
    finish_reason: int
    entropy: float
    neg_log_prob: float


@dataclass(frozen=True)
class SampleOut:
    groups: list[list[CompletionOut]]
    total_tokens: int
    prompt_tokens: int
    seconds: float


@dataclass(frozen=True)
class LossSpec:
    clip_low: float = 0.2
    clip_high: float = 0.2
    dual_clip: float = 0.0
    aggregation: ops.Aggregation = ops.Aggregation.TOKEN_MEAN
    kl_coef: float = 0.0
    entropy_coef: float = 0.0
    entropy_adv_alpha: float = 0.0
    entropy_adv_kappa: float = 2.0
    mini_batch_size: int = 0
    micro_batch_size: int = 0
    epochs: int = 1
    shuffle_seed: int = 0
    lr: float | None = None


@dataclass(frozen=True)
class TrainItemSpec:
    rollout_id: str
    advantage: float
    token_advantages: tuple[float, ...] | None = None


@dataclass
class TrainOut:
    entropy: float = 0.0
    entropy_sampled: float = 0.0
    policy_loss: float = 0.0
    clip_fraction_low: float = 0.0
    clip_fraction_high: float = 0.0
    clip_fraction_dual: float = 0.0
    approx_kl: float = 0.0
    kl: float = 0.0
    grad_norm: float = 0.0
    lr: float = 0.0
    tokens: int = 0
    optimizer_steps: int = 0
    step: int = 0
    seconds: float = 0.0
    non_finite_steps: int = 0
    micro_batches: int = 0
    loss_logits_bytes: int = 0
    peak_memory_bytes: int = 0
