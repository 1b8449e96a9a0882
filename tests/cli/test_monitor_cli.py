"""`mltoolkit monitor` as a user runs it: a scored batch, late labels, performance per chunk, errors in one line."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mltoolkit.data import make_trial_conversion


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder without mltoolkit.yml (the demo's project applies), a scored batch and late labels."""
    (tmp_path / "data").mkdir()
    (tmp_path / "artifacts").mkdir()
    make_trial_conversion(1500).to_parquet(tmp_path / "data" / "train.parquet")
    current = make_trial_conversion(420, seed=5, start="2026-01-05", days=21)
    current.drop(columns="converted").to_csv(tmp_path / "current.csv", index=False)
    rng = np.random.default_rng(0)
    score = rng.beta(1, 2, len(current))
    pd.DataFrame({"row": np.arange(len(current)), "prospect_id": current.prospect_id, "score": score,
                  "prediction": np.where(score >= 0.5, "1", "0")}).to_parquet(
        tmp_path / "artifacts" / "batch_predictions.parquet")
    labels = pd.DataFrame({"prospect_id": current.prospect_id[:300],
                           "converted": (rng.random(300) < score[:300]).astype(int)})
    extra = pd.DataFrame({"prospect_id": [current.prospect_id[0], 999_999_999], "converted": [labels.converted[0], 1]})
    pd.concat([labels, extra]).to_csv(tmp_path / "labels.csv", index=False)
    return tmp_path


def _run(folder: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mltoolkit", "monitor", "--current", "current.csv", *args],
                          cwd=folder, capture_output=True, text=True, timeout=600)


def test_monitor_joins_late_labels_and_writes_performance_per_chunk(folder):
    done = _run(folder, "--labels", "labels.csv", "--chunk-freq", "W")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("In production the model") and "recall" in done.stdout
    assert "labelled more than once" in done.stderr and "no logged prediction" in done.stderr
    perf = json.loads((folder / "artifacts" / "performance.json").read_text())
    assert perf["join"]["keys"] == ["prospect_id"] and perf["join"]["n_labelled"] == 300
    assert [c["basis"] for c in perf["chunks"]][0] == "actual" and perf["chunks"][-1]["basis"] != "actual"
    assert all(c["estimated"]["value"] is not None for c in perf["chunks"])
    monitoring = json.loads((folder / "artifacts" / "monitoring.json").read_text())
    assert monitoring["production"]["chunks"] == perf["chunks"]


def test_labels_without_the_target_are_one_red_line_and_exit_code_2(folder):
    pd.DataFrame({"prospect_id": [1]}).to_csv(folder / "bad.csv", index=False)
    done = _run(folder, "--labels", "bad.csv")
    assert done.returncode == 2 and "no column 'converted'" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
