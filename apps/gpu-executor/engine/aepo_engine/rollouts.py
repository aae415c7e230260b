"""Rollouts held by id between Sample and Train: bounded in count and tokens, with a time to live."""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import torch


@dataclass
class Rollout:
    """A sampled completion's tokens (CPU tensors) and the T=1 log-probs it was sampled with."""

    prompt_ids: torch.Tensor
    completion_ids: torch.Tensor
    logprobs: torch.Tensor
    created: float = field(default=0.0)

    @property
    def tokens(self) -> int:
        return int(self.prompt_ids.numel() + self.completion_ids.numel())


class RolloutStore:
    """Insertion-ordered store; the oldest rollouts are evicted beyond `max_rollouts` or
    `max_tokens`, and any older than `ttl_seconds` are dropped. Evicted, expired and released ids
    all read as missing."""

    def __init__(
        self,
        max_rollouts: int,
        max_tokens: int,
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._items: OrderedDict[str, Rollout] = OrderedDict()
        self._tokens = 0
        self._max_rollouts = max_rollouts
        self._max_tokens = max_tokens
        self._ttl = ttl_seconds
        self._clock = clock

    def __len__(self) -> int:
        self._expire()
        return len(self._items)

    @property
    def tokens(self) -> int:
        self._expire()
        return self._tokens

    def put(self, rollout: Rollout) -> str:
        self._expire()
        rollout.created = self._clock()
        rid = uuid.uuid4().hex
        self._items[rid] = rollout
        self._tokens += rollout.tokens
        while self._items and (
            len(self._items) > self._max_rollouts or self._tokens > self._max_tokens
        ):
            _, old = self._items.popitem(last=False)
            self._tokens -= old.tokens
        return rid

    def get_many(self, ids: Iterable[str]) -> tuple[list[Rollout], list[str]]:
        """The rollouts for `ids`, and the ids that are not held."""
        self._expire()
        found, missing = [], []
        for rid in ids:
            r = self._items.get(rid)
            if r is None:
                missing.append(rid)
            else:
                found.append(r)
        return found, missing

    def release(self, ids: Iterable[str]) -> int:
        released = 0
        for rid in ids:
            r = self._items.pop(rid, None)
            if r is not None:
                self._tokens -= r.tokens
                released += 1
        return released

    def clear(self) -> None:
        self._items.clear()
        self._tokens = 0

    def _expire(self) -> None:
        cutoff = self._clock() - self._ttl
        while self._items:
            oldest = next(iter(self._items.values()))
            if oldest.created > cutoff:
                break
            self._items.popitem(last=False)
            self._tokens -= oldest.tokens
