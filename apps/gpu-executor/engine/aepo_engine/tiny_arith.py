"""builtin:tiny-arith: a ~100k-parameter Qwen2 model with a character-level tokenizer, warm-started on
two-number addition so that its T=1 samples are right about half the time and its entropy is clearly
above zero. Built deterministically from a seed, once, into the model cache, in plain HF format.

Task format (fixed by the project): prompt `a+b=` with a, b in [0, 99]; the model answers `a+b` in
one of several equivalent forms (leading spaces and zeros, e.g. `85`, ` 85`, `085`, `  0085`) then EOS.
Those leading characters do not decide correctness, which leaves RL free tokens whose entropy it can
move (AEPO's mechanism needs them; see /work/shared/AEPO.md).
"""

from __future__ import annotations

import random
import string
from pathlib import Path

from aepo_engine import warm_start

BUILTIN_ID = "builtin:tiny-arith"
# Bump when the recipe changes: a new folder name rebuilds instead of reusing a stale cache.
RECIPE_VERSION = "v3"
DEFAULT_SEED = 0
# The build stats, written beside the model.
STATS_FILE = "tiny_arith.json"

PAD, EOS, UNK = "<pad>", "<eos>", "<unk>"
# Printable ASCII (plus newline) keeps any text prompt tokenizable; the task uses 13 of them.
CHARS = [c for c in string.printable if c not in "\t\r\x0b\x0c"]

# Warm-start recipe, tuned by hand so that T=1 accuracy ends near 50% with entropy well above 0
# (measured values: docs/benchmarks.md, ## Engine). One thread: the model is too small for two to
# help, and one thread is steadier on a shared machine.
STEPS = 3400
BATCH = 64
LR = 3e-3
# Probabilities of 0, 1, 2 leading spaces (then, independently, zeros): mostly bare answers, so the
# free tokens carry some entropy without drowning the digits'.
FORM_WEIGHTS = (0.85, 0.10, 0.05)


def cache_dir_name(seed: int) -> str:
    return f"tiny-arith-{RECIPE_VERSION}-seed{seed}"


def ensure_built(cache: Path, seed: int = DEFAULT_SEED) -> Path:
    """The cached model folder, building it first when absent (warm_start.ensure_built: atomic,
    safe when several processes build at once)."""
    return warm_start.ensure_built(cache / cache_dir_name(seed), lambda out: build(out, seed))


def build_tokenizer():
    """A character-level PreTrainedTokenizerFast: every character is one token, decode concatenates."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {PAD: 0, EOS: 1, UNK: 2}
    for c in CHARS:
        vocab[c] = len(vocab)
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token=UNK))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    tok.decoder = decoders.Fuse()
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        pad_token=PAD,
        eos_token=EOS,
        unk_token=UNK,
        clean_up_tokenization_spaces=False,
        model_max_length=64,
    )


def build_config(vocab_size: int, pad_id: int, eos_id: int):
    from transformers import Qwen2Config

    return Qwen2Config(
        vocab_size=vocab_size,
        hidden_size=64,
        intermediate_size=192,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=64,
        tie_word_embeddings=True,
        rope_theta=10000.0,
        pad_token_id=pad_id,
        eos_token_id=eos_id,
        bos_token_id=eos_id,
    )


def answer_form(total: int, rng: random.Random) -> str:
    """One of the equivalent written forms of `total`: 0-2 leading spaces, then 0-2 leading zeros."""
    spaces = rng.choices(range(3), FORM_WEIGHTS)[0]
    zeros = rng.choices(range(3), FORM_WEIGHTS)[0]
    return " " * spaces + "0" * zeros + str(total)


def example(rng: random.Random) -> tuple[str, str]:
    """One training pair: `a+b=` and one written form of the sum."""
    a, b = rng.randint(0, 99), rng.randint(0, 99)
    return f"{a}+{b}=", answer_form(a + b, rng)


def problem(rng: random.Random) -> tuple[str, int]:
    a, b = rng.randint(0, 99), rng.randint(0, 99)
    return f"{a}+{b}=", a + b


def is_right(completion: str, gold: int) -> bool:
    """Any equivalent form of the right sum (leading spaces and zeros)."""
    text = completion.strip()
    return text.isdigit() and int(text) == gold


def evaluate(model, tokenizer, seed: int, prompts: int = 256, n: int = 2) -> tuple[float, float]:
    """T=1 accuracy and mean full-vocabulary entropy per response token (warm_start.evaluate)."""
    return warm_start.evaluate(
        model, tokenizer, seed, problem, is_right, max_new_tokens=8, prompts=prompts, n=n
    )


def build(out: Path, seed: int = DEFAULT_SEED) -> dict:
    """Builds, warm-starts and saves the model and tokenizer into `out`; returns the build stats."""
    tokenizer = build_tokenizer()
    return warm_start.build_and_save(
        out,
        recipe=RECIPE_VERSION,
        stats_file=STATS_FILE,
        tokenizer=tokenizer,
        config=build_config(len(tokenizer), tokenizer.pad_token_id, tokenizer.eos_token_id),
        example=example,
        check=evaluate,
        seed=seed,
        steps=STEPS,
        batch=BATCH,
        lr=LR,
    )
