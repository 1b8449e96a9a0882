"""`mltoolkit init` + `mltoolkit run` on real public tables, with no other edit, as a new user would.

Each table (see real_tables.py) is written as CSV, a project is created from it
with the command line, and all nine stages run with short training budgets.
The executive report must tell that table's story: none of the demo's words.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))  # the tables module beside this file (pytest's importlib mode)
from real_tables import DEMO_WORDS, TABLES  # noqa: E402

pytestmark = pytest.mark.slow

QUICK = ["-p", "training.time_budget_s=0", "-p", "retraining.time_budget_s=0",
         "-p", "retraining.n_boot=100"]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mltoolkit", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=1200)


@pytest.mark.parametrize("name", sorted(TABLES))
def test_init_and_run_complete_on_a_real_table(name, tmp_path):
    args = TABLES[name](tmp_path)
    init = _cli("init", "proj", *args, cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    assert "decided:" in init.stdout and "check in mltoolkit.yml" in init.stdout
    config = yaml.safe_load((tmp_path / "proj" / "mltoolkit.yml").read_text())
    assert config["problem_framing"]["business_goal"] is None

    run = _cli("run", *QUICK, cwd=tmp_path / "proj")
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    run_dir = Path(run.stdout.strip().splitlines()[-1].split(": ", 1)[1])
    art = run_dir / "artifacts"
    evaluation = json.loads((art / "evaluation.json").read_text())
    assert evaluation["metric"] == config["problem_framing"]["metric"] and evaluation["value"] is not None
    deployment = json.loads((art / "deployment.json").read_text())
    retraining = json.loads((art / "retraining.json").read_text())
    if "--current" in args:
        assert deployment["batch"]["rows"] > 0 and (art / "drift.json").exists()
        assert retraining["summary"]
    else:
        assert deployment["batch"] is None and "no current" in deployment["notes"][0]
        assert not (art / "drift.json").exists() and retraining["ran"] is False

    report = _cli("report", str(run_dir), cwd=tmp_path / "proj")
    assert report.returncode == 0, report.stderr
    html = next((tmp_path / "proj" / "reports").glob("*-executive.html")).read_text()
    assert [w for w in DEMO_WORDS if w.lower() in html.lower()] == []
    assert "not written yet" in html


def test_a_candidate_added_to_the_projects_training_notebook_is_used_by_the_run_and_its_report(tmp_path):
    import nbformat

    args = TABLES["grunfeld"](tmp_path)
    assert _cli("init", "proj", *args, cwd=tmp_path).returncode == 0
    # As README "Work interactively" says: a cell after the candidates, saved in the project's notebook.
    path = tmp_path / "proj" / "05_training.ipynb"
    nb = nbformat.read(path, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "training_setup(" in c.source)
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell(
        "from sklearn.neighbors import KNeighborsRegressor\n"
        'candidates = add_candidate(candidates, "knn", KNeighborsRegressor(n_neighbors=5))'))
    nbformat.write(nb, path)

    run = _cli("run", *QUICK, "--stages", "problem_framing", "data_collection", "data_preparation", "training",
               "evaluation",
               cwd=tmp_path / "proj")
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    run_dir = Path(run.stdout.strip().splitlines()[-1].split(": ", 1)[1])
    training = json.loads((run_dir / "artifacts" / "training.json").read_text())
    assert "knn" in [c["name"] for c in training["candidates"]]
    report = _cli("report", str(run_dir), "--template", "technical", cwd=tmp_path / "proj")
    assert report.returncode == 0, report.stderr
    html = next((tmp_path / "proj" / "reports").glob("*-technical.html")).read_text()
    assert "knn" in html and "KNeighborsRegressor(n_neighbors=5)" not in html  # in the leaderboard; code hidden
