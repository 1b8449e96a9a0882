"""Runs of a small two-stage project with real kernels (papermill)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from mltoolkit.errors import ConfigError, DataError
from mltoolkit.pipeline import load_config, read_run, run_pipeline
from mltoolkit.report import report_for_run

pytestmark = pytest.mark.slow


def _stage(path: Path, params: str, body: str, *, tags=("report-executive",)) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    p = nbformat.v4.new_code_cell(params)
    p.metadata["tags"] = ["parameters"]
    md = nbformat.v4.new_markdown_cell(f"## {path.stem}")
    md.metadata["tags"] = list(tags)
    code = nbformat.v4.new_code_cell(body)
    code.metadata["tags"] = list(tags)
    nb.cells = [p, md, code]
    nbformat.write(nb, path)


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "proj"
    root.mkdir(parents=True)
    _stage(root / "01_first.ipynb", 'config_path = None  # the config\nvalue = 2  # a number',
           "import json, os\nos.makedirs('artifacts', exist_ok=True)\n"
           "json.dump({'value': value, 'config': config_path}, open('artifacts/first.json', 'w'))\n"
           "print('first', value)")
    _stage(root / "02_second.ipynb", "divisor = 1  # what to divide by",
           "import json\nv = json.load(open('artifacts/first.json'))['value']\nprint('second', v / divisor)")
    (root / "mltoolkit.yml").write_text(
        "project: 'Demo <b>bold</b>'\ndata:\n  source: data.csv\nstages: [first, second]\n"
        "parameters:\n  first:\n    value: 6\n")
    return root


def _config(root):
    from mltoolkit.pipeline import notebook_parameters, project_stages

    known = {n: notebook_parameters(p) for n, p in project_stages(root).items()}
    return load_config(root / "mltoolkit.yml", known_stages=known)


def test_run_executes_stages_in_order_in_own_directory(project):
    record = run_pipeline(_config(project))
    assert record.status == "succeeded"
    run_dir = Path(record.directory)
    assert run_dir.parent == project / "runs"
    assert (run_dir / "02_second.ipynb").exists()  # next to what it read: re-runnable in place in JupyterLab
    saved = json.loads((run_dir / "run.json").read_text())
    assert [s["status"] for s in saved["stages"]] == ["succeeded", "succeeded"]
    assert saved["stages"][0]["parameters"] == {"config_path": str(project / "mltoolkit.yml"), "value": 6}
    assert saved["versions"]["mltoolkit"]
    first = json.loads((run_dir / "artifacts" / "first.json").read_text())
    assert first["value"] == 6


def test_a_project_with_its_notebooks_in_a_notebooks_folder_still_runs(project):
    legacy = project / "notebooks"
    legacy.mkdir()
    for nb in sorted(project.glob("*.ipynb")):
        nb.rename(legacy / nb.name)
    record = run_pipeline(_config(project))
    assert record.status == "succeeded" and (Path(record.directory) / "02_second.ipynb").exists()


def test_two_runs_never_share_a_directory(project):
    a, b = run_pipeline(_config(project), stages=["first"]), run_pipeline(_config(project), stages=["first"])
    assert a.directory != b.directory


def test_failing_stage_stops_run_keeps_notebook_and_resume_works(project):
    record = run_pipeline(_config(project), overrides={"second": {"divisor": 0}})
    assert record.status == "failed"
    failed = record.failed_stage
    assert failed.stage == "second" and "ZeroDivisionError" in failed.error
    assert "v / divisor" in failed.error  # the failing cell is shown
    assert (Path(record.directory) / "02_second.ipynb").exists()
    resumed = run_pipeline(_config(project), from_stage="second", run_dir=record.directory)
    assert resumed.status == "succeeded"
    assert [s.status for s in resumed.stages] == ["kept", "succeeded"]


def test_resume_cannot_skip_a_stage_that_did_not_finish(project):
    run_dir = project / "runs" / "interrupted-run"
    run_dir.mkdir(parents=True)
    (run_dir / "run.json").write_text(json.dumps({
        "run_id": "interrupted-run", "directory": str(run_dir), "created": "2026-01-01T00:00:00+00:00",
        "project": "x", "status": "interrupted", "config": {}, "versions": {},
        "stages": [{"stage": "first", "notebook": "01_first.ipynb", "status": "interrupted"},
                   {"stage": "second", "notebook": "02_second.ipynb", "status": "pending"}]}))
    with pytest.raises(ConfigError, match="earlier stage 'first' did not finish in it; resume with --from first"):
        run_pipeline(_config(project), from_stage="second", run_dir=run_dir)
    assert read_run(run_dir).status == "interrupted"


def test_unknown_stage_and_parameter_refused_before_any_notebook_runs(project):
    with pytest.raises(ConfigError, match="unknown stage 'third'; stages are: first, second"):
        run_pipeline(_config(project), stages=["first", "third"])
    with pytest.raises(ConfigError, match="unknown parameter.*speed.*valid parameters are: divisor"):
        run_pipeline(_config(project), overrides={"second": {"speed": 1}})
    assert not (project / "runs").exists() or not any((project / "runs").iterdir())


def test_existing_run_directory_is_refused(project):
    (project / "taken").mkdir()
    with pytest.raises(ConfigError, match="already exists"):
        run_pipeline(_config(project), run_dir=project / "taken")


def test_config_with_unknown_key_is_refused(project):
    (project / "mltoolkit.yml").write_text("project: x\ndata:\n  source: a.csv\nstagez: [first]\n")
    with pytest.raises(ConfigError, match="unknown key.*'stagez'"):
        _config(project)


def test_report_of_failed_run_is_marked_with_error_and_escapes_markup(project):
    record = run_pipeline(_config(project), overrides={"second": {"divisor": 0}})
    out = report_for_run(record.directory, template="executive")
    html = out.read_text()
    assert out.parent == project / "reports"
    assert "FAILED" in html and "ZeroDivisionError" in html
    assert "Demo &lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html
    technical = report_for_run(record.directory, template="technical").read_text()
    assert "first 6" in technical and "Stage: second (failed)" in technical


def test_deleted_run_directory_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="not a run directory"):
        read_run(tmp_path / "gone")


def _cli(*args):
    exe = shutil.which("mltoolkit", path=str(Path(sys.executable).parent))
    return subprocess.run([exe, *map(str, args)], capture_output=True, text=True, timeout=300)


def test_cli_run_exits_2_on_failed_stage_and_prints_failing_cell(project):
    run = _cli("run", "--config", project / "mltoolkit.yml", "-p", "second.divisor=0")
    assert run.returncode == 2  # the README's table: a failed stage is an error like any other
    assert "failed in stage second" in run.stderr and "v / divisor" in run.stderr
    assert "[2/2] second FAILED" in run.stdout


def test_cli_run_prints_progress_only_and_keeps_kernel_output_in_the_run_log(project):
    run = _cli("run", "--config", project / "mltoolkit.yml", "--stages", "first")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "[1/1] first ..." and lines[1].startswith("[1/1] first done in ")
    assert lines[2].startswith("run ") and " succeeded: " in lines[2] and len(lines) == 3
    assert run.stderr == ""  # no "[IPKernelApp] WARNING ...", no "KeyboardInterrupt caught in kernel"
    (run_dir,) = (project / "runs").iterdir()
    assert "Kernel is running over TCP" in (run_dir / "logs" / "01_first.log").read_text()


def test_cli_p_value_is_text_as_typed_unless_yaml_reads_it_whole(project):
    from mltoolkit.cli import _parse_overrides

    run = _cli("run", "--config", project / "mltoolkit.yml", "--stages", "first", "-p", "first.value=v2 # retuned")
    assert run.returncode == 0, run.stderr
    (run_dir,) = (project / "runs").iterdir()
    assert json.loads((run_dir / "artifacts" / "first.json").read_text())["value"] == "v2 # retuned"
    for value, parsed in [("5", 5), ("0.5", 0.5), ("true", True), ("null", None), ("[1, 2]", [1, 2]),
                          ("'a # b'", "a # b"), ("line one\nline two", "line one\nline two"), ("yes", "yes"),
                          ("#ff0000", "#ff0000")]:
        assert _parse_overrides([f"first.value={value}"]) == {"first": {"value": parsed}}, value


def test_cli_p_value_yaml_would_cut_is_refused_before_any_stage(project):
    run = _cli("run", "--config", project / "mltoolkit.yml", "-p", "first.value=5 # five")
    assert run.returncode == 2
    assert run.stderr.strip() == ("error: -p first.value='5 # five': read as YAML this drops the comment '# five'; "
                                  "leave it out, or put the value in quotes ('...') to pass it as text")
    assert not (project / "runs").exists()


def test_runs_list_and_compare(project):
    from mltoolkit.pipeline import compare_runs, list_runs

    a = run_pipeline(_config(project), stages=["first"])
    b = run_pipeline(_config(project), stages=["first"], overrides={"first": {"value": 9}})
    runs = list_runs(project)
    assert [r.run_id for r in runs] == sorted([Path(a.directory).name, Path(b.directory).name])
    cmp = compare_runs(project, a.directory, Path(b.directory).name)
    assert ("first.value", 6, 9) in cmp.parameter_changes
    with pytest.raises(ConfigError, match="with itself"):
        compare_runs(project, a.directory, a.directory)
    shutil.rmtree(a.directory)  # a run directory deleted by hand
    assert [r.run_id for r in list_runs(project)] == [Path(b.directory).name]
    with pytest.raises(DataError, match="not found"):
        compare_runs(project, a.directory, b.directory)


def test_technical_report_shows_trends_over_past_runs(tmp_path):
    root = tmp_path / "trend"
    root.mkdir(parents=True)
    _stage(root / "01_score.ipynb", "value = 0.5  # the metric",
           "from mltoolkit.artifacts import write_artifact\nfrom mltoolkit.drift.result import DriftResult\n"
           "from mltoolkit.evaluate.criteria import Verdict\n"
           "write_artifact('artifacts', 'evaluation', Verdict(metric='f1', value=value, threshold=0.3, direction='>=', "
           "met=True, message='', constraint_metric=None, constraint_value=None, constraint_threshold=None, "
           "baseline={}, beats_baseline=True, decision_threshold=0.5, verdict='met'))\n"
           "write_artifact('artifacts', 'drift', DriftResult(columns=(), schema_changes=(), share_drifted=value / 2, "
           "n_drifted=0, n_tested=0, drift_share=0.5, dataset_drift=False, n_reference=1, n_current=1))")
    (root / "mltoolkit.yml").write_text("project: trend\ndata:\n  source: x.csv\nstages: [score]\n")
    from mltoolkit.pipeline import load_project_config

    first = run_pipeline(load_project_config(root))
    html = report_for_run(first.directory, template="technical").read_text()
    assert "Past runs" not in html  # one run: nothing to trend
    second = run_pipeline(load_project_config(root), overrides={"score": {"value": 0.7}})
    html = report_for_run(second.directory, template="technical").read_text()
    assert "Past runs" in html and "test f1 and the share of drifted columns in the last 2 runs" in html
    assert html.count("data:image/png;base64,") >= 1


def test_a_run_whose_process_was_killed_reads_as_stopped_and_resumes(project):
    record = run_pipeline(_config(project), stages=["first"])
    path = Path(record.directory) / "run.json"
    saved = json.loads(path.read_text())
    assert saved["process"]["pid"] == os.getpid()
    # As after kill -9: the file still says running, in a stage, and its process is gone.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    saved.update(status="running", process={**saved["process"], "pid": dead.pid})
    saved["stages"][0]["status"] = "running"
    path.write_text(json.dumps(saved))
    stopped = read_run(record.directory)
    assert stopped.status == "stopped" and stopped.stages[0].status == "stopped"
    assert json.loads(path.read_text())["status"] == "running"  # reading changes nothing on disk
    resumed = run_pipeline(_config(project), stages=["first"], from_stage="first", run_dir=record.directory)
    assert resumed.status == "succeeded"


def test_a_run_still_running_is_not_resumed_twice(project):
    record = run_pipeline(_config(project), stages=["first"])
    path = Path(record.directory) / "run.json"
    saved = json.loads(path.read_text())
    saved["status"] = "running"  # our own process: alive
    path.write_text(json.dumps(saved))
    with pytest.raises(ConfigError, match="is still running"):
        run_pipeline(_config(project), stages=["first"], from_stage="first", run_dir=record.directory)
