"""`mltoolkit lab`: JupyterLab on the project, started by this Python, runs tracked in the project's store."""
from __future__ import annotations

import shlex
import subprocess
import sys

import pytest

from mltoolkit.errors import ConfigError
from mltoolkit.pipeline import lab_command, lab_environment


def test_lab_runs_in_this_python_on_the_project_folder(tmp_path):
    cmd = lab_command(tmp_path, port=8899, no_browser=True)
    assert cmd[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={tmp_path.resolve()}" in cmd
    assert "--port=8899" in cmd and "--no-browser" in cmd


def test_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="is not a folder"):
        lab_command(tmp_path / "nope")


def test_runs_go_to_the_projects_store_unless_one_is_set(tmp_path):
    assert lab_environment(tmp_path, {})["MLFLOW_TRACKING_URI"] == f"sqlite:///{tmp_path.resolve() / 'mlflow.db'}"
    assert lab_environment(tmp_path, {"MLFLOW_TRACKING_URI": "http://mlflow:5000"})["MLFLOW_TRACKING_URI"] == \
        "http://mlflow:5000"


def test_cli_prints_the_command_and_refuses_a_missing_folder(tmp_path):
    done = subprocess.run([sys.executable, "-m", "mltoolkit", "lab", str(tmp_path), "--print-command"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert shlex.split(done.stdout.strip()) == lab_command(tmp_path)
    done = subprocess.run([sys.executable, "-m", "mltoolkit", "lab", str(tmp_path / "nope")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "is not a folder" in done.stderr and not done.stdout
