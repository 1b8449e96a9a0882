"""``mltoolkit drift`` run as a user (or a scheduler) runs it."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def _mltoolkit(*args, cwd=None):
    exe = shutil.which("mltoolkit", path=str(Path(sys.executable).parent))
    return subprocess.run([exe, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_fail_on_drift_sets_exit_code_for_schedulers(tmp_path):
    drifted = _mltoolkit("drift", "demo://trial_conversion", "demo://trial_conversion/production",
                         "--drift-share", "0.2", "--fail-on-drift", "--json", tmp_path / "d.json")
    assert drifted.returncode == 1, drifted.stderr
    assert "DATASET DRIFT: 3 of 12" in drifted.stdout
    assert json.loads((tmp_path / "d.json").read_text())["dataset_drift"] is True
    calm = _mltoolkit("drift", "demo://trial_conversion", "demo://trial_conversion?seed=4", "--fail-on-drift")
    assert calm.returncode == 0 and "no dataset drift: 0 of 12" in calm.stdout


def test_json_alone_judges_target_and_time_column_as_the_report_does(tmp_path):
    args = ("drift", "demo://trial_conversion", "demo://trial_conversion/production", "--target", "converted",
            "--time-column", "signup_date")
    alone = _mltoolkit(*args, "--json", tmp_path / "alone.json")
    both = _mltoolkit(*args, "--json", tmp_path / "both.json", "--html", tmp_path / "both.html")
    assert alone.returncode == 0 and both.returncode == 0, alone.stderr + both.stderr
    results = [json.loads((tmp_path / f"{name}.json").read_text()) for name in ("alone", "both")]
    assert [r["target"] for r in results] == ["converted", "converted"]
    assert results[0]["n_tested"] == results[1]["n_tested"] and results[0]["n_drifted"] == results[1]["n_drifted"]
    assert alone.stdout.splitlines()[-1] == both.stdout.splitlines()[-1]  # the same verdict line


def test_empty_current_file_is_one_clear_line(tmp_path):
    empty = tmp_path / "cur.csv"
    empty.write_text("a,b\n")
    run = _mltoolkit("drift", "demo://trial_conversion", empty)
    assert run.returncode == 2 and "no rows" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.slow
def test_drift_html_report_is_small_static_and_shows_planted_drift(tmp_path):
    out = tmp_path / "drift.html"
    run = _mltoolkit("drift", "demo://trial_conversion", "demo://trial_conversion/production", "--html", out,
                     "--time-column", "signup_date", "--target", "converted")
    assert run.returncode == 0, run.stderr
    html = out.read_text()
    assert out.stat().st_size < 2**20 and "<script" not in html.lower()
    for col in ("days_in_trial", "location", "website_visits"):
        assert f"&#x27;{col}&#x27; drifted" in html
    assert "Retrain the model" in html and "Drift over time" in html
