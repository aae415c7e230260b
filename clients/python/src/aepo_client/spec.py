"""A JobSpec from what a pipeline has at hand: a dict, a JSON/YAML file, or a JobSpec already.

The mapping is protobuf's JSON mapping, the same the CLI's `--spec` file takes: camelCase or snake_case
field names, enum values by name, unset fields left to the server's defaults.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from aepo.v1 import job_pb2

SpecSource = job_pb2.JobSpec | Mapping[str, Any] | str | Path


class SpecError(ValueError):
    """The spec could not be read or does not match the JobSpec message (the field is named)."""


def load_spec(source: SpecSource) -> job_pb2.JobSpec:
    """A JobSpec from a message, a mapping, or the path of a `.json`, `.yaml` or `.yml` file."""
    if isinstance(source, job_pb2.JobSpec):
        return source
    if isinstance(source, Mapping):
        return _from_mapping(source, "spec")
    return _from_mapping(_read_file(Path(source)), str(source))


def _read_file(path: Path) -> Mapping[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise SpecError(f"cannot read the spec file {path}: {err.strerror}") from err
    try:
        if path.suffix in (".yaml", ".yml"):
            try:
                import yaml
            except ImportError as err:
                raise SpecError(f"{path}: YAML specs need PyYAML (pip install pyyaml)") from err
            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except (json.JSONDecodeError, ValueError) as err:
        if isinstance(err, SpecError):
            raise
        raise SpecError(f"{path} is not valid {path.suffix.lstrip('.') or 'JSON'}: {err}") from err
    if not isinstance(data, Mapping):
        raise SpecError(f"{path}: a JobSpec is an object, got {type(data).__name__}")
    return data


def _from_mapping(data: Mapping[str, Any], where: str) -> job_pb2.JobSpec:
    try:
        return json_format.ParseDict(dict(data), job_pb2.JobSpec())
    except json_format.ParseError as err:
        # protobuf names the offending field path ("Failed to parse optimization field: ...").
        raise SpecError(f"{where}: {err}") from err
