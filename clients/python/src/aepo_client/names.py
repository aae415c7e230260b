"""AIP-122 resource names as the client takes them: a full name, or a bare id the client expands.

Ids are UUIDs, unique across projects, so `projects/-/jobs/{job}` (`-` for the caller's project) names a
job as well as `projects/{project}/jobs/{job}` does; a bare `{job}` becomes the former. This mirrors
the CLI (and libs/contracts/src/resource-names.ts, the one parser of the server).
"""

from __future__ import annotations

import re

# The collections of each kind, outermost first.
_COLLECTIONS = {
    "job": ("projects", "jobs"),
    "dataset": ("projects", "datasets"),
}
WILDCARD = "-"
# An id segment: no slash, printable ASCII without spaces (UUIDs, step numbers, `-`).
_ID = r"[\x21-\x2e\x30-\x7e]{1,200}"


def expand_name(kind: str, name_or_id: str) -> str:
    """The resource name of `kind` (`job`, `dataset`) for a full name or a bare id.

    A full name is returned as it is; a bare id is put under wildcard parents
    (`abc` -> `projects/-/jobs/abc`). Raises ValueError for a name of another shape.
    """
    collections = _COLLECTIONS[kind]
    typed = name_or_id.strip()
    if "/" not in typed:
        if not re.fullmatch(_ID, typed):
            raise ValueError(f"expected a {kind} id or name, got {name_or_id!r}")
        return "/".join(
            f"{c}/{WILDCARD if i < len(collections) - 1 else typed}" for i, c in enumerate(collections)
        )
    if not re.fullmatch("/".join(f"{c}/{_ID}" for c in collections), typed):
        example = "/".join(f"{c}/{{{c[:-1]}}}" for c in collections)
        raise ValueError(f"expected a {kind} id or a name like {example}, got {name_or_id!r}")
    return typed


def job_name(job: str) -> str:
    """`projects/{project}/jobs/{job}` for a job's name or bare id."""
    return expand_name("job", job)


def dataset_name(dataset: str) -> str:
    """`projects/{project}/datasets/{dataset}` for a dataset's name or bare id."""
    return expand_name("dataset", dataset)


def last_id(name: str) -> str:
    """The innermost id of a name (`{job}` of `projects/{project}/jobs/{job}`)."""
    return name.rsplit("/", 1)[-1]
