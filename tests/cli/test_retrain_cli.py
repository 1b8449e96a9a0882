"""`mltoolkit retrain` on a project whose last run trained a model."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mltoolkit.pipeline import init_demo_project

pytestmark = pytest.mark.slow


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "mltoolkit", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=900)


def test_retrain_uses_the_latest_run_and_reports_the_decision(tmp_path):
    config = init_demo_project(tmp_path / "proj", source="demo://trial_conversion?rows=1500").config
    config.write_text(config.read_text() + "stages: [problem_framing, data_collection, data_preparation, training, "
                      "evaluation]\n")
    run = _cli("run", "-p", "training.time_budget_s=0", "-p", "evaluation.importance_repeats=0",
               cwd=tmp_path / "proj")
    assert run.returncode == 0, run.stderr[-2000:]
    out = _cli("retrain", "--new-data", "demo://trial_conversion?rows=2000&seed=3&drift=0.5",
               "-p", "time_budget_s=0", "-p", "n_boot=100", cwd=tmp_path / "proj")
    assert out.returncode == 0, out.stderr[-2000:]
    assert "production model" in out.stdout
    run_dir = sorted((tmp_path / "proj" / "runs").iterdir())[-1]
    decision = json.loads((run_dir / "artifacts" / "retraining.json").read_text())
    assert decision["ran"] and decision["comparison"]["verdict"] in ("promote", "keep", "inconclusive")
    assert not decision["promoted"]
    none = _cli("retrain", "--new-data", "demo://trial_conversion", "--run", "nope", cwd=tmp_path / "proj")
    assert none.returncode == 2 and "holds a trained model" in none.stderr
