"""`hf:org/name[@revision]` model ids: a local folder first, then the Hugging Face cache, then a
download (unless the pod is offline)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from aepo_engine.errors import invalid, not_found

HF_PREFIX = "hf:"
_REPO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")
_REVISION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$")
# What a causal LM needs to load; skips other frameworks' weights and pickled .bin files.
DOWNLOAD_PATTERNS = ["*.json", "*.safetensors", "*.txt", "*.model", "*.tiktoken", "*.jinja"]


def parse_hf_id(model: str) -> tuple[str, str | None]:
    """`hf:org/name[@revision]` -> (org/name, revision or None), INVALID_ARGUMENT when malformed."""
    body = model.removeprefix(HF_PREFIX)
    repo, _, revision = body.partition("@")
    if not _REPO_RE.match(repo) or ".." in repo:
        raise invalid("model", f"{model!r}: expected hf:org/name[@revision]")
    if revision and (not _REVISION_RE.match(revision) or ".." in revision):
        raise invalid("model", f"{model!r}: bad revision {revision!r}")
    return repo, revision or None


def hub_cache_dir() -> Path:
    """The hub cache as huggingface_hub places it, read now (not at import): HF_HUB_CACHE, else
    HF_HOME/hub, else ~/.cache/huggingface/hub."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    home = os.environ.get("HF_HOME") or str(Path.home() / ".cache" / "huggingface")
    return Path(home) / "hub"


def offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def resolve_hf(model: str, model_dir: Path | None) -> Path:
    """The folder of an hf: model: model_dir/org/name[@revision] when present, else the cached snapshot
    of that revision (default `main`), else a download into the cache (never with HF_HUB_OFFLINE=1)."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    repo, revision = parse_hf_id(model)
    if model_dir is not None:
        local = model_dir / (f"{repo}@{revision}" if revision else repo)
        if (local / "config.json").is_file():
            return local
    cache = hub_cache_dir()
    try:
        path = snapshot_download(repo, revision=revision, cache_dir=cache, local_files_only=True)
        if (Path(path) / "config.json").is_file():
            return Path(path)
    except LocalEntryNotFoundError:
        pass
    where = f"{model_dir}/{repo} nor " if model_dir is not None else ""
    if offline():
        raise not_found(
            f"model {model!r}: not in {where}the Hugging Face cache {cache}, and HF_HUB_OFFLINE=1 "
            "forbids a download"
        )
    try:
        path = snapshot_download(
            repo, revision=revision, cache_dir=cache, allow_patterns=DOWNLOAD_PATTERNS
        )
    except Exception as e:  # any hub failure means the model cannot be had
        raise not_found(f"model {model!r}: download from the Hugging Face Hub failed: {e}") from e
    if not (Path(path) / "config.json").is_file():
        raise not_found(f"model {model!r}: the repository has no config.json")
    return Path(path)
