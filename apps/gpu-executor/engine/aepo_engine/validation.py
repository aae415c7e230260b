"""Wire messages -> typed specs, rejecting bad input with INVALID_ARGUMENT naming the field.

The engine defaults nothing it is sent: the executor passes every value of the job's stored spec
(the API filled its defaults once), so a missing learning rate, AdamW epsilon or top_p is an error,
not a value to make up here.
"""

from __future__ import annotations

import math
import re

from aepo_engine import ops
from aepo_engine.engine import GroupSpec, LoadSpec, LossSpec, TrainItemSpec
from aepo_engine.errors import invalid
from aepo_engine.lora import LoraSpec
from aepo_engine.precision import PRECISIONS
from aepo_engine.proto import pb

_MODULE_RE = re.compile(r"^[A-Za-z0-9_.]{1,64}$")

MAX_SEED = 2**63 - 1
AGGREGATION = {
    pb.LOSS_AGGREGATION_TOKEN_MEAN: ops.Aggregation.TOKEN_MEAN,
    pb.LOSS_AGGREGATION_SEQ_MEAN_TOKEN_MEAN: ops.Aggregation.SEQ_MEAN_TOKEN_MEAN,
    pb.LOSS_AGGREGATION_SEQ_MEAN_TOKEN_SUM: ops.Aggregation.SEQ_MEAN_TOKEN_SUM,
}


def _finite(field: str, v: float) -> float:
    if not math.isfinite(v):
        raise invalid(field, "must be finite")
    return v


def load_spec(req: pb.LoadRequest) -> LoadSpec:
    if not req.model:
        raise invalid("model", "required")
    o = req.optimizer
    lr = _finite("optimizer.lr", o.lr)
    if lr <= 0:
        raise invalid("optimizer.lr", "must be > 0")
    b1 = _finite("optimizer.beta1", o.beta1)
    b2 = _finite("optimizer.beta2", o.beta2)
    for name, b in (("optimizer.beta1", b1), ("optimizer.beta2", b2)):
        if not 0 <= b < 1:
            raise invalid(name, "must be in [0, 1)")
    eps = _finite("optimizer.eps", o.eps)
    if eps <= 0:
        raise invalid("optimizer.eps", "must be > 0")
    wd = _finite("optimizer.weight_decay", o.weight_decay)
    if wd < 0:
        raise invalid("optimizer.weight_decay", "must be >= 0")
    clip = _finite("optimizer.grad_clip", o.grad_clip)
    if clip < 0:
        raise invalid("optimizer.grad_clip", "must be >= 0")
    if req.precision and req.dtype:
        raise invalid("precision", "set precision or dtype, not both")
    if req.precision and req.precision not in PRECISIONS:
        raise invalid("precision", f"unknown precision {req.precision!r} ({', '.join(PRECISIONS)})")
    if req.seed > MAX_SEED:
        raise invalid("seed", "must be < 2^63")
    return LoadSpec(
        model=req.model,
        dtype=req.dtype,
        device=req.device,
        seed=req.seed,
        lr=lr,
        betas=(b1, b2),
        eps=eps,
        weight_decay=wd,
        grad_clip=clip,
        kl_reference=req.kl_reference,
        gradient_checkpointing=(
            req.gradient_checkpointing if req.HasField("gradient_checkpointing") else None
        ),
        precision=req.precision,
        max_tokens_per_micro_batch=req.max_tokens_per_micro_batch,
        chat_template=req.chat_template,
        lora=lora_spec(req.lora) if req.HasField("lora") else None,
    )


def lora_spec(lo: pb.Lora) -> LoraSpec:
    if not 1 <= lo.rank <= 4096:
        raise invalid("lora.rank", "must be in 1..4096")
    alpha = _finite("lora.alpha", lo.alpha)
    if alpha <= 0:
        raise invalid("lora.alpha", "must be > 0")
    dropout = _finite("lora.dropout", lo.dropout)
    if not 0 <= dropout < 1:
        raise invalid("lora.dropout", "must be in [0, 1)")
    for i, name in enumerate(lo.target_modules):
        if not _MODULE_RE.match(name):
            raise invalid(f"lora.target_modules[{i}]", "must be 1..64 of [A-Za-z0-9_.]")
    return LoraSpec(
        rank=lo.rank, alpha=alpha, dropout=dropout, target_modules=tuple(lo.target_modules)
    )


def sample_specs(req: pb.SampleRequest, max_rows: int = 1 << 20) -> list[GroupSpec]:
    if not req.groups:
        raise invalid("groups", "at least one group required")
    if req.seed > MAX_SEED:
        raise invalid("seed", "must be < 2^63")
    out = []
    rows = 0
    for i, g in enumerate(req.groups):
        f = f"groups[{i}]"
        if bool(g.text) == bool(g.messages):
            raise invalid(f"{f}.text", "set exactly one of text and messages")
        if g.n < 1:
            raise invalid(f"{f}.n", "must be >= 1")
        t = _finite(f"{f}.temperature", g.temperature)
        if t < 0:
            raise invalid(f"{f}.temperature", "must be >= 0")
        top_p = _finite(f"{f}.top_p", g.top_p)
        if not 0 < top_p <= 1:
            raise invalid(f"{f}.top_p", "must be in (0, 1]")
        if g.max_new_tokens < 1:
            raise invalid(f"{f}.max_new_tokens", "must be >= 1")
        for j, m in enumerate(g.messages):
            if m.role not in ("system", "user", "assistant"):
                raise invalid(f"{f}.messages[{j}].role", "must be system, user or assistant")
        for j, s in enumerate(g.stop):
            if not s:
                raise invalid(f"{f}.stop[{j}]", "must not be empty")
        rows += g.n
        if rows > max_rows:
            raise invalid("groups", f"more than {max_rows} completions in one call")
        out.append(
            GroupSpec(
                n=g.n,
                temperature=t,
                max_new_tokens=g.max_new_tokens,
                text=g.text or None,
                messages=tuple((m.role, m.content) for m in g.messages),
                top_p=top_p,
                stop=tuple(g.stop),
            )
        )
    return out


def train_specs(req: pb.TrainRequest) -> tuple[list[TrainItemSpec], LossSpec]:
    if not req.items:
        raise invalid("items", "at least one item required")
    items = []
    for i, it in enumerate(req.items):
        if not it.rollout_id:
            raise invalid(f"items[{i}].rollout_id", "required")
        adv = _finite(f"items[{i}].advantage", it.advantage)
        tok = None
        if it.token_advantages:
            tok = tuple(it.token_advantages)
            if not all(math.isfinite(v) for v in tok):
                raise invalid(f"items[{i}].token_advantages", "must be finite")
        items.append(TrainItemSpec(it.rollout_id, adv, tok))
    if not req.HasField("loss"):
        raise invalid("loss", "required")
    lo = req.loss
    clip_low = _finite("loss.clip_low", lo.clip_low)
    if not 0 < clip_low <= 1:
        raise invalid("loss.clip_low", "must be in (0, 1]")
    clip_high = _finite("loss.clip_high", lo.clip_high)
    if clip_high <= 0:
        raise invalid("loss.clip_high", "must be > 0")
    dual = _finite("loss.dual_clip", lo.dual_clip)
    if dual != 0 and dual <= 1:
        raise invalid("loss.dual_clip", "must be 0 (off) or > 1")
    if lo.aggregation == pb.LOSS_AGGREGATION_UNSPECIFIED:
        raise invalid("loss.aggregation", "required")
    if lo.aggregation not in AGGREGATION:
        raise invalid("loss.aggregation", "unknown value")
    # entropy_coef is signed (a negative one lowers entropy), only finite.
    _finite("loss.entropy_coef", lo.entropy_coef)
    for name in ("kl_coef", "entropy_adv_alpha", "entropy_adv_kappa"):
        v = _finite(f"loss.{name}", getattr(lo, name))
        if v < 0:
            raise invalid(f"loss.{name}", "must be >= 0")
    if lo.entropy_adv_alpha > 0 and lo.entropy_adv_kappa <= 0:
        raise invalid("loss.entropy_adv_kappa", "must be > 0 when entropy_adv_alpha > 0")
    lr = None
    if lo.HasField("lr"):
        lr = _finite("loss.lr", lo.lr)
        if lr <= 0:
            raise invalid("loss.lr", "must be > 0")
    if lo.epochs < 1:
        raise invalid("loss.epochs", "must be >= 1")
    if lo.shuffle_seed > MAX_SEED:
        raise invalid("loss.shuffle_seed", "must be < 2^63")
    spec = LossSpec(
        clip_low=clip_low,
        clip_high=clip_high,
        dual_clip=dual,
        aggregation=AGGREGATION[lo.aggregation],
        kl_coef=lo.kl_coef,
        entropy_coef=lo.entropy_coef,
        entropy_adv_alpha=lo.entropy_adv_alpha,
        entropy_adv_kappa=lo.entropy_adv_kappa,
        mini_batch_size=lo.mini_batch_size,
        micro_batch_size=lo.micro_batch_size,
        epochs=lo.epochs,
        shuffle_seed=lo.shuffle_seed,
        lr=lr,
    )
    return items, spec
