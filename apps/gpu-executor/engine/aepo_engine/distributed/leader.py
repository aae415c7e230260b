"""Rank 0's side of the engine ranks (LeaderCore: each collective PolicyCore call is sent to the
followers first) and the followers' command loop (follow). The commands: protocol.py."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import grpc

from aepo_engine.errors import EngineError
from aepo_engine.models import resolve_model
from aepo_engine.rollouts import Rollout

from .protocol import Channel, Command
from .rank_core import RankCore

log = logging.getLogger(__name__)
T = TypeVar("T")


class RanksLost(EngineError):
    def __init__(self, message: str) -> None:
        super().__init__(grpc.StatusCode.UNAVAILABLE, message)


class LeaderCore(RankCore):
    """The core rank 0 serves: every call that needs all ranks is sent to the followers, run here,
    then settled (a follower's failure fails the call). Release, Info and Health stay local: the
    rollouts and the model's description are rank 0's."""

    def __init__(self, settings, channel: Channel) -> None:
        super().__init__(settings)
        self.channel = channel
        self.lost: str | None = None  # why the ranks can no longer work together

    def load(self, spec):
        resolve_model(spec.model, self.settings)  # a built-in is built once, here, before the ranks
        return self._everywhere(
            Command("load", {"spec": spec}), lambda: super(LeaderCore, self).load(spec)
        )

    def sample(self, groups, seed, discard, max_tokens=0):
        cmd = Command("sample", {"groups": groups, "seed": seed, "max_tokens": max_tokens})
        return self._everywhere(
            cmd, lambda: super(LeaderCore, self).sample(groups, seed, discard, max_tokens)
        )

    def measure(self, rollout_ids, max_tokens=0):
        cmd = Command("measure", {"rollouts": self._fetch(rollout_ids), "max_tokens": max_tokens})
        return self._everywhere(
            cmd, lambda: super(LeaderCore, self).measure(rollout_ids, max_tokens)
        )

    def train(self, items, loss, keep, max_tokens=0):
        self._require_clean()
        rollouts = self._fetch([it.rollout_id for it in items])
        args = {"rollouts": rollouts, "items": items, "loss": loss, "max_tokens": max_tokens}
        return self._everywhere(
            Command("train", args),
            lambda: super(LeaderCore, self).train(items, loss, keep, max_tokens),
        )

    def save_checkpoint(self, path: Path, merge_adapter: bool = False):
        cmd = Command("save_checkpoint", {"path": path, "merge_adapter": merge_adapter})
        return self._everywhere(
            cmd, lambda: super(LeaderCore, self).save_checkpoint(path, merge_adapter)
        )

    def load_checkpoint(self, path: Path):
        cmd = Command("load_checkpoint", {"path": path})
        return self._everywhere(cmd, lambda: super(LeaderCore, self).load_checkpoint(path))

    def shutdown(self) -> None:
        if self.lost is not None:
            return
        try:
            self.channel.send(Command("shutdown"))
        except RuntimeError as e:  # torchrun stops every rank at once: the followers may be gone
            log.info("followers already stopped: %s", e)

    def _everywhere(self, cmd: Command, run: Callable[[], T]) -> T:
        if self.lost is not None:
            raise RanksLost(f"engine ranks lost earlier ({self.lost}): restart the engine")
        try:
            self.channel.send(cmd)
        except RuntimeError as e:  # torch.distributed's errors: a rank died or timed out
            raise self._lose(cmd, e) from e
        mine: Exception | None = None
        result = None
        try:
            result = run()
        except Exception as e:  # noqa: BLE001 (re-raised once the followers settled)
            mine = e
        try:
            outcomes = self.channel.settle(None)
        except RuntimeError as e:
            raise self._lose(cmd, e) from (mine or e)
        if mine is not None:
            raise mine
        for rank, error in enumerate(outcomes):
            if error is not None:
                raise EngineError(
                    grpc.StatusCode.ABORTED, f"{cmd.op} failed on engine rank {rank}: {error}"
                )
        return result  # type: ignore[return-value]

    def _lose(self, cmd: Command, e: Exception) -> RanksLost:
        """The ranks cannot work together any more: this and every later call fail."""
        self.lost = f"{cmd.op}: {e}"
        log.error("engine ranks lost during %s: %s", cmd.op, e)
        return RanksLost(
            f"{cmd.op} failed: an engine rank stopped answering ({e}); restart the engine"
        )


def _held(core: RankCore, rollouts: list[Rollout], items=None) -> tuple[list[str], list]:
    """Puts the rollouts sent by rank 0 into this follower's (emptied) store; returns their new ids
    and `items` pointing at them."""
    core.store.clear()
    ids = [core.store.put(r) for r in rollouts]
    items = [
        dataclasses.replace(it, rollout_id=rid) for it, rid in zip(items or [], ids, strict=False)
    ]
    return ids, items


def _run(core: RankCore, cmd: Command) -> None:
    a = cmd.args
    if cmd.op == "load":
        core.load(a["spec"])
    elif cmd.op == "sample":
        core.sample(a["groups"], a["seed"], True, a["max_tokens"])
    elif cmd.op == "measure":
        ids, _ = _held(core, a["rollouts"])
        core.measure(ids, a["max_tokens"])
    elif cmd.op == "train":
        _, items = _held(core, a["rollouts"], a["items"])
        core.train(items, a["loss"], False, a["max_tokens"])
    elif cmd.op == "save_checkpoint":
        core.save_checkpoint(a["path"], a["merge_adapter"])
    elif cmd.op == "load_checkpoint":
        core.load_checkpoint(a["path"])


def follow(core: RankCore, channel: Channel) -> None:
    """A follower's life: run each command rank 0 sends, report its outcome, until shutdown."""
    while True:
        cmd = channel.receive()
        if cmd.op == "shutdown":
            return
        error = None
        try:
            _run(core, cmd)
        except Exception as e:
            log.exception("rank %d: %s failed", core.rank, cmd.op)
            error = f"{type(e).__name__}: {e}"
        channel.settle(error)
