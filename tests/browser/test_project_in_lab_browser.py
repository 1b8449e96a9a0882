"""A project made by `mltoolkit init` on a real table, stepped through stage by stage in JupyterLab.

JupyterLab is started as `mltoolkit lab` starts it (tests/browser/conftest.py).
Each stage notebook is opened from the project folder and its cells run as a
person runs them; the next stage reads what the previous one wrote there. Then
a saved notebook reopens with its widgets, and a notebook executed by papermill
(as `mltoolkit run` executes them) opens with its widgets' views.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest

from mltoolkit.pipeline import execute_notebook, init_project, project_stages

pytestmark = pytest.mark.slow

KERNEL_CHECK = ("import json, os, sys\n"
                "print(json.dumps({'python': os.path.realpath(sys.executable), 'cwd': os.getcwd(),\n"
                "                  'mlflow': os.environ.get('MLFLOW_TRACKING_URI')}))")


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory) -> Path:
    from sklearn.datasets import load_breast_cancer

    folder = tmp_path_factory.mktemp("lab-project")
    bunch = load_breast_cancer(as_frame=True)
    table = bunch.frame.assign(diagnosis=bunch.target.map({0: "malignant", 1: "benign"})).drop(columns="target")
    later = table.sample(frac=0.3, random_state=1)
    table.drop(later.index).to_csv(folder / "cancer.csv", index=False)
    later.to_csv(folder / "cancer_later.csv", index=False)
    root = folder / "project"
    init_project(root, data=str(folder / "cancer.csv"), target="diagnosis", current=str(folder / "cancer_later.csv"))
    # A shorter tuning budget, edited in the project's copy as a person would.
    training = root / "05_training.ipynb"
    training.write_text(training.read_text().replace("time_budget_s = 30  #", "time_budget_s = 3  #"))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(KERNEL_CHECK)])
    nbformat.write(nb, root / "kernel_check.ipynb")
    return root


def _save(page) -> None:
    """Save as a person does (Ctrl+S in command mode); wait until the tab is no longer marked changed."""
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    page.wait_for_function("() => !document.querySelector('.lm-TabBar-tab.jp-mod-dirty')", timeout=30_000)


def test_kernel_is_this_python_in_the_project_folder_tracking_into_its_store(lab):
    page = lab.open_notebook("kernel_check.ipynb")
    lab.run_all_cells(page)
    seen = json.loads(page.locator(".jp-OutputArea-output").first.inner_text().strip())
    page.close()
    assert seen["python"] == os.path.realpath(sys.executable)
    assert Path(seen["cwd"]).resolve() == lab.root.resolve()
    assert seen["mlflow"] == f"sqlite:///{lab.root.resolve() / 'mlflow.db'}"


def test_every_stage_steps_through_in_the_project_folder_and_reopens_with_its_widgets(lab, artifacts_dir):
    shown = {}
    for path in project_stages(lab.root).values():
        page = lab.open_notebook(path.name)
        lab.run_all_cells(page, timeout_ms=300_000)
        lab.assert_no_errors(page)
        shown[path.stem] = page.locator(".jp-CodeCell:has(.jp-OutputArea-output)").count()
        _save(page)
        page.close()
    for written in ("project_card.yml", "data/train.parquet", "models/model.skops", "artifacts/evaluation.json",
                    "artifacts/deployment.json", "artifacts/drift.json", "package/package.json", "mlflow.db"):
        assert (lab.root / written).exists(), written
    evaluation = json.loads((lab.root / "artifacts" / "evaluation.json").read_text())
    assert evaluation["metric"] == "roc_auc" and evaluation["verdict"] in ("met", "not met", "not established")

    # Saved with its widget state: reopened (a new kernel, nothing run), the widgets still show their content.
    saved = nbformat.read(lab.root / "03_eda.ipynb", as_version=4)
    assert saved.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    page = lab.open_notebook("03_eda.ipynb")
    page.wait_for_selector(".jp-OutputArea-output .widget-tab, .jp-OutputArea-output .jupyter-widgets",
                           timeout=60_000)
    lab.assert_no_errors(page)
    assert "Column kinds" in page.inner_text(".jp-Notebook")  # the overview widget, rebuilt from the saved state
    page.screenshot(path=str(artifacts_dir / "eda_reopened.png"), full_page=True)
    page.close()
    assert all(n >= 3 for n in shown.values()), f"code cells with visible output: {shown}"


def test_a_notebook_executed_by_papermill_opens_with_its_widgets(lab):
    # As `mltoolkit run` executes a stage: papermill, the kernel in the folder holding the stage's inputs.
    execute_notebook(lab.root / "05_training.ipynb", lab.root / "ran_05_training.ipynb", {"track": False},
                     cwd=lab.root)
    page = lab.open_notebook("ran_05_training.ipynb")
    board = page.locator(".mlt-leaderboard")
    board.first.wait_for(timeout=60_000)
    lab.assert_no_errors(page)
    assert "dummy" in board.first.inner_text()
    page.close()
