"""FSDP2 over the loaded policy: every decoder layer is its own `fully_shard` unit and a small root
module owns the rest (embeddings, final norm, output head, tied or not).

The engine's forward pass calls the decoder and then the output head in fp32 chunks
(scoring.logp_entropy), not the causal LM's own forward, so the root cannot be the causal LM: its
hooks would never run. `ScoringRoot` makes that pass the root's forward, so FSDP gathers the root's
parameters before it and reduce-scatters their gradients after its backward.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.distributed.device_mesh import DeviceMesh, init_device_mesh
from torch.distributed.fsdp import FSDPModule, MixedPrecisionPolicy, fully_shard
from torch.distributed.tensor import DTensor

from aepo_engine.policy import LoadedPolicy
from aepo_engine.scoring import Batch


class ScoringRoot(torch.nn.Module):
    """The FSDP root: `forward(batch)` is the engine's scoring pass over `lm`."""

    def __init__(self, lm: torch.nn.Module, score: Callable[[torch.nn.Module, Batch], tuple]):
        super().__init__()
        self.lm = lm
        self._score = score

    def forward(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        return self._score(self.lm, batch)


def device_mesh(device: torch.device, world: int) -> DeviceMesh:
    return init_device_mesh(device.type, (world,))


def shard_policy(
    s: LoadedPolicy, world: int, score: Callable[[torch.nn.Module, Batch], tuple]
) -> ScoringRoot:
    """Shards `s.model` in place across the `world` ranks and points the optimizer at the
    sharded parameters; returns the root to score through."""
    mesh = device_mesh(s.device, world)
    mp = None
    if s.precision.compute is not None:
        # bf16-mixed: compute in bf16, keep and reduce the fp32 master weights' gradients in fp32.
        mp = MixedPrecisionPolicy(param_dtype=s.precision.compute, reduce_dtype=torch.float32)
    kwargs = {"mesh": mesh} if mp is None else {"mesh": mesh, "mp_policy": mp}
    for layer in s.model.get_decoder().layers:
        fully_shard(layer, **kwargs)
    root = ScoringRoot(s.model, score)
    fully_shard(root, **kwargs)
    for m in root.modules():
        if isinstance(m, FSDPModule):
            # Each rank's loss is already its share of the whole batch's (token-normalised over
            # every rank's tokens), so the gradients are summed across ranks, not averaged.
            # A plain SUM (gloo has no pre-multiplied sum; a factor of 1 needs none anyway).
            m.set_gradient_divide_factor(1.0)
            m.set_force_sum_reduction_for_comms(True)
    _point_optimizer_at_shards(s)
    return root


def _point_optimizer_at_shards(s: LoadedPolicy) -> None:
    """fully_shard replaced each parameter by a sharded one, in the same order: the (still empty)
    optimizer is pointed at those, keeping its groups and hyper-parameters."""
    sharded = iter([p for p in s.model.parameters() if p.requires_grad])
    for group in s.optimizer.param_groups:
        group["params"] = [next(sharded) for _ in group["params"]]
    s.params = [p for group in s.optimizer.param_groups for p in group["params"]]


def full_value(t: torch.Tensor) -> torch.Tensor:
    """A DTensor's full value (a collective), a plain tensor as it is."""
    return t.full_tensor() if isinstance(t, DTensor) else t
