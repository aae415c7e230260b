"""Command line: `python -m aepo_engine serve --address ...` (or `torchrun --nproc-per-node N -m
aepo_engine serve ...`: N engine ranks, distributed/), `build-tiny-arith` and `build-tiny-cot`."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os

import torch

from aepo_engine.config import EngineSettings
from aepo_engine.models import BUILTINS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="aepo_engine")
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve", help="serve aepo.engine.v1.PolicyEngine over gRPC")
    p_serve.add_argument(
        "--address", required=True, help="unix:///path/to.sock or 127.0.0.1:PORT (0: any free)"
    )
    p_serve.add_argument(
        "--exit-with-parent",
        action="store_true",
        help="exit when the parent closes stdin or dies (the executor passes this)",
    )
    # `build-<name>` for each built-in model `builtin:<name>`.
    for builtin_id in BUILTINS:
        name = builtin_id.removeprefix("builtin:")
        p_build = sub.add_parser(f"build-{name}", help=f"build {builtin_id} into the cache")
        p_build.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    settings = EngineSettings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if settings.threads > 0:
        torch.set_num_threads(settings.threads)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

    if args.command.startswith("build-"):
        builtin = BUILTINS[f"builtin:{args.command.removeprefix('build-')}"]
        path = builtin.ensure_built(settings.model_cache, args.seed)
        stats = json.loads((path / builtin.STATS_FILE).read_text())
        print(json.dumps({"path": str(path), **stats}))
        return 0

    from aepo_engine.distributed.launch import serve_ranks, world_size

    if world_size() > 1:  # started by torchrun as one of N engine ranks
        return serve_ranks(args.address, settings, args.exit_with_parent)
    from aepo_engine.server import serve

    asyncio.run(serve(args.address, settings, exit_with_parent=args.exit_with_parent))
    return 0
