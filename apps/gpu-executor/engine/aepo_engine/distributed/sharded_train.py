"""Data-parallel scoring and training across engine ranks, by rollout.

FSDP2 gathers a layer's parameters in every forward and reduce-scatters its gradients in every
backward, collectively: all ranks must run the same number of passes. Each rank therefore takes an
interleaved share of the rows (rows[rank::world]) and, when its share needs fewer micro-batches
than another rank's, runs filler passes on a real rollout whose result it throws away (its loss is
multiplied by zero, so its gradient is zero).

The loss needs no extra normalisation: every rank holds the whole mini-batch's rollouts, so each
rank's micro-batch loss is already divided by the mini-batch's total tokens (or rows), and the
gradients are summed across ranks (sharding.py sets FSDP's divide factor to 1): N ranks give the
gradient one rank computes over the whole mini-batch. The per-micro-batch sums a Train reports are
summed across ranks too, so every rank sees the same loss and takes the same skip-or-step decision.
"""

from __future__ import annotations

import torch
import torch.distributed as dist

from aepo_engine.rollouts import Rollout
from aepo_engine.scoring import OldPass, Scorer, token_micro_batches
from aepo_engine.training import TrainRun

# The order of the sums one micro-step reports, summed across ranks in one all-reduce.
_STAT_KEYS = ("loss", "low", "high", "dual", "akl", "kl", "tokens")


def _rank_world() -> tuple[int, int]:
    return dist.get_rank(), dist.get_world_size()


def most_over_ranks(n: int, device: torch.device) -> int:
    t = torch.tensor([n], dtype=torch.int64, device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return int(t.item())


def share_micro_batches(
    rows: list[int], rollouts: list[Rollout], budget: int, cap: int, device: torch.device
) -> list[list[int]]:
    """This rank's micro-batches of `rows` (indices into `rollouts`), padded with empty ones to as
    many as the busiest rank runs."""
    rank, world = _rank_world()
    share = rows[rank::world]
    groups = token_micro_batches([rollouts[i] for i in share], budget, cap) if share else []
    local = [[share[k] for k in g] for g in groups]
    return local + [[] for _ in range(most_over_ranks(len(local), device) - len(local))]


class ShardedScorer(Scorer):
    @torch.no_grad()
    def old_pass(self, rollouts: list[Rollout], budget: int) -> OldPass:
        """Every rank scores its share; the results are exchanged, so each rank returns the whole
        OldPass (the advantages' entropy shaping needs every rollout's entropies)."""
        s = self.policy
        logps: dict[int, torch.Tensor] = {}
        ents: dict[int, torch.Tensor] = {}
        for idx in share_micro_batches(list(range(len(rollouts))), rollouts, budget, 0, s.device):
            chunk = [rollouts[i] for i in idx] or rollouts[:1]
            logp, ent = self.forward(s.model, self.batch(chunk))
            logp, ent = logp.cpu(), ent.cpu()
            for j, i in enumerate(idx):
                n = int(rollouts[i].completion_ids.numel())
                logps[i] = logp[j, :n].clone()
                ents[i] = ent[j, :n].clone()
        parts: list[tuple[dict, dict] | None] = [None] * dist.get_world_size()
        dist.all_gather_object(parts, (logps, ents))
        for part in parts:
            assert part is not None
            logps.update(part[0])
            ents.update(part[1])
        old_lp = [logps[i] for i in range(len(rollouts))]
        old_ent = [ents[i] for i in range(len(rollouts))]
        # Summed in row order, as one rank would.
        ent_sum = sum(float(e.sum()) for e in old_ent)
        nll_sum = sum(float(-lp.sum()) for lp in old_lp)
        tokens = sum(int(lp.numel()) for lp in old_lp)
        return OldPass(old_lp, ent_sum, old_ent, tokens, nll_sum)

    def ref_pass(self, rollouts: list[Rollout], budget: int) -> list[torch.Tensor]:
        raise AssertionError("a KL reference is refused at Load on more than one rank")


class ShardedTrainRun(TrainRun):
    """TrainRun whose mini-batches are split across ranks (see the module docstring)."""

    def _micro_batches(self, mb: list[int], rollouts: list[Rollout], cap: int) -> list[list[int]]:
        self._filler = rollouts[mb[0]]
        return share_micro_batches(mb, rollouts, self.budget, cap, self.policy.device)

    def _micro_step(self, rollouts, old_lp, advs, ref_lp, mb_tokens, mb_seqs) -> dict:
        if rollouts:
            stats = super()._micro_step(rollouts, old_lp, advs, ref_lp, mb_tokens, mb_seqs)
        else:
            stats = self._filler_step()
        sums = [float(stats[k]) for k in _STAT_KEYS]
        t = torch.tensor(sums, dtype=torch.float64, device=self.policy.device)
        dist.all_reduce(t, op=dist.ReduceOp.SUM)
        out = dict(zip(_STAT_KEYS, t.cpu().tolist(), strict=True))
        out["tokens"] = int(out["tokens"])
        return out

    def _filler_step(self) -> dict:
        """A forward and backward that FSDP's collectives need and the gradient does not see."""
        logp, entropy = self.scorer.forward(self.policy.model, self.scorer.batch([self._filler]))
        ((logp.sum() + entropy.sum()) * 0.0).backward()
        return dict.fromkeys(_STAT_KEYS, 0.0)
