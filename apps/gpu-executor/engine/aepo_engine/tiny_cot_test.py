"""builtin:tiny-cot: the generator's completions, the deterministic build, and the built model's T=1
behaviour (format, accuracy and entropy band) through the engine's own load and sample path."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest

from aepo_engine import tiny_arith, tiny_cot
from aepo_engine.engine import PolicyCore
from aepo_engine.errors import EngineError
from aepo_engine.models import resolve_model
from aepo_engine.spec_fixtures import group, load_spec

# A trained warm start, not a random or collapsed one. Wide: the build is reproducible on one machine
# but not across machines, and warm starts on this steep slope differ far more between builds than
# between RL runs (tiny-arith's build seeds 0 and 1 gave 42% and 87%; docs/benchmarks.md).
ACCURACY_BAND = (0.15, 0.85)
ENTROPY_BAND = (0.35, 1.2)


def test_every_completion_ends_in_the_gradeable_sum_and_the_wording_varies():
    rng = random.Random(3)
    for _ in range(2000):
        a, b = rng.randint(0, 99), rng.randint(0, 99)
        text = tiny_cot.solution(a, b, rng)
        assert tiny_cot.final_answer(text) == str(a + b), text
        assert len(text) < tiny_cot.MAX_NEW_TOKENS and "\n\n" not in text, text
    # One prompt, many worked solutions: the wording is free, the answer is not.
    texts = {tiny_cot.solution(37, 48, rng) for _ in range(300)}
    assert len(texts) > 60
    assert {t.rpartition("####")[2].strip() for t in texts} == {"85"}
    starts = {t[0] for t in texts}
    assert starts & set("0123456789") and starts & set("abcdefghijklmnopqrstuvwxyz"), starts


def test_is_right_reads_only_the_marked_answer():
    assert tiny_cot.is_right("7+8=15; 3+4+1=8\n#### 85", 85)
    assert tiny_cot.is_right("ones 15, tens 8\n####85", 85)
    assert not tiny_cot.is_right("7+8=15; 3+4+1=8\n#### 86", 85)
    assert not tiny_cot.is_right("37+48 is 85", 85)


def test_build_is_a_function_of_the_seed(tmp_path, monkeypatch):
    # A few warm-start steps are enough to show the weights are reproduced bit for bit; the T=1
    # check of the result (sampling) is the slow part and not what this test is about.
    monkeypatch.setattr(tiny_cot, "STEPS", 4)
    monkeypatch.setattr(tiny_cot, "evaluate", lambda model, tokenizer, seed: (0.0, 0.0))

    def weights(folder: str, seed: int) -> str:
        out = tmp_path / folder
        stats = tiny_cot.build(out, seed)
        assert stats["recipe"] == tiny_cot.RECIPE_VERSION and stats["steps"] == 4
        return hashlib.sha256((out / "model.safetensors").read_bytes()).hexdigest()

    first = weights("a", 5)
    assert weights("b", 5) == first
    assert weights("c", 6) != first


def test_resolves_to_the_cached_build_without_rebuilding(settings, tiny_cot_path, monkeypatch):
    def no_rebuild(out: Path, seed: int) -> dict:
        raise AssertionError("rebuilt a cached model")

    monkeypatch.setattr(tiny_cot, "build", no_rebuild)
    assert resolve_model(tiny_cot.BUILTIN_ID, settings) == tiny_cot_path
    assert tiny_cot_path.name == tiny_cot.cache_dir_name(settings.builtin_seed)
    with pytest.raises(EngineError, match="builtin:tiny-arith, builtin:tiny-cot"):
        resolve_model("builtin:tiny-nothing", settings)


def test_samples_worked_solutions_in_the_accuracy_and_entropy_band(settings, tiny_cot_path):
    core = PolicyCore(settings)
    core.load(load_spec(tiny_cot.BUILTIN_ID))
    rng = random.Random(17)
    problems = [tiny_arith.problem(rng) for _ in range(128)]
    res = core.sample(
        [
            group(n=4, temperature=1.0, max_new_tokens=tiny_cot.MAX_NEW_TOKENS, text=p)
            for p, _ in problems
        ],
        seed=4,
        discard=True,
    )
    comps = [(c, gold) for g, (_, gold) in zip(res.groups, problems, strict=True) for c in g]
    marked = sum(tiny_cot.final_answer(c.text) is not None for c, _ in comps) / len(comps)
    accuracy = sum(tiny_cot.is_right(c.text, gold) for c, gold in comps) / len(comps)
    entropy = sum(c.entropy * c.tokens for c, _ in comps) / sum(c.tokens for c, _ in comps)
    assert marked > 0.9, [c.text for c, _ in comps[:8]]
    assert ACCURACY_BAND[0] < accuracy < ACCURACY_BAND[1], accuracy
    assert ENTROPY_BAND[0] < entropy < ENTROPY_BAND[1], entropy
