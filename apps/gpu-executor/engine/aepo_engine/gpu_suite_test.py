"""The GPU suite runs end to end in its CPU dry-run configuration (its numbers come from a GPU)."""

from __future__ import annotations

import json

from aepo_engine import bench


def test_gpu_suite_dry_run_reports_every_model_mode_and_the_learning_curves(capsys, tmp_path):
    assert bench.main(["--gpu-suite", "--dry-run", "--work-dir", str(tmp_path)]) == 0
    report = json.loads(capsys.readouterr().out)
    runs = report["models"]["dry-run"]
    assert [r["mode"] for r in runs] == ["full", "lora"]
    for r in runs:
        assert r["fits"] and r["grad_norm_finite"], r
        assert r["sample_tokens_per_s"] > 0 and r["train_tokens_per_s"] > 0
    assert runs[1]["trainable_parameters"] < runs[0]["trainable_parameters"]
    assert set(report["learning"]["accuracy"]) == {"fp32", "bf16-mixed"}
    assert all(len(c) == 2 for c in report["learning"]["accuracy"].values())
