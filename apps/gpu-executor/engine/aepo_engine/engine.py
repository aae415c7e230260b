"""The policy engine's state and primitives (Load, Sample, Train, checkpoints), without any gRPC.

One model at a time; calls are serialised by the server. Token tensors stay here, referenced by
rollout id (rollouts.py). Train follows AEPO's reference update: old log-probs recomputed at T=1 under
the current policy, PPO clip with dual clip, no importance weight for the sampling temperature.
"""

from __future__ import annotations

import copy
import json
import os
import random
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import numpy as np
import torch
from safetensors.torch import load_file

from aepo_engine import ops
from aepo_engine.config import EngineSettings
from aepo_engine.errors import EngineError, invalid, not_found, precondition
from aepo_engine.models import (
    eos_ids,
    load_model,
    load_tokenizer,
    pick_device,
    pick_dtype,
    resolve_model,
)
from aepo_engine.rollouts import Rollout, RolloutStore
from aepo_engine.sampling import RowSpec, sample_rows

CHECKPOINT_STATE = "engine_state.pt"
CHECKPOINT_META = "engine.json"


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
    gradient_checkpointing: bool = False


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


@dataclass
class _Loaded:
    model_id: str
    path: Path
    model: torch.nn.Module
    tokenizer: object
    device: torch.device
    dtype: torch.dtype
    optimizer: torch.optim.Optimizer
    grad_clip: float
    eos: list[int]
    pad: int
    max_context: int
    ref_model: torch.nn.Module | None = None
    step: int = 0
    params: list[torch.nn.Parameter] = field(default_factory=list)


@dataclass
class _Batch:
    """Rollouts laid out as in sampling: prompts left-padded to P, completions right-padded to C."""

    input_ids: torch.Tensor  # [B, P + C]
    attention: torch.Tensor  # [B, P + C]
    positions: torch.Tensor  # [B, P + C]
    targets: torch.Tensor  # [B, C]
    mask: torch.Tensor  # [B, C] float


class PolicyCore:
    """Holds the model, optimizer and rollouts; every public method is one engine primitive."""

    def __init__(self, settings: EngineSettings) -> None:
        self.settings = settings
        self.store = RolloutStore(
            settings.rollout_max, settings.rollout_max_tokens, settings.rollout_ttl_seconds
        )
        self.state: _Loaded | None = None

    # ---- Load / Info -------------------------------------------------------------------------
    def load(self, spec: LoadSpec) -> dict:
        device = pick_device(spec.device)
        dtype = pick_dtype(spec.dtype, device)
        path = resolve_model(spec.model, self.settings)
        self.store.clear()
        self.state = None
        if device.type == "cuda":
            torch.cuda.empty_cache()
        torch.manual_seed(spec.seed)
        tokenizer = load_tokenizer(path)
        model = load_model(path, dtype, device)
        _disable_dropout(model)
        if spec.gradient_checkpointing:
            model.gradient_checkpointing_enable()
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
        if spec.kl_reference:
            ref = copy.deepcopy(model).eval()
            for p in ref.parameters():
                p.requires_grad_(False)
        self.state = _Loaded(
            model_id=spec.model,
            path=path,
            model=model,
            tokenizer=tokenizer,
            device=device,
            dtype=dtype,
            optimizer=optimizer,
            grad_clip=spec.grad_clip,
            eos=eos_ids(model, tokenizer),
            pad=int(tokenizer.pad_token_id),
            max_context=int(getattr(model.config, "max_position_embeddings", 0) or 1 << 30),
            ref_model=ref,
            params=params,
        )
        return self.model_info()

    def model_info(self) -> dict:
        s = self._require()
        params = sum(p.numel() for p in s.model.parameters())
        if s.device.type == "cuda":
            memory = torch.cuda.memory_allocated(s.device)
        else:
            memory = sum(p.numel() * p.element_size() for p in s.model.parameters())
            for st in s.optimizer.state.values():
                memory += sum(
                    v.numel() * v.element_size() for v in st.values() if torch.is_tensor(v)
                )
        return {
            "model": s.model_id,
            "path": str(s.path),
            "model_type": str(getattr(s.model.config, "model_type", "")),
            "parameters": params,
            "trainable_parameters": sum(p.numel() for p in s.params),
            "vocab_size": int(s.model.get_output_embeddings().weight.shape[0]),
            "max_context": min(s.max_context, 2**32 - 1),
            "device": str(s.device),
            "dtype": str(s.dtype).removeprefix("torch."),
            "memory_bytes": int(memory),
            "kl_reference": s.ref_model is not None,
            "lora": False,
            "step": s.step,
            "lr": float(s.optimizer.param_groups[0]["lr"]),
        }

    @property
    def loaded(self) -> bool:
        return self.state is not None

    # ---- Sample ------------------------------------------------------------------------------
    def sample(self, groups: list[GroupSpec], seed: int, discard: bool) -> SampleOut:
        s = self._require()
        started = time.monotonic()
        rows: list[RowSpec] = []
        prompts: list[list[int]] = []
        for gi, g in enumerate(groups):
            ids = self._prompt_ids(gi, g)
            room = s.max_context - len(ids)
            if room < 1:
                raise invalid(
                    f"groups[{gi}]",
                    f"prompt of {len(ids)} tokens fills the {s.max_context} context",
                )
            prompts.append(ids)
            row = RowSpec(ids, g.temperature, g.top_p, min(g.max_new_tokens, room), g.stop)
            rows.extend([row] * g.n)
        sampled = sample_rows(s.model, s.tokenizer, rows, s.eos, s.pad, seed)
        out: list[list[CompletionOut]] = []
        k = 0
        total = prompt_total = 0
        for gi, g in enumerate(groups):
            prompt_t = torch.tensor(prompts[gi], dtype=torch.int32)
            comps = []
            for _ in range(g.n):
                r = sampled[k]
                k += 1
                text = s.tokenizer.decode(r.token_ids.tolist(), skip_special_tokens=True)
                if r.stop_text_end is not None:
                    text = text[: r.stop_text_end]
                n_tok = int(r.token_ids.numel())
                rid = ""
                if not discard:
                    rid = self.store.put(Rollout(prompt_t, r.token_ids.to(torch.int32), r.logprobs))
                comps.append(
                    CompletionOut(
                        rollout_id=rid,
                        text=text,
                        tokens=n_tok,
                        finish_reason=r.finish_reason,
                        entropy=float(r.entropies.mean()) if n_tok else 0.0,
                        neg_log_prob=float(-r.logprobs.mean()) if n_tok else 0.0,
                    )
                )
                total += n_tok
                prompt_total += len(prompts[gi])
            out.append(comps)
        return SampleOut(out, total, prompt_total, time.monotonic() - started)

    def _prompt_ids(self, gi: int, g: GroupSpec) -> list[int]:
        s = self._require()
        tok = s.tokenizer
        if g.messages:
            if not getattr(tok, "chat_template", None):
                raise precondition("the model has no chat template: send groups[].text instead")
            text = tok.apply_chat_template(
                [{"role": r, "content": c} for r, c in g.messages],
                add_generation_prompt=True,
                tokenize=False,
            )
        else:
            text = g.text or ""
        ids = tok.encode(text, add_special_tokens=False)
        if not ids:
            raise invalid(f"groups[{gi}].text", "the prompt has no tokens")
        return list(ids)

    def release(self, ids: list[str]) -> int:
        return self.store.release(ids)

    # ---- Train -------------------------------------------------------------------------------
    def measure(self, rollout_ids: list[str], micro: int = 64) -> tuple[float, float]:
        """Full-vocabulary entropy and sampled-token estimate of the current policy on held
        rollouts (token means), without training; for tests and diagnostics."""
        rollouts = self._fetch(rollout_ids)
        _, ent, _, tokens, nll = self._old_pass(rollouts, micro)
        return ent / max(tokens, 1), nll / max(tokens, 1)

    def train(self, items: list[TrainItemSpec], loss: LossSpec, keep: bool) -> TrainOut:
        s = self._require()
        started = time.monotonic()
        if loss.kl_coef > 0 and s.ref_model is None:
            raise precondition("loss.kl_coef > 0 needs a model loaded with kl_reference")
        rollouts = self._fetch([it.rollout_id for it in items])
        advs: list[torch.Tensor] = []
        for i, (it, r) in enumerate(zip(items, rollouts, strict=True)):
            n = int(r.completion_ids.numel())
            if it.token_advantages is not None:
                if len(it.token_advantages) != n:
                    raise invalid(
                        f"items[{i}].token_advantages",
                        f"has {len(it.token_advantages)} values for {n} completion tokens",
                    )
                advs.append(torch.tensor(it.token_advantages, dtype=torch.float32))
            else:
                advs.append(torch.full((n,), float(it.advantage), dtype=torch.float32))
        if loss.lr is not None:
            for grp in s.optimizer.param_groups:
                grp["lr"] = loss.lr

        n_items = len(items)
        mini = loss.mini_batch_size or n_items
        micro = loss.micro_batch_size or mini
        micro = min(micro, mini)
        old_lp, ent_sum, old_ent, tokens, nll_sum = self._old_pass(rollouts, micro)
        ref_lp = self._ref_pass(rollouts, micro) if loss.kl_coef > 0 else None
        if loss.entropy_adv_alpha > 0:
            advs = [
                ops.entropy_shaped_advantages(a, e, loss.entropy_adv_alpha, loss.entropy_adv_kappa)
                for a, e in zip(advs, old_ent, strict=True)
            ]

        out = TrainOut(entropy=ent_sum / max(tokens, 1), entropy_sampled=nll_sum / max(tokens, 1))
        out.tokens = tokens
        agg = {"loss": 0.0, "low": 0.0, "high": 0.0, "dual": 0.0, "akl": 0.0, "kl": 0.0}
        n_mb = 0
        tok_seen = 0
        grad_norms: list[float] = []
        s.model.train()
        try:
            for epoch in range(max(loss.epochs, 1)):
                gen = torch.Generator().manual_seed(int(loss.shuffle_seed) + epoch)
                order = torch.randperm(n_items, generator=gen).tolist()
                for m0 in range(0, n_items, mini):
                    mb = order[m0 : m0 + mini]
                    mb_tokens = sum(int(rollouts[i].completion_ids.numel()) for i in mb)
                    s.optimizer.zero_grad(set_to_none=True)
                    mb_loss = 0.0
                    for u0 in range(0, len(mb), micro):
                        ub = mb[u0 : u0 + micro]
                        stats = self._micro_step(
                            [rollouts[i] for i in ub],
                            [old_lp[i] for i in ub],
                            [advs[i] for i in ub],
                            [ref_lp[i] for i in ub] if ref_lp is not None else None,
                            loss,
                            mb_tokens,
                            len(mb),
                        )
                        mb_loss += stats["loss"]
                        for key in ("low", "high", "dual", "akl", "kl"):
                            agg[key] += stats[key]
                        tok_seen += stats["tokens"]
                    max_norm = s.grad_clip if s.grad_clip > 0 else float("inf")
                    norm = torch.nn.utils.clip_grad_norm_(s.params, max_norm)
                    norm_f = float(norm)
                    grad_norms.append(norm_f)
                    if np.isfinite(norm_f):
                        s.optimizer.step()
                    s.optimizer.zero_grad(set_to_none=True)
                    s.step += 1
                    out.optimizer_steps += 1
                    agg["loss"] += mb_loss
                    n_mb += 1
        finally:
            s.model.eval()
            s.optimizer.zero_grad(set_to_none=True)
        denom = max(tok_seen, 1)
        out.policy_loss = agg["loss"] / max(n_mb, 1)
        out.clip_fraction_low = agg["low"] / denom
        out.clip_fraction_high = agg["high"] / denom
        out.clip_fraction_dual = agg["dual"] / denom
        out.approx_kl = agg["akl"] / denom
        out.kl = agg["kl"] / denom
        out.grad_norm = float(np.mean(grad_norms)) if grad_norms else 0.0
        out.lr = float(s.optimizer.param_groups[0]["lr"])
        out.step = s.step
        if not keep:
            self.store.release([it.rollout_id for it in items])
        out.seconds = time.monotonic() - started
        return out

    def _micro_step(self, rollouts, old_lp, advs, ref_lp, loss: LossSpec, mb_tokens, mb_seqs):
        s = self._require()
        batch = self._batch(rollouts)
        C = batch.targets.shape[1]
        old = _pad_stack(old_lp, C, s.device)
        adv = _pad_stack(advs, C, s.device)
        logits = self._logits(s.model, batch)
        logp, entropy = ops.token_logprob_entropy(logits, batch.targets)
        del logits
        terms = ops.ppo_clip_loss(logp, old, adv, loss.clip_low, loss.clip_high, loss.dual_clip)
        mask = batch.mask
        pg = ops.aggregate(terms.loss_B_T, mask, loss.aggregation, mb_tokens, mb_seqs)
        total = pg
        # Signed: AEPO's 'dual' controller also lowers entropy with a negative coefficient.
        if loss.entropy_coef != 0:
            h = ops.aggregate(entropy, mask, loss.aggregation, mb_tokens, mb_seqs)
            total = total - loss.entropy_coef * h
        kl_sum = 0.0
        if ref_lp is not None:
            ref = _pad_stack(ref_lp, C, s.device)
            kl_tok = ops.k3_kl(logp, ref)
            total = total + loss.kl_coef * ops.aggregate(
                kl_tok, mask, loss.aggregation, mb_tokens, mb_seqs
            )
            kl_sum = float((kl_tok.detach() * mask).sum())
        total.backward()
        log_ratio = (logp.detach() - old) * mask
        return {
            "loss": float(pg.detach()),
            "low": float((terms.clipped_low_B_T * mask).sum()),
            "high": float((terms.clipped_high_B_T * mask).sum()),
            "dual": float((terms.clipped_dual_B_T * mask).sum()),
            "akl": float((0.5 * log_ratio.pow(2)).sum()),
            "kl": kl_sum,
            "tokens": int(mask.sum()),
        }

    @torch.no_grad()
    def _old_pass(self, rollouts: list[Rollout], micro: int):
        """T=1 log-probs and entropies of every rollout under the current policy (before the
        update): per-rollout CPU tensors, plus token sums of entropy and -logp."""
        s = self._require()
        old_lp: list[torch.Tensor] = []
        old_ent: list[torch.Tensor] = []
        ent_sum = nll_sum = 0.0
        tokens = 0
        for u0 in range(0, len(rollouts), micro):
            chunk = rollouts[u0 : u0 + micro]
            batch = self._batch(chunk)
            logp, ent = ops.token_logprob_entropy(self._logits(s.model, batch), batch.targets)
            logp, ent, mask = logp.cpu(), ent.cpu(), batch.mask.cpu()
            for j, r in enumerate(chunk):
                n = int(r.completion_ids.numel())
                old_lp.append(logp[j, :n].clone())
                old_ent.append(ent[j, :n].clone())
            ent_sum += float((ent * mask).sum())
            nll_sum += float((-logp * mask).sum())
            tokens += int(mask.sum())
        return old_lp, ent_sum, old_ent, tokens, nll_sum

    @torch.no_grad()
    def _ref_pass(self, rollouts: list[Rollout], micro: int) -> list[torch.Tensor]:
        s = self._require()
        out: list[torch.Tensor] = []
        for u0 in range(0, len(rollouts), micro):
            chunk = rollouts[u0 : u0 + micro]
            batch = self._batch(chunk)
            logp, _ = ops.token_logprob_entropy(self._logits(s.ref_model, batch), batch.targets)
            logp = logp.cpu()
            for j, r in enumerate(chunk):
                out.append(logp[j, : int(r.completion_ids.numel())].clone())
        return out

    def _batch(self, rollouts: list[Rollout]) -> _Batch:
        s = self._require()
        P = max(int(r.prompt_ids.numel()) for r in rollouts)
        C = max(int(r.completion_ids.numel()) for r in rollouts)
        B = len(rollouts)
        ids = torch.full((B, P + C), s.pad, dtype=torch.long)
        attn = torch.zeros((B, P + C), dtype=torch.long)
        for i, r in enumerate(rollouts):
            p, c = int(r.prompt_ids.numel()), int(r.completion_ids.numel())
            ids[i, P - p : P] = r.prompt_ids.long()
            ids[i, P : P + c] = r.completion_ids.long()
            attn[i, P - p : P + c] = 1
        pos = (attn.cumsum(-1) - 1).clamp(min=0)
        targets = ids[:, P:].clone()
        mask = attn[:, P:].float()
        dev = s.device
        return _Batch(ids.to(dev), attn.to(dev), pos.to(dev), targets.to(dev), mask.to(dev))

    @staticmethod
    def _logits(model, batch: _Batch) -> torch.Tensor:
        """Logits predicting each completion position: [B, C, V]."""
        C = batch.targets.shape[1]
        out = model(
            input_ids=batch.input_ids,
            attention_mask=batch.attention,
            position_ids=batch.positions,
            use_cache=False,
            logits_to_keep=C + 1,
        )
        return out.logits[:, :-1, :]

    def _fetch(self, ids: list[str]) -> list[Rollout]:
        self._require()
        seen: set[str] = set()
        for i, rid in enumerate(ids):
            if rid in seen:
                raise invalid(f"items[{i}].rollout_id", f"{rid!r} listed twice")
            seen.add(rid)
        found, missing = self.store.get_many(ids)
        if missing:
            more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
            raise not_found(f"rollout {missing[0]!r}{more} unknown, released or expired")
        return found

    # ---- Checkpoints -------------------------------------------------------------------------
    def save_checkpoint(self, path: Path) -> tuple[int, int]:
        s = self._require()
        path = path.resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f".{path.name}.tmp-{uuid.uuid4().hex[:8]}"
        try:
            s.model.save_pretrained(tmp, safe_serialization=True)
            s.tokenizer.save_pretrained(tmp)
            state = {
                "optimizer": s.optimizer.state_dict(),
                "step": s.step,
                "torch_rng": torch.get_rng_state(),
                "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
                "python_rng": random.getstate(),
                "numpy_rng": np.random.get_state(),
            }
            torch.save(state, tmp / CHECKPOINT_STATE)
            meta = {"model": s.model_id, "step": s.step, "format": 1}
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

    def load_checkpoint(self, path: Path) -> int:
        s = self._require()
        if not (path / CHECKPOINT_STATE).is_file():
            raise not_found(f"no checkpoint at {path}")
        files = sorted(path.glob("*.safetensors"))
        if not files:
            raise not_found(f"no safetensors weights in {path}")
        weights: dict[str, torch.Tensor] = {}
        for f in files:
            weights.update(load_file(str(f)))
        own = s.model.state_dict()
        tied = _tied_names(s.model)
        for name, t in own.items():
            w = weights.get(name)
            if w is None:
                if name in tied:
                    continue
                raise invalid("path", f"checkpoint lacks {name} (a different architecture?)")
            if w.shape != t.shape:
                raise invalid("path", f"{name}: shape {tuple(w.shape)} != {tuple(t.shape)}")
        state = torch.load(path / CHECKPOINT_STATE, map_location="cpu", weights_only=False)
        with torch.no_grad():
            for name, t in own.items():
                if name in weights:
                    t.copy_(weights[name].to(t.dtype))
        s.optimizer.load_state_dict(state["optimizer"])
        s.step = int(state["step"])
        torch.set_rng_state(state["torch_rng"])
        if state["cuda_rng"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        random.setstate(state["python_rng"])
        np.random.set_state(state["numpy_rng"])
        self.store.clear()
        return s.step

    def _require(self) -> _Loaded:
        if self.state is None:
            raise precondition("no model loaded: call Load first")
        return self.state


def _pad_stack(rows: list[torch.Tensor], width: int, device) -> torch.Tensor:
    out = torch.zeros((len(rows), width), dtype=torch.float32)
    for i, r in enumerate(rows):
        out[i, : r.numel()] = r
    return out.to(device)


def _tied_names(model) -> set[str]:
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


def _disable_dropout(model) -> None:
    # RL updates must see the same function that sampled: no dropout anywhere.
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = 0.0
    for attr in ("attention_dropout", "hidden_dropout", "dropout"):
        if hasattr(model.config, attr) and isinstance(getattr(model.config, attr), float):
            setattr(model.config, attr, 0.0)


def oom_error(what: str) -> EngineError:
    return EngineError(grpc.StatusCode.RESOURCE_EXHAUSTED, f"out of memory: {what}")
