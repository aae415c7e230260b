"""PolicyCore on one of N engine ranks: the model sharded with FSDP2, Train and scoring split by
rollout (sharded_train.py), Sample split by row, checkpoints sharded (sharded_checkpoint.py).

Every method here is collective: all ranks call it with the same arguments (rank 0 through
LeaderCore, the followers through the command loop), so the forward passes and collectives line up.

Sampling runs on an unsharded replica of the weights on each rank (the HF sampler decodes a
different number of steps on each rank, which FSDP's per-layer collectives cannot follow); the
replica is refreshed from the sharded weights, one full-state gather, before the first Sample or
SaveCheckpoint after the weights changed. This is the weight sync a vLLM sampler will take over.
"""

from __future__ import annotations

import copy
import dataclasses
import shutil
from pathlib import Path

import torch
import torch.distributed as dist
from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict

from aepo_engine import checkpoints
from aepo_engine.config import EngineSettings
from aepo_engine.engine import PolicyCore
from aepo_engine.errors import invalid
from aepo_engine.policy import LoadedPolicy
from aepo_engine.sampling import RowSpec, SampledRow, sample_rows
from aepo_engine.scoring import Batch, Scorer
from aepo_engine.specs import LoadSpec, LossSpec
from aepo_engine.training import TrainRun

from .sharded_checkpoint import save_sharded
from .sharded_train import ShardedScorer, ShardedTrainRun
from .sharding import ScoringRoot, shard_policy


class RankCore(PolicyCore):
    def __init__(self, settings: EngineSettings) -> None:
        super().__init__(settings)
        self.rank = dist.get_rank()
        self.world = dist.get_world_size()
        self._root: ScoringRoot | None = None
        self._replica: torch.nn.Module | None = None
        self._replica_stale = False

    # ---- Load ------------------------------------------------------------------------------
    def load(self, spec: LoadSpec) -> dict:
        if spec.lora is not None:
            raise invalid("lora", f"not supported yet on {self.world} engine ranks")
        if spec.kl_reference:
            raise invalid("kl_reference", f"not supported yet on {self.world} engine ranks")
        self._root = self._replica = None
        super().load(spec)
        s = self._require()
        self._replica = copy.deepcopy(s.model).eval()
        for p in self._replica.parameters():
            p.requires_grad_(False)
        self._root = shard_policy(s, self.world, self._score)
        self._replica_stale = False
        return self.model_info()

    def _score(self, model: torch.nn.Module, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        return super()._logp_entropy(model, batch)

    def _logp_entropy(self, model, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        # The policy's passes go through the FSDP root, so its hooks gather and reduce.
        if self._root is not None and model is self._require().model:
            return self._root(batch)
        return super()._logp_entropy(model, batch)

    # ---- Sample ----------------------------------------------------------------------------
    def _sample_rows(
        self, s: LoadedPolicy, rows: list[RowSpec], seed: int, budget: int
    ) -> list[SampledRow]:
        """Each rank samples a contiguous block of the rows; every row draws the random stream of its
        index in the whole call, so N ranks sample what one rank would (up to float rounding)."""
        replica = self._synced_replica()
        n = len(rows)
        part = range(self.rank * n // self.world, (self.rank + 1) * n // self.world)
        local: list[SampledRow] = []
        if part:
            local = sample_rows(replica, s.tokenizer, rows, s.eos, s.pad, seed, budget, part)
        parts: list[list[SampledRow] | None] = [None] * self.world
        dist.all_gather_object(parts, local)
        return [row for p in parts for row in p or []]

    def _synced_replica(self) -> torch.nn.Module:
        s = self._require()
        assert self._replica is not None
        if self._replica_stale:
            full = get_model_state_dict(s.model, options=StateDictOptions(full_state_dict=True))
            self._replica.load_state_dict(full)
            self._replica_stale = False
        return self._replica

    # ---- Train -----------------------------------------------------------------------------
    def _scorer(self, s: LoadedPolicy) -> Scorer:
        return ShardedScorer(s, self._logp_entropy, self._stats)

    def _train_run(self, s: LoadedPolicy, scorer: Scorer, loss: LossSpec, budget: int) -> TrainRun:
        return ShardedTrainRun(s, scorer, loss, budget)

    def train(self, items, loss, keep, max_tokens=0):
        self._replica_stale = True
        return super().train(items, loss, keep, max_tokens)

    # ---- Checkpoints -----------------------------------------------------------------------
    def save_checkpoint(self, path: Path, merge_adapter: bool = False) -> tuple[int, int]:
        """Every rank writes its shards into a staging folder beside `path`; rank 0 then writes the
        HF export from the replica (the full weights) and moves the shards into the checkpoint."""
        s = self._require_clean()
        path = path.resolve()
        staging = path.parent / f".{path.name}.sharded-step{s.step}"
        if self.rank == 0:
            shutil.rmtree(staging, ignore_errors=True)
        dist.barrier()
        save_sharded(s, staging)
        full = dataclasses.replace(s, model=self._synced_replica())
        dist.barrier()  # every shard is written
        result = (s.step, 0)
        if self.rank == 0:
            try:
                result = checkpoints.save_checkpoint(
                    full, path, merge_adapter, sharded=lambda into: staging.rename(into)
                )
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        return result

    def load_checkpoint(self, path: Path) -> int:
        written = (path / checkpoints.CHECKPOINT_STATE).is_file()
        if written and not (path / checkpoints.SHARDED_DIR).is_dir():
            raise invalid(
                "path",
                f"{path} has no sharded state: {self.world} engine ranks resume only from a "
                "checkpoint written by engine ranks",
            )
        self._replica_stale = True
        return super().load_checkpoint(path)
