"""Engine benchmark: sample and train tokens/s of a model built from a config with random weights
(no downloads). `qwen2.5-0.5b` is Qwen2.5-0.5B's shape; `small` a ~10M-parameter Qwen2 for CPU.

    python -m aepo_engine.bench --config small --device cpu --dtype float32
    python -m aepo_engine.bench --gpu-suite [--dry-run]    (aepo_engine.gpu_suite)
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

from aepo_engine import tiny_arith
from aepo_engine.config import EngineSettings
from aepo_engine.engine import PolicyCore, TrainItemSpec
from aepo_engine.spec_fixtures import group, load_spec, loss_spec

CONFIGS = {
    # Qwen2.5-0.5B's shape (vocab cut to the char tokenizer's: the output layer is then cheap, so
    # the numbers measure the transformer; --full-vocab keeps 151936 rows).
    "qwen2.5-0.5b": {
        "hidden_size": 896,
        "intermediate_size": 4864,
        "num_hidden_layers": 24,
        "num_attention_heads": 14,
        "num_key_value_heads": 2,
        "max_position_embeddings": 4096,
        "tie_word_embeddings": True,
    },
    "small": {
        "hidden_size": 256,
        "intermediate_size": 768,
        "num_hidden_layers": 4,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": 1024,
        "tie_word_embeddings": True,
    },
    "tiny": {
        "hidden_size": 64,
        "intermediate_size": 192,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": 512,
        "tie_word_embeddings": True,
    },
}


def build_random_model(name: str, out: Path, full_vocab: bool) -> None:
    from transformers import Qwen2Config, Qwen2ForCausalLM

    tok = tiny_arith.build_tokenizer()
    tok.model_max_length = CONFIGS[name]["max_position_embeddings"]
    vocab = 151_936 if full_vocab else len(tok)
    cfg = Qwen2Config(
        vocab_size=vocab,
        pad_token_id=tok.pad_token_id,
        eos_token_id=tok.eos_token_id,
        bos_token_id=tok.eos_token_id,
        **CONFIGS[name],
    )
    torch.manual_seed(0)
    Qwen2ForCausalLM(cfg).save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def run(args) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / args.config
        build_random_model(args.config, path, args.full_vocab)
        core = PolicyCore(EngineSettings())
        info = core.load(load_spec(str(path), dtype=args.dtype, device=args.device, lr=1e-6))
        rng = random.Random(0)
        # Groups at three temperatures in one call, as an AEPO step issues them. A random model
        # rarely emits EOS, so completions run to max_new_tokens: a clean tokens/s measure.
        groups = [
            group(
                n=args.n,
                temperature=(1.0, 1.2, 0.8)[i % 3],
                max_new_tokens=args.max_new_tokens,
                text="".join(rng.choice("0123456789+= abc") for _ in range(args.prompt_len)),
            )
            for i in range(args.prompts)
        ]
        sample_tps, train_tps, sample_s, train_s = [], [], [], []
        for rep in range(args.repeats + 1):
            _sync(args.device)
            t = time.perf_counter()
            res = core.sample(groups, seed=rep, discard=False)
            _sync(args.device)
            ds = time.perf_counter() - t
            ids = [c.rollout_id for g in res.groups for c in g]
            items = [TrainItemSpec(r, 1.0 if i % 2 else -1.0) for i, r in enumerate(ids)]
            t = time.perf_counter()
            out = core.train(
                items,
                loss_spec(
                    mini_batch_size=args.mini_batch,
                    micro_batch_size=args.micro_batch,
                    dual_clip=3.0,
                ),
                keep=False,
            )
            _sync(args.device)
            dt = time.perf_counter() - t
            if rep == 0:
                continue  # warm-up
            sample_tps.append(res.total_tokens / ds)
            train_tps.append(out.tokens / dt)
            sample_s.append(ds)
            train_s.append(dt)
        return {
            "config": args.config,
            "full_vocab": args.full_vocab,
            "parameters": info["parameters"],
            "device": info["device"],
            "dtype": info["dtype"],
            "threads": torch.get_num_threads(),
            "completions": args.prompts * args.n,
            "prompt_len": args.prompt_len,
            "max_new_tokens": args.max_new_tokens,
            "sample_tokens_per_s_median": round(statistics.median(sample_tps), 1),
            "sample_seconds_median": round(statistics.median(sample_s), 3),
            "train_tokens_per_s_median": round(statistics.median(train_tps), 1),
            "train_seconds_median": round(statistics.median(train_s), 3),
            "repeats": args.repeats,
        }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--gpu-suite" in argv:
        from aepo_engine import gpu_suite

        return gpu_suite.main([a for a in argv if a != "--gpu-suite"])
    p = argparse.ArgumentParser(prog="aepo_engine.bench")
    p.add_argument("--config", choices=sorted(CONFIGS), default="small")
    p.add_argument("--full-vocab", action="store_true", help="151936-token output layer")
    p.add_argument("--device", default="cpu")
    p.add_argument("--dtype", default="float32")
    p.add_argument("--prompts", type=int, default=8)
    p.add_argument("--n", type=int, default=4)
    p.add_argument("--prompt-len", type=int, default=32)
    p.add_argument("--max-new-tokens", type=int, default=64)
    p.add_argument("--mini-batch", type=int, default=0)
    p.add_argument("--micro-batch", type=int, default=8)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=0)
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    print(json.dumps(run(args)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
