"""builtin:tiny-arith: a ~100k-parameter Qwen2 model with a character-level tokenizer, warm-started on
two-number addition so that its T=1 samples are right about half the time and its entropy is clearly
above zero. Built deterministically from a seed, once, into the model cache, in plain HF format.

Task format (fixed by the project): prompt `a+b=` with a, b in [0, 99]; the model answers `a+b` in
one of several equivalent forms (leading spaces and zeros, e.g. `85`, ` 85`, `085`, `  0085`) then EOS.
Those leading characters do not decide correctness, which leaves RL free tokens whose entropy it can
move (AEPO's mechanism needs them; see /work/shared/AEPO.md).
"""

from __future__ import annotations

import json
import logging
import os
import random
import shutil
import string
import tempfile
import time
from pathlib import Path

import torch

log = logging.getLogger(__name__)

BUILTIN_ID = "builtin:tiny-arith"
# Bump when the recipe changes: a new folder name rebuilds instead of reusing a stale cache.
RECIPE_VERSION = "v3"
DEFAULT_SEED = 0

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
    """The cached model folder, building it first when absent. Safe when several processes build at
    once: each builds into its own temporary folder and renames it into place; the loser discards
    its copy."""
    target = cache / cache_dir_name(seed)
    if (target / "config.json").exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=cache))
    try:
        build(tmp, seed)
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / "config.json").exists():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


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


def make_batch(rng: random.Random, tokenizer, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded input ids and labels (-100 on prompt and padding: only answers are learned)."""
    rows, labels = [], []
    for _ in range(n):
        a, b = rng.randint(0, 99), rng.randint(0, 99)
        prompt = tokenizer.encode(f"{a}+{b}=", add_special_tokens=False)
        answer = tokenizer.encode(answer_form(a + b, rng), add_special_tokens=False)
        answer.append(tokenizer.eos_token_id)
        rows.append(prompt + answer)
        labels.append([-100] * len(prompt) + answer)
    width = max(len(r) for r in rows)
    ids = torch.full((n, width), tokenizer.pad_token_id, dtype=torch.long)
    lab = torch.full((n, width), -100, dtype=torch.long)
    for i, (r, lb) in enumerate(zip(rows, labels, strict=True)):
        ids[i, : len(r)] = torch.tensor(r)
        lab[i, : len(lb)] = torch.tensor(lb)
    return ids, lab


def evaluate(model, tokenizer, seed: int, prompts: int = 256, n: int = 2) -> tuple[float, float]:
    """T=1 accuracy (any equivalent form of the right sum) and mean full-vocabulary entropy per
    response token, on `prompts` fresh problems x n samples."""
    from aepo_engine.sampling import RowSpec, sample_rows

    rng = random.Random(seed + 1_000_003)
    rows, golds = [], []
    for _ in range(prompts):
        a, b = rng.randint(0, 99), rng.randint(0, 99)
        ids = tokenizer.encode(f"{a}+{b}=", add_special_tokens=False)
        rows += [RowSpec(ids, 1.0, 1.0, 8, ())] * n
        golds += [a + b] * n
    out = sample_rows(
        model, tokenizer, rows, [tokenizer.eos_token_id], tokenizer.pad_token_id, seed
    )
    right = tokens = 0
    entropy = 0.0
    for r, gold in zip(out, golds, strict=True):
        text = tokenizer.decode(r.token_ids.tolist(), skip_special_tokens=True).strip()
        right += text.isdigit() and int(text) == gold
        entropy += float(r.entropies.sum())
        tokens += int(r.token_ids.numel())
    return right / len(rows), entropy / max(tokens, 1)


def build(out: Path, seed: int = DEFAULT_SEED) -> dict:
    """Builds, warm-starts and saves the model and tokenizer into `out`; returns the build stats."""
    from transformers import Qwen2ForCausalLM

    started = time.monotonic()
    tokenizer = build_tokenizer()
    config = build_config(len(tokenizer), tokenizer.pad_token_id, tokenizer.eos_token_id)
    rng_state = torch.random.get_rng_state()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    try:
        model = Qwen2ForCausalLM(config)
        model.train()
        opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.0)
        data_rng = random.Random(seed)
        for step in range(STEPS):
            ids, labels = make_batch(data_rng, tokenizer, BATCH)
            out_ = model(input_ids=ids, attention_mask=(ids != tokenizer.pad_token_id).long())
            logits = out_.logits[:, :-1].float()
            loss = torch.nn.functional.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), labels[:, 1:].reshape(-1), ignore_index=-100
            )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            # Linear decay keeps the end of the short run from bouncing.
            for group in opt.param_groups:
                group["lr"] = LR * (1.0 - step / STEPS)
            opt.step()
    finally:
        torch.random.set_rng_state(rng_state)
        torch.set_num_threads(threads)
    model.eval()
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    accuracy, entropy = evaluate(model, tokenizer, seed)
    stats = {
        "recipe": RECIPE_VERSION,
        "t1_accuracy": round(accuracy, 4),
        "t1_entropy": round(entropy, 4),
        "seed": seed,
        "steps": STEPS,
        "final_loss": float(loss.item()),
        "parameters": sum(p.numel() for p in model.parameters()),
        "build_seconds": round(time.monotonic() - started, 2),
    }
    (out / "tiny_arith.json").write_text(json.dumps(stats, indent=2) + "\n")
    log.info("built %s in %.1fs", out, stats["build_seconds"])
    return stats
