"""GPU suite of issue [Real models]: does a step of the reference batch fit, at what peak memory and
tokens/s, for full fine-tuning (bf16-mixed) and LoRA, on random-init models of Qwen2.5-1.5B's and
Qwen2.5-7B's shapes (full vocabulary); plus a learning check: builtin:tiny-arith trained with
bf16-mixed against fp32 (accuracy curves).

    npm run bench:engine -- --gpu-suite              # on a CUDA machine (minutes per model)
    npm run bench:engine -- --gpu-suite --dry-run    # tiny shapes on CPU: checks the script runs

Prints one JSON object. Train is measured on one optimizer step of the reference mini-batch
(128 prompts x 5 completions of `--completion-tokens` tokens, synthetic token ids); Sample on
`--sample-completions` completions of the same length.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import shutil
import tempfile
import time
from pathlib import Path

import torch

from aepo_engine import tiny_arith
from aepo_engine.config import EngineSettings
from aepo_engine.engine import PolicyCore, TrainItemSpec
from aepo_engine.errors import EngineError
from aepo_engine.rollouts import Rollout
from aepo_engine.spec_fixtures import group, load_spec, lora_spec, loss_spec

SHAPES = {
    "qwen2.5-1.5b": {
        "hidden_size": 1536,
        "intermediate_size": 8960,
        "num_hidden_layers": 28,
        "num_attention_heads": 12,
        "num_key_value_heads": 2,
        "vocab_size": 151_936,
        "tie_word_embeddings": True,
        "max_position_embeddings": 4096,
    },
    "qwen2.5-7b": {
        "hidden_size": 3584,
        "intermediate_size": 18944,
        "num_hidden_layers": 28,
        "num_attention_heads": 28,
        "num_key_value_heads": 4,
        "vocab_size": 152_064,
        "tie_word_embeddings": False,
        "max_position_embeddings": 4096,
    },
    # --dry-run: the same code path in seconds on a CPU.
    "dry-run": {
        "hidden_size": 32,
        "intermediate_size": 64,
        "num_hidden_layers": 1,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "vocab_size": 512,
        "tie_word_embeddings": False,
        "max_position_embeddings": 512,
    },
}
LORA = lora_spec(rank=16, alpha=32.0)


def build_random_model(shape: str, out: Path) -> None:
    """A random-init Qwen2 of `shape` in bf16 (the dtype the real checkpoints ship in)."""
    from transformers import Qwen2Config, Qwen2ForCausalLM

    tok = tiny_arith.build_tokenizer()
    cfg = Qwen2Config(
        pad_token_id=tok.pad_token_id,
        eos_token_id=tok.eos_token_id,
        bos_token_id=tok.eos_token_id,
        dtype="bfloat16",
        **SHAPES[shape],
    )
    torch.manual_seed(0)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.bfloat16)
    try:
        Qwen2ForCausalLM(cfg).save_pretrained(out, safe_serialization=True)
    finally:
        torch.set_default_dtype(previous)
    tok.save_pretrained(out)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def measure(path: Path, mode: str, args) -> dict:
    """One configuration: load, sample, train one reference mini-batch; OOM -> fits false."""
    core = PolicyCore(EngineSettings())
    result: dict = {"mode": mode}
    try:
        info = core.load(
            load_spec(
                str(path),
                device=args.device,
                precision="bf16-mixed",
                lr=1e-6,
                grad_clip=1.0,
                lora=LORA if mode == "lora" else None,
            )
        )
        device = core.state.device
        result.update(
            parameters=info["parameters"],
            trainable_parameters=info["trainable_parameters"],
            gradient_checkpointing=info["gradient_checkpointing"],
            max_tokens_per_micro_batch=info["max_tokens_per_micro_batch"],
        )
        rng = random.Random(0)
        prompt = "".join(rng.choice("0123456789+= ") for _ in range(args.prompt_tokens))
        groups = [
            group(n=1, temperature=1.0, max_new_tokens=args.completion_tokens, text=prompt)
            for _ in range(args.sample_completions)
        ]
        _sync(device)
        t = time.perf_counter()
        res = core.sample(groups, seed=0, discard=True)
        _sync(device)
        result["sample_tokens_per_s"] = round(res.total_tokens / (time.perf_counter() - t), 1)

        vocab = info["vocab_size"]
        g = torch.Generator().manual_seed(0)
        ids = []
        for _ in range(args.train_sequences):
            toks = torch.randint(
                3, vocab, (args.prompt_tokens + args.completion_tokens,), generator=g
            )
            p = args.prompt_tokens
            ids.append(core.store.put(Rollout(toks[:p].int(), toks[p:].int(), None)))
        items = [TrainItemSpec(r, 1.0 if i % 2 else -1.0) for i, r in enumerate(ids)]
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        _sync(device)
        t = time.perf_counter()
        out = core.train(items, loss_spec(dual_clip=3.0), keep=False)
        _sync(device)
        dt = time.perf_counter() - t
        result.update(
            fits=True,
            train_tokens_per_s=round(out.tokens / dt, 1),
            train_seconds=round(dt, 2),
            micro_batches=out.micro_batches,
            loss_logits_bytes=out.loss_logits_bytes,
            peak_memory_gib=round(out.peak_memory_bytes / 2**30, 2),
            grad_norm_finite=out.non_finite_steps == 0 and out.grad_norm > 0,
        )
    except EngineError as e:
        if e.code.name != "RESOURCE_EXHAUSTED":
            raise
        result.update(fits=False, error=e.message)
    finally:
        core.state = None
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    return result


def _reward(prompt: str, text: str) -> float:
    a, b = prompt.rstrip("=").split("+")
    return 1.0 if text.strip() == str(int(a) + int(b)) else 0.0


def learning_curve(precision: str, model: str, args) -> list[float]:
    """GRPO on `model` (builtin:tiny-arith; group-normalised rewards): greedy accuracy every few
    steps."""
    core = PolicyCore(EngineSettings())
    core.load(
        load_spec(
            model,
            device=args.device,
            precision=precision,
            lr=args.learn_lr,
            grad_clip=1.0,
        )
    )
    rng = random.Random(1)
    held_out = [f"{rng.randint(0, 99)}+{rng.randint(0, 99)}=" for _ in range(args.eval_prompts)]

    def accuracy() -> float:
        groups = [group(n=1, temperature=0.0, max_new_tokens=6, text=p) for p in held_out]
        res = core.sample(groups, seed=0, discard=True)
        return sum(_reward(p, g[0].text) for p, g in zip(held_out, res.groups, strict=True)) / len(
            held_out
        )

    curve = [accuracy()]
    for step in range(args.learn_steps):
        prompts = [f"{rng.randint(0, 99)}+{rng.randint(0, 99)}=" for _ in range(args.learn_prompts)]
        groups = [group(n=5, temperature=1.0, max_new_tokens=6, text=p) for p in prompts]
        res = core.sample(groups, seed=step, discard=False)
        items = []
        for p, comps in zip(prompts, res.groups, strict=True):
            rewards = torch.tensor([_reward(p, c.text) for c in comps])
            adv = (rewards - rewards.mean()) / (rewards.std() + 1e-6)
            items += [
                TrainItemSpec(c.rollout_id, float(a)) for c, a in zip(comps, adv, strict=True)
            ]
        core.train(items, loss_spec(), keep=False)
        if (step + 1) % args.eval_every == 0:
            curve.append(accuracy())
    return [round(a, 3) for a in curve]


def run(args) -> dict:
    shapes = ["dry-run"] if args.dry_run else args.shapes
    report: dict = {
        "device": torch.cuda.get_device_name(0) if args.device.startswith("cuda") else "cpu",
        "completion_tokens": args.completion_tokens,
        "train_sequences": args.train_sequences,
        "models": {},
    }
    with tempfile.TemporaryDirectory(dir=args.work_dir) as tmp:
        for shape in shapes:
            path = Path(tmp) / shape
            build_random_model(shape, path)
            report["models"][shape] = [measure(path, mode, args) for mode in ("full", "lora")]
            if shape != "dry-run":
                shutil.rmtree(path)
        # The dry run learns on its random model (a smoke test: no tiny-arith build needed).
        model = str(Path(tmp) / "dry-run") if args.dry_run else tiny_arith.BUILTIN_ID
        curves = {p: learning_curve(p, model, args) for p in ("fp32", "bf16-mixed")}
    report["learning"] = {
        "steps": args.learn_steps,
        "eval_every": args.eval_every,
        "accuracy": curves,
        "max_gap": max(abs(a - b) for a, b in zip(*curves.values(), strict=True)),
    }
    return report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="aepo_engine.bench --gpu-suite")
    p.add_argument("--dry-run", action="store_true", help="tiny shapes on CPU (a smoke test)")
    p.add_argument("--shapes", nargs="+", default=["qwen2.5-1.5b", "qwen2.5-7b"], choices=SHAPES)
    p.add_argument("--device", default="")
    p.add_argument("--prompt-tokens", type=int, default=256)
    p.add_argument("--completion-tokens", type=int, default=1024)
    p.add_argument("--train-sequences", type=int, default=640, help="the reference mini-batch")
    p.add_argument("--sample-completions", type=int, default=64)
    p.add_argument("--learn-steps", type=int, default=60)
    p.add_argument("--learn-prompts", type=int, default=32)
    p.add_argument("--learn-lr", type=float, default=1e-5)
    p.add_argument("--eval-every", type=int, default=10)
    p.add_argument("--eval-prompts", type=int, default=200)
    p.add_argument("--work-dir", default=None, help="where the random models are written")
    args = p.parse_args(argv)
    if args.dry_run:
        args.device = args.device or "cpu"
        args.prompt_tokens, args.completion_tokens = 6, 8
        args.train_sequences, args.sample_completions = 4, 2
        args.learn_steps, args.learn_prompts, args.eval_every, args.eval_prompts = 1, 2, 1, 4
    args.device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    print(json.dumps(run(args)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
