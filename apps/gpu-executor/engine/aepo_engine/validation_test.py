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
