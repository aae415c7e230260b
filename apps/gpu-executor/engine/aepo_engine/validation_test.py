"""The engine loads what the executor sends, field by field, and makes up nothing it is not sent."""

import pytest

from aepo_engine import validation
from aepo_engine.errors import EngineError
from aepo_engine.proto import pb

# Every Optimizer field set away from the proto default; the keys are the wire names.
_SENT = {
    "lr": 2e-5,
    "beta1": 0.8,
    "beta2": 0.99,
    "eps": 1e-7,
    "weight_decay": 0.02,
    "grad_clip": 0.5,
}


def _loaded(spec) -> dict[str, float]:
    return {
        "lr": spec.lr,
        "beta1": spec.betas[0],
        "beta2": spec.betas[1],
        "eps": spec.eps,
        "weight_decay": spec.weight_decay,
        "grad_clip": spec.grad_clip,
    }


def test_load_carries_every_optimizer_field():
    # Walks the wire message: an Optimizer field the engine does not load fails here.
    assert {f.name for f in pb.Optimizer.DESCRIPTOR.fields} == set(_SENT)
    spec = validation.load_spec(pb.LoadRequest(model="m", optimizer=pb.Optimizer(**_SENT)))
    assert _loaded(spec) == pytest.approx(_SENT)


@pytest.mark.parametrize("unset", ["lr", "eps"])
def test_load_refuses_an_optimizer_value_it_is_not_sent(unset):
    sent = {k: v for k, v in _SENT.items() if k != unset}
    with pytest.raises(EngineError, match=f"^optimizer.{unset}: must be > 0"):
        validation.load_spec(pb.LoadRequest(model="m", optimizer=pb.Optimizer(**sent)))


def test_sample_refuses_a_missing_top_p_and_keeps_a_sent_one():
    group = {"text": "1+1=", "n": 1, "temperature": 1.0, "max_new_tokens": 2}
    with pytest.raises(EngineError, match=r"^groups\[0\].top_p"):
        validation.sample_specs(pb.SampleRequest(groups=[pb.PromptGroup(**group)]))
    [spec] = validation.sample_specs(pb.SampleRequest(groups=[pb.PromptGroup(top_p=0.7, **group)]))
    assert spec.top_p == pytest.approx(0.7)


def _train(**loss) -> pb.TrainRequest:
    item = pb.TrainItem(rollout_id="r", advantage=1.0)
    loss = {
        "clip_low": 0.2,
        "clip_high": 0.2,
        "aggregation": pb.LOSS_AGGREGATION_TOKEN_MEAN,
        **loss,
    }
    return pb.TrainRequest(items=[item], loss=pb.LossSettings(**loss))


def test_train_refuses_epochs_it_is_not_sent_and_keeps_sent_ones():
    with pytest.raises(EngineError, match=r"^loss.epochs: must be >= 1"):
        validation.train_specs(_train())
    _, spec = validation.train_specs(_train(epochs=3))
    assert spec.epochs == 3


def test_train_refuses_an_aggregation_it_is_not_sent():
    with pytest.raises(EngineError, match=r"^loss.aggregation: required"):
        validation.train_specs(_train(epochs=1, aggregation=pb.LOSS_AGGREGATION_UNSPECIFIED))


def test_lora_refuses_an_alpha_it_is_not_sent_and_keeps_a_sent_one():
    with pytest.raises(EngineError, match=r"^lora.alpha: must be > 0"):
        validation.load_spec(_lora_load(pb.Lora(rank=4)))
    spec = validation.load_spec(_lora_load(pb.Lora(rank=4, alpha=12.0, dropout=0.1)))
    assert (spec.lora.rank, spec.lora.alpha, spec.lora.dropout) == (4, 12.0, pytest.approx(0.1))


def _lora_load(lo: pb.Lora) -> pb.LoadRequest:
    return pb.LoadRequest(model="m", optimizer=pb.Optimizer(**_SENT), lora=lo)
