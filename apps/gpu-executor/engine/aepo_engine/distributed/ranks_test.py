"""Engine ranks end to end: a plain engine and a 2-rank torchrun engine (gloo, CPU), both driven
through their real gRPC servers with the same Load spec, the same Sample (which samples the same
rollouts on 1 and 2 ranks) and the same Train calls; then a sharded checkpoint resumed on one rank,
and a follower killed."""

from __future__ import annotations

import os
import signal
import time

import grpc
import pytest
import torch
from safetensors.torch import load_file

from aepo_engine.proto import pb

from .engine_process import EngineProcess

_OPTIMIZER = pb.Optimizer(
    lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01, grad_clip=1.0
)
_PROMPTS = ["12+34=", "5+6=", "40+2=", "7+70=", "33+3=", "9+19=", "1+8="]
# micro_batch_size 1 and mini-batches of 4 then 3 rows: the ranks' shares are 2/2 and 2/1, so one
# rank runs a filler pass; grad_clip 1.0 makes the global gradient norm matter.
_LOSS = pb.LossSettings(
    clip_low=0.2,
    clip_high=0.28,
    aggregation=pb.LOSS_AGGREGATION_TOKEN_MEAN,
    epochs=1,
    mini_batch_size=4,
    micro_batch_size=1,
)
_TRAIN_CALLS = 5
# fp32 AdamW on summed-instead-of-accumulated gradients: rounding only.
_TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ranks")
    env = {
        "AEPO_ENGINE_MODEL_CACHE": str(tmp / "cache"),
        "AEPO_ENGINE_THREADS": "1",
        "AEPO_ENGINE_GRACE_SECONDS": "1",
    }
    one = EngineProcess(tmp / "one.sock", 1, env)
    two = EngineProcess(
        tmp / "two.sock", 2, {**env, "AEPO_ENGINE_COLLECTIVE_TIMEOUT_SECONDS": "120"}
    )
    try:
        one.wait_serving()
        two.wait_serving()
        yield one, two, tmp
    finally:
        for engine in (one, two):
            engine.terminate()
        for engine in (one, two):
            engine.wait()


def _load(stub, path) -> pb.LoadResponse:
    return stub.Load(
        pb.LoadRequest(model=str(path), seed=5, precision="fp32", optimizer=_OPTIMIZER)
    )


def _sample(stub) -> list[pb.Completion]:
    groups = [
        pb.PromptGroup(text=t, n=1, temperature=1.0, top_p=1.0, max_new_tokens=6) for t in _PROMPTS
    ]
    res = stub.Sample(pb.SampleRequest(groups=groups, seed=11))
    return [g.completions[0] for g in res.groups]


def _train(stub, comps, call: int) -> pb.TrainResponse:
    items = [
        pb.TrainItem(rollout_id=c.rollout_id, advantage=((i + call) % 3) - 1.0)
        for i, c in enumerate(comps)
    ]
    return stub.Train(pb.TrainRequest(items=items, loss=_LOSS, keep_rollouts=True))


def _weights(folder) -> dict[str, torch.Tensor]:
    return load_file(str(folder / "model.safetensors"))


def _max_diff(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> float:
    assert a.keys() == b.keys()
    return max(float((a[k].float() - b[k].float()).abs().max()) for k in a)


@pytest.fixture(scope="module")
def trained(engines, random_model_path):
    """Both engines loaded, sampled and trained alike, each checkpointed: their Train answers."""
    one, two, tmp = engines
    info1, info2 = _load(one.stub, random_model_path), _load(two.stub, random_model_path)
    assert info2.model.parameters == info1.model.parameters
    comps1, comps2 = _sample(one.stub), _sample(two.stub)
    # Each row draws its own random stream wherever it is sampled: the ranks' blocks of rows sample
    # what one rank does, so both train on the same tokens (the premise of the comparison).
    assert [c.text for c in comps2] == [c.text for c in comps1]
    assert all(c.tokens > 0 for c in comps1)
    answers = [
        (_train(one.stub, comps1, k), _train(two.stub, comps2, k)) for k in range(_TRAIN_CALLS)
    ]
    one.stub.SaveCheckpoint(pb.SaveCheckpointRequest(path=str(tmp / "ckpt-one")))
    saved = two.stub.SaveCheckpoint(pb.SaveCheckpointRequest(path=str(tmp / "ckpt-two")))
    assert saved.step == 2 * _TRAIN_CALLS
    return answers


def test_two_ranks_train_like_one(engines, trained, random_model_path):
    _, _, tmp = engines
    for r1, r2 in trained:
        assert (r2.optimizer_steps, r2.tokens, r2.step) == (r1.optimizer_steps, r1.tokens, r1.step)
        assert r2.policy_loss == pytest.approx(r1.policy_loss, abs=1e-5)
        assert r2.grad_norm == pytest.approx(r1.grad_norm, rel=1e-4)
        assert r2.entropy == pytest.approx(r1.entropy, rel=1e-5)
    assert trained[-1][0].step == 2 * _TRAIN_CALLS
    assert (tmp / "ckpt-two" / "sharded" / ".metadata").is_file()
    trained1, trained2 = _weights(tmp / "ckpt-one"), _weights(tmp / "ckpt-two")
    # The updates are far above the tolerance, so equal weights mean equal training.
    assert _max_diff(trained1, _weights(random_model_path)) > 100 * _TOLERANCE
    assert _max_diff(trained2, trained1) < _TOLERANCE


def test_sharded_checkpoint_resumes_on_one_rank(engines, trained, random_model_path):
    one, _, tmp = engines
    _load(one.stub, random_model_path)  # fresh weights and optimizer
    resumed = one.stub.LoadCheckpoint(pb.LoadCheckpointRequest(path=str(tmp / "ckpt-two")))
    assert resumed.step == 2 * _TRAIN_CALLS
    one.stub.SaveCheckpoint(pb.SaveCheckpointRequest(path=str(tmp / "ckpt-resumed")))
    assert _max_diff(_weights(tmp / "ckpt-resumed"), _weights(tmp / "ckpt-two")) == 0.0
    # The optimizer state came back too: the same as the one-rank run's own after its training.
    own = torch.load(tmp / "ckpt-one" / "engine_state.pt", weights_only=False)["optimizer"]
    back = torch.load(tmp / "ckpt-resumed" / "engine_state.pt", weights_only=False)["optimizer"]
    assert own["state"].keys() == back["state"].keys() and own["state"]
    for k, st in own["state"].items():
        assert float(back["state"][k]["step"]) == float(st["step"]) == 2 * _TRAIN_CALLS
        for name in ("exp_avg", "exp_avg_sq"):
            assert torch.allclose(back["state"][k][name], st[name], atol=_TOLERANCE)


def test_killing_a_follower_fails_the_next_call(engines, random_model_path):
    _, two, _ = engines
    _load(two.stub, random_model_path)
    comps = _sample(two.stub)
    os.kill(two.rank_pid(1), signal.SIGKILL)
    started = time.monotonic()
    with pytest.raises(grpc.RpcError) as e:
        _train(two.stub, comps, 0)
        _train(two.stub, comps, 1)  # in case the first one raced the kill
    assert e.value.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.ABORTED), e.value
    # A closed connection fails at once (and torchrun stops the other ranks); a hung rank would take
    # the collective timeout (120 s): either way no hang.
    assert time.monotonic() - started < 150
