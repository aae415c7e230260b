"""What the built-in models (tiny_arith, tiny_cot) share: building once into the model cache, the
supervised warm start on a generator of (prompt, completion) pairs, and the T=1 check of the result.
Each built-in module supplies its own generator, recipe and grader."""

from __future__ import annotations

import json
import logging
import os
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch

log = logging.getLogger(__name__)

# One (prompt, completion) pair drawn from the task's distribution; the completion has no EOS.
Example = Callable[[random.Random], tuple[str, str]]
# One problem to check: its prompt and the gold answer the grader compares with.
Problem = Callable[[random.Random], tuple[str, int]]


def ensure_built(target: Path, build: Callable[[Path], object]) -> Path:
    """The cached model folder `target`, built first by `build(folder)` when absent. Safe when
    several processes build at once: each builds into its own temporary folder and renames it into
    place; the loser discards its copy."""
    if (target / "config.json").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        build(tmp)
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / "config.json").exists():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def make_batch(
    rng: random.Random, tokenizer, n: int, example: Example
) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded input ids and labels (-100 on prompt and padding: only completions are learned)."""
    rows, labels = [], []
    for _ in range(n):
        prompt_text, completion = example(rng)
        prompt = tokenizer.encode(prompt_text, add_special_tokens=False)
        answer = tokenizer.encode(completion, add_special_tokens=False)
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


def train(config, tokenizer, example: Example, *, seed: int, steps: int, batch: int, lr: float):
    """A Qwen2 model of `config` initialised from `seed`, then warm-started on `example` on one
    thread with AdamW and a linearly decaying learning rate (the global torch RNG and thread count
    are restored afterwards). Returns the model (in eval mode) and the last step's loss."""
    from transformers import Qwen2ForCausalLM

    rng_state = torch.random.get_rng_state()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    loss = torch.zeros(())
    try:
        # Initialised under the seed, so the build is a function of it.
        model = Qwen2ForCausalLM(config)
        model.train()
        opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
        data_rng = random.Random(seed)
        for step in range(steps):
            ids, labels = make_batch(data_rng, tokenizer, batch, example)
            out = model(input_ids=ids, attention_mask=(ids != tokenizer.pad_token_id).long())
            logits = out.logits[:, :-1].float()
            loss = torch.nn.functional.cross_entropy(
                logits.reshape(-1, logits.shape[-1]), labels[:, 1:].reshape(-1), ignore_index=-100
            )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            # Linear decay keeps the end of the short run from bouncing.
            for group in opt.param_groups:
                group["lr"] = lr * (1.0 - step / steps)
            opt.step()
    finally:
        torch.random.set_rng_state(rng_state)
        torch.set_num_threads(threads)
    model.eval()
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    return model, float(loss.item())


def evaluate(
    model,
    tokenizer,
    seed: int,
    problem: Problem,
    is_right: Callable[[str, int], bool],
    *,
    max_new_tokens: int,
    prompts: int = 256,
    n: int = 2,
) -> tuple[float, float]:
    """T=1 accuracy (`is_right(decoded completion, gold)`) and mean full-vocabulary entropy per
    completion token, on `prompts` fresh problems x n samples."""
    from aepo_engine.sampling import RowSpec, sample_rows

    rng = random.Random(seed + 1_000_003)
    rows, golds = [], []
    for _ in range(prompts):
        prompt, gold = problem(rng)
        ids = tokenizer.encode(prompt, add_special_tokens=False)
        rows += [RowSpec(ids, 1.0, 1.0, max_new_tokens, ())] * n
        golds += [gold] * n
    out = sample_rows(
        model, tokenizer, rows, [tokenizer.eos_token_id], tokenizer.pad_token_id, seed
    )
    right = tokens = 0
    entropy = 0.0
    for r, gold in zip(out, golds, strict=True):
        right += is_right(tokenizer.decode(r.token_ids.tolist(), skip_special_tokens=True), gold)
        entropy += float(r.entropies.sum())
        tokens += int(r.token_ids.numel())
    return right / len(rows), entropy / max(tokens, 1)


def build_and_save(
    out: Path,
    *,
    recipe: str,
    stats_file: str,
    tokenizer,
    config,
    example: Example,
    check: Callable[..., tuple[float, float]],
    seed: int,
    steps: int,
    batch: int,
    lr: float,
) -> dict:
    """Warm-starts a model (train), saves it and its tokenizer into `out` in HF format, checks it at
    T=1 (`check(model, tokenizer, seed)` -> accuracy, entropy) and writes the build stats beside it
    as `stats_file`; returns the stats."""
    started = time.monotonic()
    model, final_loss = train(
        config, tokenizer, example, seed=seed, steps=steps, batch=batch, lr=lr
    )
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    accuracy, entropy = check(model, tokenizer, seed)
    stats = {
        "recipe": recipe,
        "t1_accuracy": round(accuracy, 4),
        "t1_entropy": round(entropy, 4),
        "seed": seed,
        "steps": steps,
        "final_loss": final_loss,
        "parameters": sum(p.numel() for p in model.parameters()),
        "build_seconds": round(time.monotonic() - started, 2),
    }
    (out / stats_file).write_text(json.dumps(stats, indent=2) + "\n")
    log.info("built %s in %.1fs", out, stats["build_seconds"])
    return stats
