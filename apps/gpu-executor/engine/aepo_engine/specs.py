"""What the engine primitives take and answer (Load, Sample, Train), as plain frozen values.

validation.py builds the inputs from the gRPC requests; the server maps the outputs back to protobuf.
The inputs carry the job's resolved spec (the API filled its defaults once), so a setting taken from
the JobSpec has no default here: a caller names every one (test/spec-defaults.lint.spec.ts checks).
The defaults left are not JobSpec settings, each says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from aepo_engine import ops
from aepo_engine.lora import LoraSpec


@dataclass(frozen=True, kw_only=True)
class LoadSpec:
    model: str
    seed: int
    lr: float
    betas: tuple[float, float]
    eps: float
    weight_decay: float
    grad_clip: float
    kl_reference: bool
    gradient_checkpointing: bool | None  # None: on above CHECKPOINTING_ABOVE parameters
    precision: str  # "": bf16-mixed on CUDA, fp32 on CPU (the API cannot know the device)
    max_tokens_per_micro_batch: int  # 0: by model size (the API cannot know the model's size)
    chat_template: bool
    lora: LoraSpec | None  # None: full fine-tuning
    # Not JobSpec settings: the executor's device and the legacy dtype of the engine's own tools.
    dtype: str = ""
    device: str = ""


@dataclass(frozen=True, kw_only=True)
class GroupSpec:
    n: int
    temperature: float
    max_new_tokens: int
    top_p: float
    stop: tuple[str, ...]
    # The prompt, not a setting: exactly one of the two is given.
    text: str | None = None
    messages: tuple[tuple[str, str], ...] = ()


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


@dataclass(frozen=True, kw_only=True)
class LossSpec:
    clip_low: float
    clip_high: float
    dual_clip: float  # 0: off
    aggregation: ops.Aggregation
    kl_coef: float  # 0: off
    entropy_coef: float  # 0: off
    entropy_adv_alpha: float  # 0: off
    entropy_adv_kappa: float
    mini_batch_size: int  # 0: all items in one optimizer step
    micro_batch_size: int  # 0: the mini-batch (the token budget splits it further)
    epochs: int
    shuffle_seed: int
    lr: float | None  # None: the optimizer's current rate (Load's)


@dataclass(frozen=True)
class TrainItemSpec:
    rollout_id: str
    advantage: float
    token_advantages: tuple[float, ...] | None = None


@dataclass
class TrainOut:  # a result, filled as Train runs: its zeros are not settings
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
