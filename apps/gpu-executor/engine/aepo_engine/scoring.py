"""Rollout scoring: T=1 log-probs and full-vocabulary entropies of held rollouts under a model, in
token-bounded micro-batches, with the per-Train bookkeeping of forward passes and logits memory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import torch

from aepo_engine import lora, ops
from aepo_engine.policy import LoadedPolicy
from aepo_engine.rollouts import Rollout


@dataclass
class Batch:
    """Rollouts laid out as in sampling: prompts left-padded to P, completions right-padded to C."""

    input_ids: torch.Tensor  # [B, P + C]
    attention: torch.Tensor  # [B, P + C]
    positions: torch.Tensor  # [B, P + C]
    targets: torch.Tensor  # [B, C]
    mask: torch.Tensor  # [B, C] float


class OldPass(NamedTuple):
    """The current policy's view of the rollouts before an update: per-rollout CPU tensors and the
    token sums of entropy and -logp over `tokens` completion tokens (a tuple, in this order)."""

    logprobs: list[torch.Tensor]
    entropy_sum: float
    entropies: list[torch.Tensor]
    tokens: int
    nll_sum: float


@dataclass
class PassStats:
    """What the forward passes of one Train cost: passes run, the largest fp32 logits block, and the
    shape of the last micro-batch laid out (named in an out-of-memory error)."""

    passes: int = 0
    logits_bytes: int = 0
    micro_shape: tuple[int, int] = (0, 0)


# One forward pass: (model, batch) -> T=1 log-probs and entropies, [B, C].
Forward = Callable[[torch.nn.Module, Batch], tuple[torch.Tensor, torch.Tensor]]


class Scorer:
    """Scores rollouts under one loaded policy, each forward pass through `forward` (PolicyCore's
    seam around logp_entropy), laying batches out and recording their shapes in `stats`."""

    def __init__(self, policy: LoadedPolicy, forward: Forward, stats: PassStats) -> None:
        self.policy = policy
        self.forward = forward
        self.stats = stats

    @torch.no_grad()
    def old_pass(self, rollouts: list[Rollout], budget: int) -> OldPass:
        """T=1 log-probs and entropies of every rollout under the current policy (before the
        update)."""
        old_lp: list[torch.Tensor] = [torch.empty(0)] * len(rollouts)
        old_ent: list[torch.Tensor] = [torch.empty(0)] * len(rollouts)
        ent_sum = nll_sum = 0.0
        tokens = 0
        for idx in token_micro_batches(rollouts, budget):
            chunk = [rollouts[i] for i in idx]
            batch = self.batch(chunk)
            logp, ent = self.forward(self.policy.model, batch)
            logp, ent, mask = logp.cpu(), ent.cpu(), batch.mask.cpu()
            for j, (i, r) in enumerate(zip(idx, chunk, strict=True)):
                n = int(r.completion_ids.numel())
                old_lp[i] = logp[j, :n].clone()
                old_ent[i] = ent[j, :n].clone()
            ent_sum += float((ent * mask).sum())
            nll_sum += float((-logp * mask).sum())
            tokens += int(mask.sum())
        return OldPass(old_lp, ent_sum, old_ent, tokens, nll_sum)

    @torch.no_grad()
    def ref_pass(self, rollouts: list[Rollout], budget: int) -> list[torch.Tensor]:
        """Log-probs under the KL reference: the frozen copy, or the base with the adapter off."""
        s = self.policy
        out: list[torch.Tensor] = [torch.empty(0)] * len(rollouts)
        model = s.ref_model if s.ref_model is not None else s.model
        with lora.adapter_disabled(model):
            for idx in token_micro_batches(rollouts, budget):
                chunk = [rollouts[i] for i in idx]
                batch = self.batch(chunk)
                logp, _ = self.forward(model, batch)
                logp = logp.cpu()
                for j, (i, r) in enumerate(zip(idx, chunk, strict=True)):
                    out[i] = logp[j, : int(r.completion_ids.numel())].clone()
        return out

    def batch(self, rollouts: list[Rollout]) -> Batch:
        s = self.policy
        P = max(int(r.prompt_ids.numel()) for r in rollouts)
        C = max(int(r.completion_ids.numel()) for r in rollouts)
        B = len(rollouts)
        self.stats.micro_shape = (B, P + C)
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
        return Batch(ids.to(dev), attn.to(dev), pos.to(dev), targets.to(dev), mask.to(dev))


def logp_entropy(
    s: LoadedPolicy, model, batch: Batch, loss_chunk_elements: int, stats: PassStats
) -> tuple[torch.Tensor, torch.Tensor]:
    """T=1 log-prob of each completion token and full-vocabulary entropy, [B, C] fp32 (0 on
    padding). The transformer runs under the precision's autocast; the output head runs on the
    completion tokens only, in fp32 chunks (ops.chunked_logprob_entropy)."""
    stats.passes += 1
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
    rows = max(1, loss_chunk_elements // vocab)
    n = int(keep.sum())
    stats.logits_bytes = max(stats.logits_bytes, min(rows, n) * vocab * 4)
    lp, ent = ops.chunked_logprob_entropy(
        hidden[keep], head.weight, getattr(head, "bias", None), batch.targets[keep], rows
    )
    zeros = torch.zeros(keep.shape, dtype=torch.float32, device=keep.device)
    return zeros.masked_scatter(keep, lp), zeros.masked_scatter(keep, ent)


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


def pad_stack(rows: list[torch.Tensor], width: int, device) -> torch.Tensor:
    """Per-rollout 1-D tensors as one [len(rows), width] fp32 tensor, zero-padded on the right."""
    out = torch.zeros((len(rows), width), dtype=torch.float32)
    for i, r in enumerate(rows):
        out[i, : r.numel()] = r
    return out.to(device)
