"""Python client of the AEPO fine-tuning service.

    from aepo_client import Client
    with Client("127.0.0.1:50051", api_key="...") as aepo:
        dataset = aepo.upload_dataset_file("train.jsonl")
        job = aepo.create_job({"baseModel": "builtin:tiny-arith", "trainingDataset": dataset.name,
                               "entropyTarget": {"constant": 0.4}})
        for record in aepo.step_records(job.name):
            print(record.step, record.entropy)
        job = aepo.wait(job.name)   # a bare job id works too: projects/-/jobs/{id}

The generated messages and stubs are in the `aepo.v1` package (typed: .pyi files beside them).
"""

from .client import TERMINAL_STATES, Client
from .download import ArtifactMismatch
from .errors import ApiError, FieldViolation, JobNotSucceeded, state_name
from .names import dataset_name, job_name
from .spec import SpecError, load_spec

__all__ = [
    "TERMINAL_STATES",
    "ApiError",
    "ArtifactMismatch",
    "Client",
    "FieldViolation",
    "JobNotSucceeded",
    "SpecError",
    "dataset_name",
    "job_name",
    "load_spec",
    "state_name",
]
