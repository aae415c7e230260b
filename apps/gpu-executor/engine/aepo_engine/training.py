"""One Train call: AEPO's reference update over held rollouts.

Old log-probs are recomputed at T=1 under the current policy (no importance weight for the sampling
temperature), then each epoch walks shuffled mini-batches: the PPO clip loss with dual clip (plus the
signed entropy bonus and the k3 KL to the reference when asked) is accumulated over token-bounded
micro-batches, and one optimizer step is taken per mini-batch unless its gradient is not finite.
"""

from __future__ import annotations

import math

import grpc
import numpy as np
import torch

from aepo_engine import ops
from aepo_engine.errors import EngineError, invalid
from aepo_engine.out_of_memory import free_cuda, oom_error
from aepo_engine.policy import LoadedPolicy
from aepo_engine.rollouts import Rollout
from aepo_engine.scoring import Scorer, pad_stack, token_micro_batches
from aepo_engine.specs import LossSpec, TrainItemSpec, TrainOut

# The per-micro-batch sums a Train reports, divided by the tokens seen (the loss: by mini-batches).
_SUMS = ("low", "high", "dual", "akl", "kl")


def item_advantages(items: list[TrainItemSpec], rollouts: list[Rollout]) -> list[torch.Tensor]:
    """Each item's per-token advantages (fp32, one per completion token): its own, or its scalar
    advantage repeated."""
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
    return advs


class TrainRun:
    """The update of one Train; counts the optimizer steps it applied, so that a failure can tell
    whether the weights moved (Train is atomic only up to its first optimizer step)."""

    def __init__(self, policy: LoadedPolicy, scorer: Scorer, loss: LossSpec, budget: int) -> None:
        self.policy = policy
        self.scorer = scorer
        self.loss = loss
        self.budget = budget
        self.applied = 0
        self.in_step = False
        self._sums = {"loss": 0.0, **{key: 0.0 for key in _SUMS}}
        self._mini_batches = 0
        self._tokens_seen = 0
        self._grad_norms: list[float] = []

    def run(self, rollouts: list[Rollout], advs: list[torch.Tensor]) -> TrainOut:
        s, loss = self.policy, self.loss
        if loss.lr is not None:
            for grp in s.optimizer.param_groups:
                grp["lr"] = loss.lr
        n_items = len(rollouts)
        mini = loss.mini_batch_size or n_items
        micro_cap = min(loss.micro_batch_size or mini, mini)
        old = self.scorer.old_pass(rollouts, self.budget)
        ref_lp = self.scorer.ref_pass(rollouts, self.budget) if loss.kl_coef > 0 else None
        if loss.entropy_adv_alpha > 0:
            advs = [
                ops.entropy_shaped_advantages(a, e, loss.entropy_adv_alpha, loss.entropy_adv_kappa)
                for a, e in zip(advs, old.entropies, strict=True)
            ]
        tokens = max(old.tokens, 1)
        out = TrainOut(entropy=old.entropy_sum / tokens, entropy_sampled=old.nll_sum / tokens)
        out.tokens = old.tokens
        s.model.train()
        for epoch in range(max(loss.epochs, 1)):
            gen = torch.Generator().manual_seed(int(loss.shuffle_seed) + epoch)
            order = torch.randperm(n_items, generator=gen).tolist()
            for m0 in range(0, n_items, mini):
                mb = order[m0 : m0 + mini]
                self._mini_batch(mb, micro_cap, rollouts, old.logprobs, advs, ref_lp, out)
        denom = max(self._tokens_seen, 1)
        out.policy_loss = self._sums["loss"] / max(self._mini_batches, 1)
        out.clip_fraction_low = self._sums["low"] / denom
        out.clip_fraction_high = self._sums["high"] / denom
        out.clip_fraction_dual = self._sums["dual"] / denom
        out.approx_kl = self._sums["akl"] / denom
        out.kl = self._sums["kl"] / denom
        out.grad_norm = float(np.mean(self._grad_norms)) if self._grad_norms else 0.0
        out.lr = float(s.optimizer.param_groups[0]["lr"])
        out.step = s.step
        return out

    def _mini_batch(
        self, mb: list[int], micro_cap: int, rollouts, old_lp, advs, ref_lp, out: TrainOut
    ) -> None:
        """Accumulates the gradient of mini-batch `mb` (rollout indices) over micro-batches of at
        most `micro_cap` rows and applies it in one optimizer step, or drops it when the gradient or
        the loss is not finite."""
        s = self.policy
        mb_tokens = sum(int(rollouts[i].completion_ids.numel()) for i in mb)
        s.optimizer.zero_grad(set_to_none=True)
        mb_loss = 0.0
        for idx in self._micro_batches(mb, rollouts, micro_cap):
            stats = self._micro_step(
                [rollouts[i] for i in idx],
                [old_lp[i] for i in idx],
                [advs[i] for i in idx],
                [ref_lp[i] for i in idx] if ref_lp is not None else None,
                mb_tokens,
                len(mb),
            )
            mb_loss += stats["loss"]
            for key in _SUMS:
                self._sums[key] += stats[key]
            self._tokens_seen += stats["tokens"]
        max_norm = s.grad_clip if s.grad_clip > 0 else float("inf")
        norm_f = float(torch.nn.utils.clip_grad_norm_(s.params, max_norm))
        if math.isfinite(norm_f) and math.isfinite(mb_loss):
            # A failure inside the step leaves the weights unknown as well.
            self.in_step = True
            s.optimizer.step()
            self.in_step = False
            self.applied += 1
            s.step += 1
            out.optimizer_steps += 1
            self._grad_norms.append(norm_f)
        else:
            out.non_finite_steps += 1  # dropped: its gradients never reach the weights
        s.optimizer.zero_grad(set_to_none=True)
        self._sums["loss"] += mb_loss
        self._mini_batches += 1

    def _micro_batches(self, mb: list[int], rollouts: list[Rollout], cap: int) -> list[list[int]]:
        """The micro-batches of mini-batch `mb` this process runs, as rollout indices (the
        engine ranks split them: distributed/sharded_train.py)."""
        groups = token_micro_batches([rollouts[i] for i in mb], self.budget, cap)
        return [[mb[k] for k in g] for g in groups]

    def _micro_step(self, rollouts, old_lp, advs, ref_lp, mb_tokens, mb_seqs) -> dict:
        """Backpropagates one micro-batch's share of the mini-batch loss; returns its sums."""
        s, loss = self.policy, self.loss
        batch = self.scorer.batch(rollouts)
        C = batch.targets.shape[1]
        old = pad_stack(old_lp, C, s.device)
        adv = pad_stack(advs, C, s.device)
        logp, entropy = self.scorer.forward(s.model, batch)
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
            ref = pad_stack(ref_lp, C, s.device)
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

    def failure(self, e: Exception) -> Exception:
        """The error a failed Train answers; marks the policy for a restore when updates were
        applied."""
        s = self.policy
        applied = self.applied
        in_step, self.in_step = self.in_step, False
        dirty = applied > 0 or in_step
        partial = f"{applied} optimizer steps were applied" + (
            " and the next one failed midway" if in_step else ""
        )
        if dirty:
            s.needs_restore = f"a Train failed after {partial}: {e}"
        suffix = f"; {partial}: LoadCheckpoint to restore" if dirty else "; nothing was applied"
        if isinstance(e, torch.cuda.OutOfMemoryError):
            free_cuda(s.device)
            rows, width = self.scorer.stats.micro_shape
            return oom_error(
                f"Train micro-batch of {rows} rows x {width} padded tokens "
                f"(max_tokens_per_micro_batch {self.budget}), {s.parameters / 1e9:.2f}B parameters, "
                f"{s.precision.name}, gradient checkpointing "
                f"{'on' if s.gradient_checkpointing else 'off'}: lower max_tokens_per_micro_batch"
                + suffix
            )
        if isinstance(e, EngineError) and not dirty:
            return e
        return EngineError(grpc.StatusCode.ABORTED, f"Train failed: {e}{suffix}")
