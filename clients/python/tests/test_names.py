"""Resource names as the client takes them (no server): full names pass, bare ids are expanded."""

from __future__ import annotations

import pytest

from aepo_client import dataset_name, job_name
from aepo_client.names import last_id

JOB = "projects/p1/jobs/0b9f3c1e-3d5a-4f7e-9c1a-2b3c4d5e6f70"


def test_a_full_name_is_kept_and_a_bare_id_goes_under_the_wildcard_project():
    assert job_name(JOB) == JOB
    assert job_name("  j1 ") == "projects/-/jobs/j1"
    assert dataset_name("d1") == "projects/-/datasets/d1"
    assert dataset_name("projects/-/datasets/d1") == "projects/-/datasets/d1"
    assert last_id(JOB) == "0b9f3c1e-3d5a-4f7e-9c1a-2b3c4d5e6f70"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "projects/p1",
        "projects/p1/datasets/d1",
        "projects/p1/jobs/",
        "projects/p1/jobs/j1/checkpoints/4",
        "a b",
    ],
)
def test_anything_else_is_refused_naming_the_expected_shape(typed: str):
    with pytest.raises(ValueError, match="expected a job id"):
        job_name(typed)
