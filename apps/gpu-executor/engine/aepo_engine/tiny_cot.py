"""builtin:tiny-cot: tiny-arith's model family (character tokenizer, ~100k-parameter Qwen2) warm-started
to answer `a+b=` with a short worked solution in varied wording, then the answer on a GSM8K line:

    7+8=15; 3+4+1=8\\n#### 85      ones 15, tens 8\\n####85      48 + 37 makes 85\\n#### 85      so 85\\n#### 85

Only the number after `####` decides correctness (the `math` grader of libs/rewards reads it); the
template, the order of the terms, the spacing, the connectives and the synonyms are free tokens, the
way most of a reasoning model's tokens are. That gives RL far more entropy it can move without
changing the answer than tiny-arith's leading spaces and zeros. Same prompts (so the same datasets),
built deterministically from a seed, once, into the model cache.
"""

from __future__ import annotations

import random
from pathlib import Path

from aepo_engine import tiny_arith, warm_start

BUILTIN_ID = "builtin:tiny-cot"
# Bump when the recipe changes: a new folder name rebuilds instead of reusing a stale cache.
RECIPE_VERSION = "v1"
DEFAULT_SEED = 0
STATS_FILE = "tiny_cot.json"
# The longest completion the generator writes is 35 characters (plus EOS); 40 leaves a margin.
MAX_NEW_TOKENS = 40

# Warm-start recipe, tuned by hand so that T=1 accuracy lands at 30-60% (measured values:
# docs/benchmarks.md, ## tiny-cot testbed). One thread, as for tiny-arith.
STEPS = 2000
BATCH = 64
LR = 3e-3

# Weighted alternatives; the weights are skewed so the policy has room to raise their entropy too.
TEMPLATES = {"columns": 0.35, "places": 0.2, "restate": 0.25, "short": 0.2}
# Filler before the shorter templates (the column sums are long enough without).
OPENERS = {"": 0.5, "ok ": 0.12, "so ": 0.1, "hm ": 0.1, "um ": 0.08, "now ": 0.05, "well ": 0.05}
CONNECTIVES = {", ": 0.25, "; ": 0.2, " ": 0.15, ",": 0.1, ";": 0.1, " so ": 0.1, " & ": 0.1}
ONES = {"ones ": 0.3, "units ": 0.2, "1s ": 0.2, "o:": 0.15, "u=": 0.15}
TENS = {"tens ": 0.35, "10s ": 0.25, "t:": 0.2, "t=": 0.2}
VERBS = {
    " is ": 0.2,
    "=": 0.2,
    " = ": 0.15,
    " makes ": 0.15,
    " gives ": 0.1,
    " -> ": 0.1,
    ": ": 0.1,
}
LEADS = {"sum ": 0.25, "total ": 0.2, "thus ": 0.15, "= ": 0.15, "that's ": 0.1, "": 0.15}
# Chance of a space on each side of an operator.
OPERATOR_SPACE = 0.35
# Spaces between the `####` marker and the answer (the grader takes any).
MARKER_SPACES = {"": 0.5, " ": 0.5}


def cache_dir_name(seed: int) -> str:
    return f"tiny-cot-{RECIPE_VERSION}-seed{seed}"


def ensure_built(cache: Path, seed: int = DEFAULT_SEED) -> Path:
    """The cached model folder, building it first when absent (warm_start.ensure_built)."""
    return warm_start.ensure_built(cache / cache_dir_name(seed), lambda out: build(out, seed))


def pick(rng: random.Random, options: dict[str, float]) -> str:
    return rng.choices(list(options), list(options.values()))[0]


def operator(rng: random.Random, symbol: str) -> str:
    space = {"": 1 - OPERATOR_SPACE, " ": OPERATOR_SPACE}
    return pick(rng, space) + symbol + pick(rng, space)


def terms(rng: random.Random, *values: int) -> str:
    """`values` summed in a random order (addition commutes, so the order is free)."""
    rest = [str(v) for v in values]
    rng.shuffle(rest)
    out = rest[0]
    for v in rest[1:]:
        out += operator(rng, "+") + v
    return out


def solution(a: int, b: int, rng: random.Random) -> str:
    """A worked solution of a+b in one of the templates, then `\\n####` and the sum."""
    total = a + b
    ones = a % 10 + b % 10
    carry = ones // 10
    tens = a // 10 + b // 10 + carry
    template = pick(rng, TEMPLATES)
    if template == "columns":
        carried = (carry,) if carry else ()
        work = terms(rng, a % 10, b % 10) + operator(rng, "=") + str(ones) + pick(rng, CONNECTIVES)
        work += terms(rng, a // 10, b // 10, *carried) + operator(rng, "=") + str(tens)
    elif template == "places":
        work = pick(rng, OPENERS) + pick(rng, ONES) + str(ones) + pick(rng, CONNECTIVES)
        work += pick(rng, TENS) + str(tens)
    elif template == "restate":
        work = pick(rng, OPENERS) + terms(rng, a, b) + pick(rng, VERBS) + str(total)
    else:
        work = pick(rng, OPENERS) + pick(rng, LEADS) + str(total)
    return work + "\n####" + pick(rng, MARKER_SPACES) + str(total)


def example(rng: random.Random) -> tuple[str, str]:
    a, b = rng.randint(0, 99), rng.randint(0, 99)
    return f"{a}+{b}=", solution(a, b, rng)


def final_answer(completion: str) -> str | None:
    """The text after the last `####` (what the math grader reads), or None without a marker."""
    _, marker, tail = completion.rpartition("####")
    return tail.strip() if marker else None


def is_right(completion: str, gold: int) -> bool:
    """The build's own check: the number after `####` is the sum. Stricter than the math grader,
    which without a marker falls back to the last number in the text."""
    answer = final_answer(completion)
    return answer is not None and answer.isdigit() and int(answer) == gold


def evaluate(model, tokenizer, seed: int, prompts: int = 256, n: int = 2) -> tuple[float, float]:
    """T=1 accuracy (the number after `####`) and mean full-vocabulary entropy per completion token
    (warm_start.evaluate)."""
    return warm_start.evaluate(
        model,
        tokenizer,
        seed,
        tiny_arith.problem,
        is_right,
        max_new_tokens=MAX_NEW_TOKENS,
        prompts=prompts,
        n=n,
    )


def build(out: Path, seed: int = DEFAULT_SEED) -> dict:
    """Builds, warm-starts and saves the model and tokenizer into `out`; returns the build stats."""
    tokenizer = tiny_arith.build_tokenizer()
    return warm_start.build_and_save(
        out,
        recipe=RECIPE_VERSION,
        stats_file=STATS_FILE,
        tokenizer=tokenizer,
        config=tiny_arith.build_config(
            len(tokenizer), tokenizer.pad_token_id, tokenizer.eos_token_id
        ),
        example=example,
        check=evaluate,
        seed=seed,
        steps=STEPS,
        batch=BATCH,
        lr=LR,
    )
