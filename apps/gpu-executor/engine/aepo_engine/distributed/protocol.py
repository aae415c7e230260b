"""The command broadcast between engine ranks: rank 0 (the gRPC server) sends each PolicyCore call
that needs every rank as one record, every follower runs the same call on its shard, and all ranks
then report how the call ended, so rank 0 answers the gRPC call with the first failure.

| op              | args                                          | a follower runs                      |
|-----------------|-----------------------------------------------|--------------------------------------|
| load            | spec (LoadSpec)                               | RankCore.load(spec)                  |
| sample          | groups, seed, max_tokens                      | RankCore.sample(..., discard=True)   |
| measure         | rollouts (list[Rollout]), max_tokens          | RankCore.measure over the same rows  |
| train           | rollouts, items (TrainItemSpec), loss, max_tokens | RankCore.train(..., keep=False)  |
| save_checkpoint | path, merge_adapter                           | writes its DCP shard                 |
| load_checkpoint | path                                          | reads its DCP shard                  |
| shutdown        | -                                             | leaves the loop; the process exits   |

Rank 0 sends a command with one `broadcast_object_list` on a dedicated gloo group whose timeout is
long (followers wait there between calls, however long the gRPC side is idle). The work itself and
the closing `gather_object` of the outcomes run on the default group, whose timeout is short
(`AEPO_ENGINE_COLLECTIVE_TIMEOUT_SECONDS`): a rank that died or hangs fails the call within it
instead of hanging the server. Rollouts live only on rank 0 (its store answers the rollout ids), so
measure and train carry the rollouts' tokens in the command; each rank scores and trains its share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import torch.distributed as dist

OPS = ("load", "sample", "measure", "train", "save_checkpoint", "load_checkpoint", "shutdown")
# Followers block on the command group between calls: effectively forever.
IDLE_TIMEOUT = timedelta(days=365)


@dataclass
class Command:
    op: str
    args: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise ValueError(f"unknown engine rank command {self.op!r}")


class Channel:
    """Rank 0's side sends, a follower's side receives; both settle each command."""

    def __init__(self) -> None:
        self.rank = dist.get_rank()
        self.world = dist.get_world_size()
        self._commands = dist.new_group(backend="gloo", timeout=IDLE_TIMEOUT)

    def send(self, cmd: Command) -> None:
        dist.broadcast_object_list([cmd], src=0, group=self._commands)

    def receive(self) -> Command:
        box: list[Command | None] = [None]
        dist.broadcast_object_list(box, src=0, group=self._commands)
        assert box[0] is not None
        return box[0]

    def settle(self, error: str | None) -> list[str | None]:
        """Every rank's outcome of the command (None: it succeeded), on rank 0; [] elsewhere."""
        out: list[str | None] | None = [None] * self.world if self.rank == 0 else None
        dist.gather_object(error, out, dst=0)
        return out or []
