"""The stages of one run share a kernel (StageKernel), yet each starts as it would in a kernel of its own."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the helper beside this file (pytest's importlib mode)
from fake_project import make_project

from mltoolkit.errors import StageError
from mltoolkit.pipeline import execute_notebook, load_project_config, run_pipeline
from mltoolkit.pipeline.kernel import StageKernel

pytestmark = pytest.mark.slow

#: Stage A leaves a variable, a working directory, an environment variable, a sys.path entry and a warning filter;
#: stage B writes down which of them it sees, and the kernel process it runs in.
LEAVES_STATE = ("value = 1  # a number",
                ("import json, os, sys, warnings\nsecret = value\nos.makedirs('artifacts', exist_ok=True)\n"
                 "json.dump({'pid': os.getpid()}, open('artifacts/a.json', 'w'))\n"
                 "os.chdir('/')\nos.environ['MLTOOLKIT_TEST_LEAK'] = '1'\nsys.path.append('/leaked')\n"
                 "warnings.simplefilter('error')"))
LOOKS = ("label = 'b'  # a label",
         ("import json, os, sys, warnings\nwarnings.warn('only a warning')\nos.write(2, b'written by stage b\\n')\n"
          "json.dump({'pid': os.getpid(), 'sees_secret': 'secret' in globals(), 'cwd': os.getcwd(),\n"
          "           'env': 'MLTOOLKIT_TEST_LEAK' in os.environ, 'path': '/leaked' in sys.path},\n"
          "          open('artifacts/b.json', 'w'))"))


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path / "proj", {"a": LEAVES_STATE, "b": LOOKS,
                                            "c": ("divisor = 1  # what to divide by", "ratio = 1 / divisor")})


def test_stages_share_one_kernel_but_not_variables_cwd_environment_or_warning_filters(project):
    record = run_pipeline(load_project_config(project))
    assert record.status == "succeeded", record.failed_stage
    run_dir = Path(record.directory)
    a = json.loads((run_dir / "artifacts" / "a.json").read_text())
    b = json.loads((run_dir / "artifacts" / "b.json").read_text())
    assert a["pid"] == b["pid"]  # one kernel: the test proves isolation, not separate processes
    assert b == {"pid": a["pid"], "sees_secret": False, "cwd": str(run_dir), "env": False, "path": False}


def test_failing_stage_in_shared_kernel_keeps_its_notebook_and_names_its_cell(project):
    record = run_pipeline(load_project_config(project), overrides={"c": {"divisor": 0}})
    assert record.status == "failed"
    failed = record.failed_stage
    assert failed.stage == "c"
    # Counted from 1 as in a kernel of its own (parameters, injected parameters, then the failing cell).
    assert "failed in cell 3 with ZeroDivisionError" in failed.error and "ratio = 1 / divisor" in failed.error
    executed = nbformat.read(Path(record.directory) / "03_c.ipynb", as_version=4)
    counts = [c.execution_count for c in executed.cells if c.cell_type == "code"]
    assert counts == [1, 2, 3]
    assert any(o.get("ename") == "ZeroDivisionError" for o in executed.cells[-1].outputs)


def test_records_logs_and_kernel_shutdown_of_a_shared_kernel_run(project):
    record = run_pipeline(load_project_config(project))
    run_dir = Path(record.directory)
    saved = json.loads((run_dir / "run.json").read_text())
    assert [(s["stage"], s["status"]) for s in saved["stages"]] == [("a", "succeeded"), ("b", "succeeded"),
                                                                    ("c", "succeeded")]
    assert all(s["seconds"] > 0 and s["started"] for s in saved["stages"])
    assert saved["stages"][1]["parameters"] == {}
    # One log per stage; the kernel's start-up warning in the log of the stage that started it.
    assert sorted(p.name for p in (run_dir / "logs").iterdir()) == ["01_a.log", "02_b.log", "03_c.log"]
    assert "Kernel is running over TCP" in (run_dir / "logs" / "01_a.log").read_text()
    # Output below Python's sys.stderr (C libraries, os.write) lands in the log of the stage that wrote it.
    assert "written by stage b" in (run_dir / "logs" / "02_b.log").read_text()
    assert "written by stage b" not in (run_dir / "logs" / "01_a.log").read_text()
    pid = json.loads((run_dir / "artifacts" / "a.json").read_text())["pid"]
    with pytest.raises(ProcessLookupError):  # shut down with the run
        os.kill(pid, 0)


def test_resumed_run_starts_a_fresh_shared_kernel(project):
    failed = run_pipeline(load_project_config(project), overrides={"c": {"divisor": 0}})
    resumed = run_pipeline(load_project_config(project), from_stage="c", run_dir=failed.directory)
    assert resumed.status == "succeeded"
    assert [s.status for s in resumed.stages] == ["kept", "kept", "succeeded"]


def test_execute_notebook_with_and_without_a_shared_kernel_gives_the_same_notebook(project, tmp_path):
    notebook = project / "03_c.ipynb"
    alone = execute_notebook(notebook, tmp_path / "alone" / "c.ipynb", {"divisor": 4}, cwd=tmp_path)
    with StageKernel() as kernel:
        execute_notebook(project / "01_a.ipynb", tmp_path / "shared" / "a.ipynb", cwd=tmp_path, kernel=kernel)
        shared = execute_notebook(notebook, tmp_path / "shared" / "c.ipynb", {"divisor": 4}, cwd=tmp_path,
                                  kernel=kernel)
        with pytest.raises(StageError, match="failed in cell 3 with ZeroDivisionError"):
            execute_notebook(notebook, tmp_path / "shared" / "c0.ipynb", {"divisor": 0}, cwd=tmp_path, kernel=kernel)
    cells = [[(c.source, c.execution_count, c.outputs) for c in nbformat.read(p, as_version=4).cells]
             for p in (alone, shared)]
    assert cells[0] == cells[1]
