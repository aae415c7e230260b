"""Downloads an artifact's files from presigned URLs, verifying each against its manifest entry."""

from __future__ import annotations

import hashlib
import os
import urllib.request
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Protocol

_CHUNK = 1 << 20


class RemoteFile(Protocol):
    path: str
    size_bytes: int
    sha256: str
    url: str


class ArtifactMismatch(Exception):
    """A downloaded file differs from the manifest (size or sha256); it was not kept."""


def download_files(files: Iterable[RemoteFile], dest: Path, *, timeout: float = 60.0) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for f in files:
        _download_one(f, dest, timeout)
    return dest


def _download_one(f: RemoteFile, dest: Path, timeout: float) -> None:
    rel = PurePosixPath(f.path)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise ArtifactMismatch(f"refusing file {f.path!r}: it would land outside {dest}")
    target = dest.joinpath(*rel.parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    size = 0
    try:
        with urllib.request.urlopen(f.url, timeout=timeout) as res, part.open("wb") as out:
            while chunk := res.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        if size != f.size_bytes or digest.hexdigest() != f.sha256:
            raise ArtifactMismatch(
                f"{f.path}: downloaded {size} bytes with sha256 {digest.hexdigest()}, but the manifest "
                f"says {f.size_bytes} bytes with sha256 {f.sha256}; the file was not kept"
            )
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
