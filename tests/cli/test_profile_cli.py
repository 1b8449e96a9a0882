"""``mltoolkit profile`` run as a user runs it: a subprocess."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from mltoolkit.data import make_trial_conversion

DEMO = "demo://trial_conversion?rows=800&seed=3"


def _mltoolkit(*args, cwd=None):
    exe = shutil.which("mltoolkit", path=str(Path(sys.executable).parent))
    cmd = [exe] if exe else [sys.executable, "-m", "mltoolkit.cli"]
    return subprocess.run([*cmd, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_profile_writes_json(tmp_path):
    out = tmp_path / "p.json"
    run = _mltoolkit("profile", DEMO, "--target", "converted", "--json", out)
    assert run.returncode == 0, run.stderr
    data = json.loads(out.read_text())
    assert data["overview"]["n_rows"] == 800
    assert data["target"]["column"] == "converted"


def test_profile_prints_summary_without_outputs():
    run = _mltoolkit("profile", DEMO)
    assert run.returncode == 0, run.stderr
    assert "800 rows x 14 columns" in run.stdout


def test_missing_file_is_one_line_and_exit_2(tmp_path):
    run = _mltoolkit("profile", tmp_path / "nope.csv")
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0
    assert "nope.csv does not exist" in run.stderr
    assert "Traceback" not in run.stderr


def test_unknown_target_names_it(tmp_path):
    path = tmp_path / "d.csv"
    pd.DataFrame({"a": [1, 2, 3], "b": [3, 4, 5]}).to_csv(path, index=False)
    run = _mltoolkit("profile", path, "--target", "price")
    assert run.returncode == 2
    assert "'price'" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.slow
def test_profile_html_report_is_small_escaped_and_static(tmp_path):
    path = tmp_path / "data.csv"
    df = make_trial_conversion(1500, seed=5).rename(columns={"role": "<script>alert(1)</script>"})
    df.to_csv(path, index=False)
    html_out = tmp_path / "reports" / "eda.html"
    json_out = tmp_path / "eda.json"
    run = _mltoolkit("profile", path, "--target", "converted", "--html", html_out, "--json", json_out)
    assert run.returncode == 0, run.stderr
    html = html_out.read_text()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html.lower()
    assert html_out.stat().st_size < 1.5 * 2**20
    assert "website_visits" in html and "data:image/png;base64," in html
    assert json.loads(json_out.read_text())["overview"]["n_rows"] == 1500
    assert f"report written to {html_out}" in run.stdout


@pytest.fixture
def parquet_dir(tmp_path) -> Path:
    folder = tmp_path / "parts"
    folder.mkdir()
    df = make_trial_conversion(1200, seed=8)
    for i in range(3):
        df.iloc[i * 400:(i + 1) * 400].to_parquet(folder / f"part-{i}.parquet", index=False)
    return folder


def test_stream_profiles_a_parquet_directory_in_batches(parquet_dir, tmp_path):
    out = tmp_path / "p.json"
    run = _mltoolkit("profile", parquet_dir, "--stream", "--batch-rows", 250, "--target", "converted", "--json", out)
    assert run.returncode == 0, run.stderr
    data = json.loads(out.read_text())
    assert data["overview"]["n_rows"] == 1200
    assert data["target"]["task"] == "classification"
    assert any("Spearman" in n for n in data["correlations"]["notes"])
    assert data["notes"]  # what was estimated is said


def test_stream_report_is_static_html_with_the_notes(parquet_dir, tmp_path):
    html_out = tmp_path / "eda.html"
    run = _mltoolkit("profile", parquet_dir, "--stream", "--html", html_out)
    assert run.returncode == 0, run.stderr
    html = html_out.read_text()
    assert "website_visits" in html and "data:image/png;base64," in html
    assert "Spearman correlation left out" in html
    assert "<script" not in html.lower()


def test_stream_needs_parquet_data(tmp_path):
    path = tmp_path / "d.csv"
    pd.DataFrame({"a": [1, 2, 3]}).to_csv(path, index=False)
    run = _mltoolkit("profile", path, "--stream")
    assert run.returncode == 2
    assert "--stream reads a Parquet file or a directory" in run.stderr and "Traceback" not in run.stderr


def test_all_missing_target_is_one_line_naming_it_and_exit_2(tmp_path):
    path = tmp_path / "d.csv"
    pd.DataFrame({"a": range(50), "b": ["x", "y"] * 25, "y": [None] * 50}).to_csv(path, index=False)
    run = _mltoolkit("profile", path, "--target", "y")
    assert run.returncode == 2, run.stderr
    assert run.stderr.strip().count("\n") == 0
    assert "target column 'y' is entirely missing" in run.stderr and "leave the target out" in run.stderr
    assert "Traceback" not in run.stderr and "IndexError" not in run.stderr


@pytest.mark.slow
def test_profile_notebook_option_keeps_the_executed_notebook(tmp_path):
    html_out = tmp_path / "eda.html"
    run = _mltoolkit("profile", DEMO, "--target", "converted", "--html", html_out, "--notebook")
    assert run.returncode == 0, run.stderr
    executed = tmp_path / "eda.ipynb"
    assert f"executed notebook: {executed}" in run.stdout
    assert executed.exists() and "website_visits" in html_out.read_text()
