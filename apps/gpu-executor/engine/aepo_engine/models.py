"""Resolving model ids to HF folders and loading them (the same path for built-in and real models)."""

from __future__ import annotations

import json
from pathlib import Path

import grpc
import torch

from aepo_engine import tiny_arith, tiny_cot
from aepo_engine.config import EngineSettings
from aepo_engine.errors import EngineError, invalid, not_found, precondition
from aepo_engine.hf_hub import HF_PREFIX, resolve_hf

# Tokenizer classes that mean "the tokenizer.json as is": transformers 5's AutoTokenizer would map
# them to the architecture's own tokenizer class (Qwen2Tokenizer), which ignores a custom pipeline.
GENERIC_TOKENIZER_CLASSES = {"TokenizersBackend", "PreTrainedTokenizerFast"}

# The built-in models by id: each module builds its model once into the cache (ensure_built).
BUILTINS = {m.BUILTIN_ID: m for m in (tiny_arith, tiny_cot)}


def resolve_model(model: str, settings: EngineSettings) -> Path:
    """The HF folder of a model id: builtin:tiny-arith / builtin:tiny-cot (built once into the
    cache), hf:org/name[@rev]
    (hf_hub.resolve_hf), an absolute folder, or an id inside settings.model_dir."""
    if not model:
        raise invalid("model", "required")
    if model.startswith(HF_PREFIX):
        return resolve_hf(model, settings.model_dir)
    if model.startswith("builtin:"):
        builtin = BUILTINS.get(model)
        if builtin is None:
            known = ", ".join(sorted(BUILTINS))
            raise not_found(f"unknown built-in model {model!r} (known: {known})")
        return builtin.ensure_built(settings.model_cache, settings.builtin_seed)
    path = Path(model)
    if not path.is_absolute():
        if settings.model_dir is None:
            raise not_found(
                f"model {model!r}: not an absolute folder and AEPO_ENGINE_MODEL_DIR is not set"
            )
        if ".." in path.parts:
            raise invalid("model", "must not contain '..'")
        path = settings.model_dir / path
    if not (path / "config.json").is_file():
        raise not_found(f"model {model!r}: no config.json in {path}")
    return path


def pick_device(device: str) -> torch.device:
    if not device:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError) as e:
        raise invalid("device", f"unknown device {device!r}") from e
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise precondition(f"device {device!r}: CUDA is not available on this machine")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise invalid("device", f"{device!r}: only {torch.cuda.device_count()} CUDA devices")
    elif dev.type != "cpu":
        raise invalid("device", f"unsupported device type {dev.type!r} (cpu, cuda)")
    return dev


def load_tokenizer(path: Path):
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    cfg_file = path / "tokenizer_config.json"
    declared = None
    if cfg_file.is_file():
        declared = json.loads(cfg_file.read_text()).get("tokenizer_class")
    if declared in GENERIC_TOKENIZER_CLASSES and (path / "tokenizer.json").is_file():
        tok = PreTrainedTokenizerFast.from_pretrained(path)
    else:
        tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
    if tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    return tok


def load_model(path: Path, dtype: torch.dtype, device: torch.device):
    from transformers import AutoModelForCausalLM

    try:
        model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype, local_files_only=True)
    except (OSError, ValueError) as e:
        raise EngineError(
            grpc.StatusCode.INVALID_ARGUMENT, f"model: cannot load {path}: {e}"
        ) from e
    return model.to(device)


def eos_ids(model, tokenizer) -> list[int]:
    ids: set[int] = set()
    for src in (model.config, getattr(model, "generation_config", None)):
        val = getattr(src, "eos_token_id", None) if src is not None else None
        if isinstance(val, int):
            ids.add(val)
        elif isinstance(val, list | tuple):
            ids.update(int(v) for v in val)
    if tokenizer.eos_token_id is not None:
        ids.add(int(tokenizer.eos_token_id))
    return sorted(ids)
