"""The policy engine's facade (Load, Sample, Train, checkpoints), without any gRPC: server.py calls
one method per primitive.

One model at a time; calls are serialised by the server. Token tensors stay here, referenced by
rollout id (rollouts.py). The parts, each in its own module: the loaded policy and its Info
(policy.py), rollout scoring and entropy statistics (scoring.py), the update (training.py),
checkpoints (checkpoints.py) and the text side of sampling (sample_text.py).
"""

from __future__ import annotations

import time
from pathlib import Path

import torch

from aepo_engine.checkpoints import (
    CHECKPOINT_MASTER,
    CHECKPOINT_META,
    CHECKPOINT_STATE,
    MERGED_DIR,
    load_checkpoint,
    save_checkpoint,
)
from aepo_engine.config import EngineSettings
from aepo_engine.errors import invalid, not_found, precondition
from aepo_engine.models import pick_device, resolve_model
from aepo_engine.out_of_memory import free_cuda, oom_error
from aepo_engine.policy import (
    CHECKPOINTING_ABOVE,
    LoadedPolicy,
    build_policy,
    default_token_budget,
    describe,
)
from aepo_engine.precision import native_dtype, pick_precision
from aepo_engine.rollouts import Rollout, RolloutStore
from aepo_engine.sample_text import completions, prompt_ids
from aepo_engine.sampling import RowSpec, sample_rows
from aepo_engine.scoring import (
    Batch,
    OldPass,
    PassStats,
    Scorer,
    logp_entropy,
    token_micro_batches,
)
from aepo_engine.specs import (
    CompletionOut,
    GroupSpec,
    LoadSpec,
    LossSpec,
    SampleOut,
    TrainItemSpec,
    TrainOut,
)
from aepo_engine.training import TrainRun, item_advantages

# The engine's public names, wherever they are defined (validation.py, the server, tests and tools
# import them from here).
__all__ = [
    "CHECKPOINTING_ABOVE",
    "CHECKPOINT_MASTER",
    "CHECKPOINT_META",
    "CHECKPOINT_STATE",
    "MERGED_DIR",
    "CompletionOut",
    "GroupSpec",
    "LoadSpec",
    "LossSpec",
    "PolicyCore",
    "SampleOut",
    "TrainItemSpec",
    "TrainOut",
    "default_token_budget",
    "token_micro_batches",
]


class PolicyCore:
    """Holds the model, optimizer and rollouts; every public method is one engine primitive."""

    def __init__(self, settings: EngineSettings) -> None:
        self.settings = settings
        self.store = RolloutStore(
            settings.rollout_max, settings.rollout_max_tokens, settings.rollout_ttl_seconds
        )
        self.state: LoadedPolicy | None = None
        self._stats = PassStats()  # of the forward passes of the current (or last) Train

    # ---- Load / Info -------------------------------------------------------------------------
    def load(self, spec: LoadSpec) -> dict:
        # Resolved before anything is dropped: a bad device, precision or model keeps the current one.
        device = pick_device(spec.device)
        precision = pick_precision(spec.precision, spec.dtype, device)
        path = resolve_model(spec.model, self.settings)
        native = native_dtype(path)
        self.store.clear()
        self.state = None
        free_cuda(device)
        self.state = build_policy(spec, path, device, precision, native)
        return self.model_info()

    def model_info(self) -> dict:
        return describe(self._require())

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
            ids = prompt_ids(s, gi, g)
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
                sampled = self._sample_rows(s, rows, seed, budget)
        except torch.cuda.OutOfMemoryError as e:
            free_cuda(s.device)
            width = max(len(r.prompt_ids) for r in rows) + max(r.max_new_tokens for r in rows)
            raise oom_error(
                f"Sample of {len(rows)} completions (up to {width} tokens each) in generation "
                f"batches of at most {budget} tokens, {s.parameters / 1e9:.2f}B parameters, "
                f"{s.precision.name}: lower max_tokens_per_micro_batch"
            ) from e
        out, total, prompt_total = completions(s, self.store, groups, prompts, sampled, discard)
        return SampleOut(out, total, prompt_total, time.monotonic() - started)

    def _sample_rows(self, s: LoadedPolicy, rows: list[RowSpec], seed: int, budget: int):
        # A seam: the engine ranks sample data-parallel (distributed/rank_core.py).
        return sample_rows(s.model, s.tokenizer, rows, s.eos, s.pad, seed, budget)

    def release(self, ids: list[str]) -> int:
        return self.store.release(ids)

    # ---- Train -------------------------------------------------------------------------------
    def measure(self, rollout_ids: list[str], max_tokens: int = 0) -> tuple[float, float]:
        """Full-vocabulary entropy and sampled-token estimate of the current policy on held
        rollouts (token means), without training; for tests and diagnostics."""
        rollouts = self._fetch(rollout_ids)
        old = self._old_pass(rollouts, max_tokens or self._require().token_budget)
        return old.entropy_sum / max(old.tokens, 1), old.nll_sum / max(old.tokens, 1)

    def train(
        self, items: list[TrainItemSpec], loss: LossSpec, keep: bool, max_tokens: int = 0
    ) -> TrainOut:
        s = self._require_clean()
        started = time.monotonic()
        if loss.kl_coef > 0 and not s.kl_reference:
            raise precondition("loss.kl_coef > 0 needs a model loaded with kl_reference")
        rollouts = self._fetch([it.rollout_id for it in items])
        advs = item_advantages(items, rollouts)
        budget = max_tokens or s.token_budget
        if s.device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(s.device)
        self._stats = PassStats()
        scorer = self._scorer(s)
        run = self._train_run(s, scorer, loss, budget)
        try:
            out = run.run(rollouts, advs)
        except Exception as e:
            raise run.failure(e) from e
        finally:
            s.model.eval()
            s.optimizer.zero_grad(set_to_none=True)
        if s.device.type == "cuda":
            out.peak_memory_bytes = int(torch.cuda.max_memory_allocated(s.device))
        out.micro_batches = self._stats.passes
        out.loss_logits_bytes = self._stats.logits_bytes
        if not keep:
            self.store.release([it.rollout_id for it in items])
        out.seconds = time.monotonic() - started
        return out

    def _train_run(self, s: LoadedPolicy, scorer: Scorer, loss: LossSpec, budget: int) -> TrainRun:
        return TrainRun(s, scorer, loss, budget)  # the engine ranks split it across ranks

    def _old_pass(self, rollouts: list[Rollout], budget: int) -> OldPass:
        """The current policy's T=1 log-probs and entropies of `rollouts` (scoring.Scorer)."""
        return self._scorer(self._require()).old_pass(rollouts, budget)

    def _scorer(self, s: LoadedPolicy) -> Scorer:
        return Scorer(s, self._logp_entropy, self._stats)

    def _logp_entropy(self, model, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        """Every forward pass of Train and of the scores goes through here: the one seam to wrap
        (tests do, to simulate an allocator that runs out of memory)."""
        s = self._require()
        return logp_entropy(s, model, batch, self.settings.loss_chunk_elements, self._stats)

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
        return save_checkpoint(self._require_clean(), path, merge_adapter)

    def load_checkpoint(self, path: Path) -> int:
        step = load_checkpoint(self._require(), path)
        self.store.clear()
        return step

    def _require(self) -> LoadedPolicy:
        if self.state is None:
            raise precondition("no model loaded: call Load first")
        return self.state

    def _require_clean(self) -> LoadedPolicy:
        """The loaded state, refusing to go on from weights a failed Train left half-updated."""
        s = self._require()
        if s.needs_restore is not None:
            raise precondition(f"{s.needs_restore}; LoadCheckpoint (or Load) first")
        return s
