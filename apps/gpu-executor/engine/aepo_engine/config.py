"""Typed engine settings, read once from the environment (prefix AEPO_ENGINE_)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _repo_root() -> Path:
    # apps/gpu-executor/engine/aepo_engine/config.py -> repository root, four levels up.
    return Path(__file__).resolve().parents[4]


class EngineSettings(BaseSettings):
    """Engine settings. Every field is overridable as AEPO_ENGINE_<FIELD>."""

    model_config = SettingsConfigDict(env_prefix="AEPO_ENGINE_", frozen=True)

    model_cache: Path = Field(
        default_factory=lambda: _repo_root() / ".cache" / "models",
        description="Where built-in models (builtin:tiny-arith) are built once and cached.",
    )
    builtin_seed: int = Field(
        default=0,
        ge=0,
        description="Build seed of the built-in models; another seed builds (and caches) another "
        "warm start, as a fresh machine would (for measuring a test's spread over models).",
    )
    model_dir: Path | None = Field(
        default=None,
        description="Folder in which relative model ids (e.g. Qwen/Qwen2.5-Math-7B) are resolved.",
    )
    rollout_max: int = Field(
        default=65_536, ge=1, description="Most rollouts held; the oldest are evicted beyond it."
    )
    rollout_max_tokens: int = Field(
        default=64_000_000,
        ge=1,
        description="Most tokens (prompt + completion) held by rollouts; oldest evicted beyond it.",
    )
    rollout_ttl_seconds: float = Field(
        default=3600.0, gt=0, description="Rollouts older than this are dropped (NOT_FOUND)."
    )
    loss_chunk_elements: int = Field(
        default=1 << 26,
        ge=1,
        description="Most fp32 logits (rows x vocabulary) the loss materialises at once (256 MB).",
    )
    threads: int = Field(
        default=0, ge=0, description="torch intra-op threads on CPU; 0 keeps torch's default."
    )
    grace_seconds: float = Field(
        default=10.0, ge=0, description="On SIGTERM, how long running calls may finish."
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
