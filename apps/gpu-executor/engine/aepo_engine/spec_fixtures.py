"""Complete engine inputs for the engine's own tests and tools (bench.py, gpu_suite.py), which call
PolicyCore directly and have no API to resolve a JobSpec for them.

The specs have no defaults (specs.py): every setting is named here once, and a test changes only what
it is about (`load_spec(model, lr=1e-2)`). These are the tests' values, not the product's: a job's
values come from its stored spec (libs/contracts/src/spec-defaults.ts).
"""

from __future__ import annotations

from dataclasses import replace

from aepo_engine import ops
from aepo_engine.lora import LoraSpec
from aepo_engine.specs import GroupSpec, LoadSpec, LossSpec

_LOAD = LoadSpec(
    model="",
    seed=0,
    lr=1e-6,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    grad_clip=0.0,
    kl_reference=False,
    gradient_checkpointing=None,
    precision="",
    max_tokens_per_micro_batch=0,
    chat_template=False,
    lora=None,
)

_LOSS = LossSpec(
    clip_low=0.2,
    clip_high=0.2,
    dual_clip=0.0,
    aggregation=ops.Aggregation.TOKEN_MEAN,
    kl_coef=0.0,
    entropy_coef=0.0,
    entropy_adv_alpha=0.0,
    entropy_adv_kappa=2.0,
    mini_batch_size=0,
    micro_batch_size=0,
    epochs=1,
    shuffle_seed=0,
    lr=None,
)


def load_spec(model: str, **changes) -> LoadSpec:
    """Load `model` with plain AdamW (lr 1e-6, no decay, no clip), full fine-tuning, fp32 on CPU."""
    return replace(_LOAD, model=model, **changes)


def loss_spec(**changes) -> LossSpec:
    """PPO clip 0.2 both sides, token-mean, no dual clip, KL or entropy term, one step of one epoch."""
    return replace(_LOSS, **changes)


def group(n: int, temperature: float, max_new_tokens: int, **changes) -> GroupSpec:
    """One prompt group without nucleus truncation or stop strings; give `text` or `messages`."""
    return GroupSpec(
        n=n,
        temperature=temperature,
        max_new_tokens=max_new_tokens,
        top_p=changes.pop("top_p", 1.0),
        stop=changes.pop("stop", ()),
        **changes,
    )


def lora_spec(rank: int, **changes) -> LoraSpec:
    """An adapter of `rank` with alpha = rank, no dropout, on every linear projection."""
    return replace(
        LoraSpec(rank=rank, alpha=float(rank), dropout=0.0, target_modules=()), **changes
    )
