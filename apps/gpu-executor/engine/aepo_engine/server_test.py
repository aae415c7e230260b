"""gRPC round trip of every primitive against a real engine process on a unix socket."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest

from aepo_engine.proto import pb, pb_grpc

ENGINE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("engine")
    sock = tmp / "engine.sock"
    env = {**os.environ, "AEPO_ENGINE_MODEL_CACHE": str(tmp / "cache")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "aepo_engine", "serve", "--address", f"unix://{sock}"],
        cwd=ENGINE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    channel = grpc.insecure_channel(f"unix://{sock}")
    stub = pb_grpc.PolicyEngineStub(channel)
    deadline = time.monotonic() + 120
    while True:
        try:
            stub.Health(pb.HealthRequest(), timeout=2)
            break
        except grpc.RpcError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"engine did not start: {proc.stdout.read()}") from None
            time.sleep(0.2)
    yield stub, proc, tmp
    channel.close()
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def _code(fn) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as e:
        fn()
    return e.value.code(), e.value.details()


# What the executor sends: every value of the stored spec (the engine defaults none).
_OPTIMIZER = pb.Optimizer(
    lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01, grad_clip=1.0
)


def _sample_req(**group) -> pb.SampleRequest:
    g = {"text": "12+34=", "n": 2, "temperature": 1.0, "top_p": 1.0, "max_new_tokens": 6, **group}
    return pb.SampleRequest(groups=[pb.PromptGroup(**g)], seed=1)


def test_every_primitive_and_bad_input(engine, random_model_path):
    stub, proc, tmp = engine
    health = stub.Health(pb.HealthRequest())
    assert health.serving and not health.model_loaded
    assert not stub.Info(pb.InfoRequest()).HasField("model")
    assert _code(lambda: stub.Sample(_sample_req()))[0] == grpc.StatusCode.FAILED_PRECONDITION

    code, msg = _code(
        lambda: stub.Load(pb.LoadRequest(model=str(tmp / "nope"), optimizer=_OPTIMIZER))
    )
    # An optimizer without epsilon or learning rate is refused, not defaulted.
    for unset in ("eps", "lr"):
        partial = pb.Optimizer()
        partial.CopyFrom(_OPTIMIZER)
        partial.ClearField(unset)
        req = pb.LoadRequest(model=str(random_model_path), optimizer=partial)
        code2, msg2 = _code(lambda req=req: stub.Load(req))
        assert code2 == grpc.StatusCode.INVALID_ARGUMENT and msg2.startswith(f"optimizer.{unset}")
    assert code == grpc.StatusCode.NOT_FOUND
    code, msg = _code(
        lambda: stub.Load(pb.LoadRequest(model="x", dtype="int3", optimizer=_OPTIMIZER))
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    code, msg = _code(
        lambda: stub.Load(
            pb.LoadRequest(model=str(random_model_path), dtype="f8", optimizer=_OPTIMIZER)
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT and msg.startswith("dtype")

    loaded = stub.Load(
        pb.LoadRequest(
            model=str(random_model_path),
            seed=3,
            optimizer=_OPTIMIZER,
        )
    )
    assert loaded.model.model_type == "qwen2" and loaded.model.parameters > 50_000
    assert loaded.model.lr == pytest.approx(1e-3)
    # The echo is read back from what Load built (AdamW's parameter group), and equals what was sent.
    assert loaded.settings.optimizer == _OPTIMIZER and loaded.settings.seed == 3
    assert loaded.settings.precision == "fp32" and not loaded.settings.HasField("lora")

    for bad, field in [
        (pb.SampleRequest(), "groups"),
        (_sample_req(n=0), "groups[0].n"),
        (_sample_req(temperature=-1), "groups[0].temperature"),
        (_sample_req(top_p=1.5), "groups[0].top_p"),
        # Unset (0) is refused, not defaulted: the executor always sends the spec's top_p.
        (_sample_req(top_p=0), "groups[0].top_p"),
        (_sample_req(max_new_tokens=0), "groups[0].max_new_tokens"),
        (_sample_req(text=""), "groups[0].text"),
        (_sample_req(text="1" * 80), "groups[0]"),
    ]:
        code, msg = _code(lambda bad=bad: stub.Sample(bad))
        assert code == grpc.StatusCode.INVALID_ARGUMENT and msg.startswith(field), (field, msg)
    chat = pb.SampleRequest(
        groups=[
            pb.PromptGroup(
                messages=[pb.ChatMessage(role="user", content="hi")],
                n=1,
                top_p=1.0,
                max_new_tokens=2,
            )
        ]
    )
    assert _code(lambda: stub.Sample(chat))[0] == grpc.StatusCode.FAILED_PRECONDITION

    res = stub.Sample(
        pb.SampleRequest(
            groups=[
                pb.PromptGroup(text="12+34=", n=3, temperature=1.0, top_p=1.0, max_new_tokens=6),
                pb.PromptGroup(
                    text="5+6=", n=2, temperature=1.2, top_p=1.0, max_new_tokens=4, stop=["9"]
                ),
            ],
            seed=7,
        )
    )
    assert [len(g.completions) for g in res.groups] == [3, 2]
    assert res.groups[1].sampled == pb.PromptGroup(
        n=2, temperature=1.2, top_p=1.0, max_new_tokens=4, stop=["9"]
    )
    comps = [c for g in res.groups for c in g.completions]
    assert res.total_tokens == sum(c.tokens for c in comps) > 0
    assert all(c.rollout_id and c.entropy > 0 and c.neg_log_prob > 0 for c in comps)
    assert all(c.finish_reason != pb.FINISH_REASON_UNSPECIFIED for c in comps)
    assert stub.Info(pb.InfoRequest()).rollouts_held == 5

    loss = pb.LossSettings(
        clip_low=0.2,
        clip_high=0.2,
        dual_clip=3.0,
        mini_batch_size=2,
        epochs=1,
        aggregation=pb.LOSS_AGGREGATION_TOKEN_MEAN,
    )
    for bad, field in [
        (pb.TrainRequest(loss=loss), "items"),
        (pb.TrainRequest(items=[pb.TrainItem(rollout_id=comps[0].rollout_id)]), "loss"),
        (
            pb.TrainRequest(
                items=[pb.TrainItem(rollout_id=comps[0].rollout_id, advantage=float("nan"))],
                loss=loss,
            ),
            "items[0].advantage",
        ),
        (
            pb.TrainRequest(
                items=[pb.TrainItem(rollout_id=comps[0].rollout_id)],
                loss=pb.LossSettings(
                    clip_low=0.2,
                    clip_high=0.2,
                    dual_clip=0.5,
                    epochs=1,
                    aggregation=pb.LOSS_AGGREGATION_TOKEN_MEAN,
                ),
            ),
            "loss.dual_clip",
        ),
        (
            pb.TrainRequest(
                items=[pb.TrainItem(rollout_id=comps[0].rollout_id, token_advantages=[1.0] * 99)],
                loss=loss,
            ),
            "items[0].token_advantages",
        ),
    ]:
        code, msg = _code(lambda bad=bad: stub.Train(bad))
        assert code == grpc.StatusCode.INVALID_ARGUMENT and msg.startswith(field), (field, msg)
    kl = pb.LossSettings(
        clip_low=0.2,
        clip_high=0.2,
        kl_coef=0.1,
        epochs=1,
        aggregation=pb.LOSS_AGGREGATION_TOKEN_MEAN,
    )
    code, _ = _code(
        lambda: stub.Train(
            pb.TrainRequest(items=[pb.TrainItem(rollout_id=comps[0].rollout_id)], loss=kl)
        )
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION

    released = stub.ReleaseRollouts(
        pb.ReleaseRolloutsRequest(rollout_ids=[comps[4].rollout_id, "nope"])
    )
    assert released.released == 1
    code, _ = _code(
        lambda: stub.Train(
            pb.TrainRequest(items=[pb.TrainItem(rollout_id=comps[4].rollout_id)], loss=loss)
        )
    )
    assert code == grpc.StatusCode.NOT_FOUND

    items = [pb.TrainItem(rollout_id=c.rollout_id, advantage=1.0) for c in comps[:4]]
    trained = stub.Train(pb.TrainRequest(items=items, loss=loss))
    assert trained.optimizer_steps == 2 and trained.step == 2
    assert trained.entropy > 0 and trained.entropy_sampled > 0 and trained.grad_norm > 0
    assert trained.tokens == sum(c.tokens for c in comps[:4])
    ran = pb.LossSettings()
    ran.CopyFrom(loss)
    ran.lr = 1e-3  # unset in the request: the rate in force is echoed
    assert trained.loss == ran
    assert stub.Info(pb.InfoRequest()).rollouts_held == 0

    ckpt = tmp / "ckpt"
    saved = stub.SaveCheckpoint(pb.SaveCheckpointRequest(path=str(ckpt)))
    assert saved.step == 2 and saved.bytes > 0 and (ckpt / "config.json").is_file()
    assert _code(lambda: stub.SaveCheckpoint(pb.SaveCheckpointRequest()))[0] == (
        grpc.StatusCode.INVALID_ARGUMENT
    )
    code, _ = _code(lambda: stub.LoadCheckpoint(pb.LoadCheckpointRequest(path=str(tmp / "no"))))
    assert code == grpc.StatusCode.NOT_FOUND
    restored = stub.LoadCheckpoint(pb.LoadCheckpointRequest(path=str(ckpt)))
    assert restored.step == 2 and restored.model.step == 2

    assert stub.Health(pb.HealthRequest()).model_loaded
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
