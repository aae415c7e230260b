"""Shared pytest fixtures: a random tiny Qwen2 model (instant), builtin:tiny-arith and builtin:tiny-cot
(each built once into the shared model cache, reused across runs)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from aepo_engine import tiny_arith, tiny_cot
from aepo_engine.config import EngineSettings
from aepo_engine.engine import PolicyCore
from aepo_engine.spec_fixtures import load_spec

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


@pytest.fixture(scope="session")
def random_model_path(tmp_path_factory) -> Path:
    """A randomly initialised tiny-arith-shaped Qwen2 model with the char tokenizer, in HF format."""
    from transformers import Qwen2ForCausalLM

    out = tmp_path_factory.mktemp("random-qwen2")
    tok = tiny_arith.build_tokenizer()
    torch.manual_seed(1)
    model = Qwen2ForCausalLM(tiny_arith.build_config(len(tok), tok.pad_token_id, tok.eos_token_id))
    model.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    return out


@pytest.fixture(scope="session")
def settings() -> EngineSettings:
    return EngineSettings()


@pytest.fixture(scope="session")
def tiny_arith_path(settings) -> Path:
    return tiny_arith.ensure_built(settings.model_cache)


@pytest.fixture(scope="session")
def tiny_cot_path(settings) -> Path:
    return tiny_cot.ensure_built(settings.model_cache, settings.builtin_seed)


@pytest.fixture
def core(settings, random_model_path) -> PolicyCore:
    c = PolicyCore(settings)
    c.load(load_spec(str(random_model_path), lr=1e-3))
    return c
