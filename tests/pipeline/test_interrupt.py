"""Ctrl-C (SIGINT) or SIGTERM during ``mltoolkit run``: the run is recorded as interrupted and can be resumed."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the helper beside this file (pytest's importlib mode)
from fake_project import make_project, mltoolkit, mltoolkit_command  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path / "proj", {
        "first": ("value = 1  # a number", "open('first.txt', 'w').write(str(value))"),
        "slow": ("seconds = 0  # how long to wait", "import time\nopen('slow-started', 'w').close()\n"
                                                     "time.sleep(seconds)"),
        "last": ("divisor = 1  # what to divide by", "print(1 / divisor)"),
    })


def _run_json(project: Path) -> tuple[Path, dict]:
    (run_dir,) = (project / "runs").iterdir()
    return run_dir, json.loads((run_dir / "run.json").read_text())


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_marks_run_interrupted_in_its_stage_exits_130_and_from_resumes(project, sig):
    # As from a terminal: a test run started in the background by a script inherits SIGINT ignored, and so would
    # the command (a shell's background job is not meant to get Ctrl-C).
    proc = subprocess.Popen([mltoolkit_command(), "run", "-p", "slow.seconds=120"], cwd=project,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 120
        while not list(project.glob("runs/*/slow-started")):  # the slow stage's kernel is in its cell
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.2)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    run_dir, record = _run_json(project)
    assert record["status"] == "interrupted" and record["finished"]
    assert [(s["stage"], s["status"]) for s in record["stages"]] == [
        ("first", "succeeded"), ("slow", "interrupted"), ("last", "pending")]
    assert record["stages"][1]["error"] == f"interrupted by {sig.name}"
    assert f"resume with: mltoolkit run --from slow --run-dir {run_dir}" in err
    listed = mltoolkit("runs", "list", "--json", cwd=project)
    assert [r["status"] for r in json.loads(listed.stdout)] == ["interrupted"]

    resumed = mltoolkit("run", "--from", "slow", "--run-dir", run_dir, cwd=project)
    assert resumed.returncode == 0, resumed.stderr
    _, record = _run_json(project)
    assert record["status"] == "succeeded"
    assert [s["status"] for s in record["stages"]] == ["kept", "succeeded", "succeeded"]
