"""The policy engine's state and primitives (Load, Sample, Train, checkpoints), without any gRPC.

One model at a time; calls are serialised by the server. Token tensors stay here, referenced by
rollout id (rollouts.py). Train follows AEPO's reference update: old log-probs recomputed at T=1 under
the current policy, PPO clip with dual clip, no importance weight for the sampling temperature.
"""

from __future__ import annotations

import copy
import json
import math
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

from aepo_engine import lora, ops
from aepo_engine.config import EngineSettings
from aepo_engine.errors import EngineError, invalid, not_found, precondition
from aepo_engine.export import read_weights, tied_names, write_hf_model, write_weights
from aepo_engine.lora import LoraSpec
from aepo_engine.models import eos_ids, load_model, load_tokenizer, pick_device, resolve_model
from aepo_engine.precision import Precision, native_dtype, pick_precision
from aepo_engine.rollouts import Rollout, RolloutStore
from aepo_engine.sampling import RowSpec, sample_rows

CHECKPOINT_STATE = "engine_state.pt"
CHECKPOINT_META = "engine.json"
# fp32 master weights, written beside the model-dtype export when they differ (bf16-mixed on a bf16
# model), so a resume continues from the exact weights.
CHECKPOINT_MASTER = "engine_master.safetensors"
MERGED_DIR = "merged"
# Gradient checkpointing is on by default above this many parameters.
CHECKPOINTING_ABOVE = 1_000_000_000


def default_token_budget(parameters: int) -> int:
    """Tokens per forward/backward pass when the caller sets none: larger models, smaller batches."""
    if parameters <= 1_000_000_000:
        return 65_536
    if parameters <= 10_000_000_000:
        return 16_384
    return 8_192


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


@dataclass
class _Loaded:
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
    ref_model: torch.nn.Module | None = None  # full fine-tuning's frozen copy (LoRA needs none)
    step: int = 0
    params: list[torch.nn.Parameter] = field(default_factory=list)
    # Set when a Train failed after applying updates: the weights are neither before nor after.
    needs_restore: str | None = None


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
        # Per-Train bookkeeping: forward passes, largest logits block, updates applied, last shape.
        self._passes = 0
        self._logits_bytes = 0
        self._applied = 0
        self._in_step = False
        self._micro_shape = (0, 0)

    # ---- Load / Info -------------------------------------------------------------------------
    def load(self, spec: LoadSpec) -> dict:
        device = pick_device(spec.device)
        precision = pick_precision(spec.precision, spec.dtype, device)
        path = resolve_model(spec.model, self.settings)
        native = native_dtype(path)
        self.store.clear()
        self.state = None
        if device.type == "cuda":
            torch.cuda.empty_cache()
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
            model.gradient_checkpointing_enable(
                gradient_checkpointing_kwargs={"use_reentrant": False}
            )
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
        self.state = _Loaded(
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

    @property
    def loaded(self) -> bool:
        return self.state is not None

    # ---- Sample ------------------------------------------------------------------------------
    def sample(
        self, groups: list[GroupSpec], seed: int, discard: bool, max_tokens: int = 0
    ) -> SampleOut:
        s = self._require_clean()
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
        budget = max_tokens or s.token_budget
        try:
            with s.precision.autocast(s.device):
                sampled = sample_rows(s.model, s.tokenizer, rows, s.eos, s.pad, seed, budget)
        except torch.cuda.OutOfMemoryError as e:
            _free_cuda(s.device)
            width = max(len(r.prompt_ids) for r in rows) + max(r.max_new_tokens for r in rows)
            raise oom_error(
                f"Sample of {len(rows)} completions (up to {width} tokens each) in generation "
                f"batches of at most {budget} tokens, {s.parameters / 1e9:.2f}B parameters, "
                f"{s.precision.name}: lower max_tokens_per_micro_batch"
            ) from e
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
        messages = g.messages
        if not messages and s.chat_template:
            messages = (("user", g.text or ""),)
        if messages:
            if not getattr(tok, "chat_template", None):
                raise precondition("the model has no chat template: send groups[].text instead")
            text = tok.apply_chat_template(
                [{"role": r, "content": c} for r, c in messages],
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
    def measure(self, rollout_ids: list[str], max_tokens: int = 0) -> tuple[float, float]:
        """Full-vocabulary entropy and sampled-token estimate of the current policy on held
        rollouts (token means), without training; for tests and diagnostics."""
        rollouts = self._fetch(rollout_ids)
        _, ent, _, tokens, nll = self._old_pass(
            rollouts, max_tokens or self._require().token_budget
        )
        return ent / max(tokens, 1), nll / max(tokens, 1)

    def train(
        self, items: list[TrainItemSpec], loss: LossSpec, keep: bool, max_tokens: int = 0
    ) -> TrainOut:
        s = self._require_clean()
        started = time.monotonic()
        if loss.kl_coef > 0 and not s.kl_reference:
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
                # Via float64: an advantage beyond float32 becomes inf (a skipped step), not an error.
                advs.append(torch.full((n,), float(it.advantage), dtype=torch.float64).float())
        budget = max_tokens or s.token_budget
        if s.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(s.device)
        self._passes = 0
        self._logits_bytes = 0
        self._applied = 0
        self._in_step = False
        try:
            out = self._train(s, items, rollouts, advs, loss, budget)
        except Exception as e:
            raise self._train_failure(s, e, budget) from e
        finally:
            s.model.eval()
            s.optimizer.zero_grad(set_to_none=True)
        if s.device.type == "cuda":
            out.peak_memory_bytes = int(torch.cuda.max_memory_allocated(s.device))
        out.micro_batches = self._passes
        out.loss_logits_bytes = self._logits_bytes
        if not keep:
            self.store.release([it.rollout_id for it in items])
        out.seconds = time.monotonic() - started
        return out

    def _train(self, s: _Loaded, items, rollouts, advs, loss: LossSpec, budget: int) -> TrainOut:
        if loss.lr is not None:
            for grp in s.optimizer.param_groups:
                grp["lr"] = loss.lr
        n_items = len(items)
        mini = loss.mini_batch_size or n_items
        micro_cap = min(loss.micro_batch_size or mini, mini)
        old_lp, ent_sum, old_ent, tokens, nll_sum = self._old_pass(rollouts, budget)
        ref_lp = self._ref_pass(rollouts, budget) if loss.kl_coef > 0 else None
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
        for epoch in range(max(loss.epochs, 1)):
            gen = torch.Generator().manual_seed(int(loss.shuffle_seed) + epoch)
            order = torch.randperm(n_items, generator=gen).tolist()
            for m0 in range(0, n_items, mini):
                mb = order[m0 : m0 + mini]
                mb_tokens = sum(int(rollouts[i].completion_ids.numel()) for i in mb)
                s.optimizer.zero_grad(set_to_none=True)
                mb_loss = 0.0
                for ub in token_micro_batches([rollouts[i] for i in mb], budget, micro_cap):
                    idx = [mb[k] for k in ub]
                    stats = self._micro_step(
                        [rollouts[i] for i in idx],
                        [old_lp[i] for i in idx],
                        [advs[i] for i in idx],
                        [ref_lp[i] for i in idx] if ref_lp is not None else None,
                        loss,
                        mb_tokens,
                        len(mb),
                    )
                    mb_loss += stats["loss"]
                    for key in ("low", "high", "dual", "akl", "kl"):
                        agg[key] += stats[key]
                    tok_seen += stats["tokens"]
                max_norm = s.grad_clip if s.grad_clip > 0 else float("inf")
                norm_f = float(torch.nn.utils.clip_grad_norm_(s.params, max_norm))
                if math.isfinite(norm_f) and math.isfinite(mb_loss):
                    # A failure inside the step leaves the weights unknown as well.
                    self._in_step = True
                    s.optimizer.step()
                    self._in_step = False
                    self._applied += 1
                    s.step += 1
                    out.optimizer_steps += 1
                    grad_norms.append(norm_f)
                else:
                    out.non_finite_steps += 1  # dropped: its gradients never reach the weights
                s.optimizer.zero_grad(set_to_none=True)
                agg["loss"] += mb_loss
                n_mb += 1
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
        return out

    def _train_failure(self, s: _Loaded, e: Exception, budget: int) -> Exception:
        """The error a failed Train answers; marks the state for a restore when updates were applied
        (Train is atomic only up to its first optimizer step)."""
        applied = self._applied
        in_step, self._in_step = self._in_step, False
        dirty = applied > 0 or in_step
        partial = f"{applied} optimizer steps were applied" + (
            " and the next one failed midway" if in_step else ""
        )
        if dirty:
            s.needs_restore = f"a Train failed after {partial}: {e}"
        suffix = f"; {partial}: LoadCheckpoint to restore" if dirty else "; nothing was applied"
        if isinstance(e, torch.cuda.OutOfMemoryError):
            _free_cuda(s.device)
            rows, width = self._micro_shape
            return oom_error(
                f"Train micro-batch of {rows} rows x {width} padded tokens "
                f"(max_tokens_per_micro_batch {budget}), {s.parameters / 1e9:.2f}B parameters, "
                f"{s.precision.name}, gradient checkpointing "
                f"{'on' if s.gradient_checkpointing else 'off'}: lower max_tokens_per_micro_batch"
                + suffix
            )
        if isinstance(e, EngineError) and not dirty:
            return e
        return EngineError(grpc.StatusCode.ABORTED, f"Train failed: {e}{suffix}")

    def _micro_step(self, rollouts, old_lp, advs, ref_lp, loss: LossSpec, mb_tokens, mb_seqs):
        s = self._require()
        batch = self._batch(rollouts)
        C = batch.targets.shape[1]
        old = _pad_stack(old_lp, C, s.device)
        adv = _pad_stack(advs, C, s.device)
        logp, entropy = self._logp_entropy(s.model, batch)
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
    def _old_pass(self, rollouts: list[Rollout], budget: int):
        """T=1 log-probs and entropies of every rollout under the current policy (before the
        update): per-rollout CPU tensors, plus token sums of entropy and -logp."""
        s = self._require()
        old_lp: list[torch.Tensor] = [torch.empty(0)] * len(rollouts)
        old_ent: list[torch.Tensor] = [torch.empty(0)] * len(rollouts)
        ent_sum = nll_sum = 0.0
        tokens = 0
        for idx in token_micro_batches(rollouts, budget):
            chunk = [rollouts[i] for i in idx]
            batch = self._batch(chunk)
            logp, ent = self._logp_entropy(s.model, batch)
            logp, ent, mask = logp.cpu(), ent.cpu(), batch.mask.cpu()
            for j, (i, r) in enumerate(zip(idx, chunk, strict=True)):
                n = int(r.completion_ids.numel())
                old_lp[i] = logp[j, :n].clone()
                old_ent[i] = ent[j, :n].clone()
            ent_sum += float((ent * mask).sum())
            nll_sum += float((-logp * mask).sum())
            tokens += int(mask.sum())
        return old_lp, ent_sum, old_ent, tokens, nll_sum

    @torch.no_grad()
    def _ref_pass(self, rollouts: list[Rollout], budget: int) -> list[torch.Tensor]:
        """Log-probs under the KL reference: the frozen copy, or the base with the adapter off."""
        s = self._require()
        out: list[torch.Tensor] = [torch.empty(0)] * len(rollouts)
        model = s.ref_model if s.ref_model is not None else s.model
        with lora.adapter_disabled(model):
            for idx in token_micro_batches(rollouts, budget):
                chunk = [rollouts[i] for i in idx]
                batch = self._batch(chunk)
                logp, _ = self._logp_entropy(model, batch)
                logp = logp.cpu()
                for j, (i, r) in enumerate(zip(idx, chunk, strict=True)):
                    out[i] = logp[j, : int(r.completion_ids.numel())].clone()
        return out

    def _batch(self, rollouts: list[Rollout]) -> _Batch:
        s = self._require()
        P = max(int(r.prompt_ids.numel()) for r in rollouts)
        C = max(int(r.completion_ids.numel()) for r in rollouts)
        B = len(rollouts)
        self._micro_shape = (B, P + C)
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

    def _logp_entropy(self, model, batch: _Batch) -> tuple[torch.Tensor, torch.Tensor]:
        """T=1 log-prob of each completion token and full-vocabulary entropy, [B, C] fp32 (0 on
        padding). The transformer runs under the precision's autocast; the output head runs on the
        completion tokens only, in fp32 chunks (ops.chunked_logprob_entropy)."""
        s = self._require()
        self._passes += 1
        lm = lora.causal_lm(model)
        C = batch.targets.shape[1]
        with s.precision.autocast(s.device):
            out = lm.get_decoder()(
                input_ids=batch.input_ids,
                attention_mask=batch.attention,
                position_ids=batch.positions,
                use_cache=False,
            )
        hidden = out.last_hidden_state[:, -(C + 1) : -1, :]
        keep = batch.mask.bool()
        head = lm.get_output_embeddings()
        vocab = int(head.weight.shape[0])
        rows = max(1, self.settings.loss_chunk_elements // vocab)
        n = int(keep.sum())
        self._logits_bytes = max(self._logits_bytes, min(rows, n) * vocab * 4)
        lp, ent = ops.chunked_logprob_entropy(
            hidden[keep], head.weight, getattr(head, "bias", None), batch.targets[keep], rows
        )
        zeros = torch.zeros(keep.shape, dtype=torch.float32, device=keep.device)
        return zeros.masked_scatter(keep, lp), zeros.masked_scatter(keep, ent)

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
    def save_checkpoint(self, path: Path, merge_adapter: bool = False) -> tuple[int, int]:
        s = self._require_clean()
        path = path.resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f".{path.name}.tmp-{uuid.uuid4().hex[:8]}"
        try:
            tmp.mkdir()
            self._write_weights(s, tmp, merge_adapter)
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

    @staticmethod
    def _write_weights(s: _Loaded, folder: Path, merge_adapter: bool) -> None:
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
            write_weights(
                state, folder / CHECKPOINT_MASTER, s.precision.weights, tied_names(s.model)
            )

    def load_checkpoint(self, path: Path) -> int:
        s = self._require()
        if not (path / CHECKPOINT_STATE).is_file():
            raise not_found(f"no checkpoint at {path}")
        if lora.is_lora(s.model):
            lora.load_adapter(s.model, path)
        else:
            self._load_full_weights(s, path)
        state = torch.load(path / CHECKPOINT_STATE, map_location="cpu", weights_only=False)
        s.optimizer.load_state_dict(state["optimizer"])
        s.step = int(state["step"])
        torch.set_rng_state(state["torch_rng"])
        if state["cuda_rng"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        random.setstate(state["python_rng"])
        np.random.set_state(state["numpy_rng"])
        s.needs_restore = None
        self.store.clear()
        return s.step

    @staticmethod
    def _load_full_weights(s: _Loaded, path: Path) -> None:
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

    def _require(self) -> _Loaded:
        if self.state is None:
            raise precondition("no model loaded: call Load first")
        return self.state

    def _require_clean(self) -> _Loaded:
        """The loaded state, refusing to go on from weights a failed Train left half-updated."""
        s = self._require()
        if s.needs_restore is not None:
            raise precondition(f"{s.needs_restore}; LoadCheckpoint (or Load) first")
        return s


def token_micro_batches(
    rollouts: list[Rollout], max_tokens: int, max_rows: int = 0
) -> list[list[int]]:
    """Consecutive index groups of `rollouts` whose padded size, rows x (longest prompt + longest
    completion), stays within `max_tokens` (at least one row each) and at most `max_rows` rows."""
    out: list[list[int]] = []
    cur: list[int] = []
    width_p = width_c = 0
    for i, r in enumerate(rollouts):
        p = max(width_p, int(r.prompt_ids.numel()))
        c = max(width_c, int(r.completion_ids.numel()))
        full = (max_rows and len(cur) >= max_rows) or (len(cur) + 1) * (p + c) > max_tokens
        if cur and full:
            out.append(cur)
            cur = []
            p, c = int(r.prompt_ids.numel()), int(r.completion_ids.numel())
        cur.append(i)
        width_p, width_c = p, c
    if cur:
        out.append(cur)
    return out


def _free_cuda(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.empty_cache()


def _pad_stack(rows: list[torch.Tensor], width: int, device) -> torch.Tensor:
    out = torch.zeros((len(rows), width), dtype=torch.float32)
    for i, r in enumerate(rows):
        out[i, : r.numel()] = r
    return out.to(device)


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
