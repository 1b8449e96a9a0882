"""05_training in a real JupyterLab: run it, add a candidate in a new cell, re-run from there."""
from __future__ import annotations

import json

import pytest

from mltoolkit.pipeline import execute_notebook, stage_notebook

pytestmark = pytest.mark.slow

NEW_CELL = ('from sklearn.neighbors import KNeighborsClassifier\n'
            'candidates = add_candidate(candidates, "knn", KNeighborsClassifier(n_neighbors=25))')

NOTHING_RUNNING = """() => {
    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent);
    return prompts.length > 0 && !prompts.some(t => t.includes('*'));
}"""


def _leaderboard(page) -> str:
    board = page.locator(".mlt-leaderboard")
    board.first.wait_for(timeout=60_000)
    return board.first.inner_text()


def test_a_candidate_added_in_a_new_cell_is_compared_chosen_and_saved(lab, artifacts_dir):
    # The stages before training write their outputs into the lab's folder, as a person's run would.
    small = {"data_collection": {"source": "demo://trial_conversion?rows=1500"}}
    for stage in ("problem_framing", "data_collection", "data_preparation"):
        execute_notebook(stage_notebook(stage), lab.root / f"ran_{stage}.ipynb", small.get(stage, {}), cwd=lab.root)
    # Only the baseline to start with: whatever is added next is the one chosen.
    name = lab.copy_notebook(stage_notebook("training"), {
        "candidates = None  #": 'candidates = ["dummy"]  #', "time_budget_s = 30  #": "time_budget_s = 2  #",
        "track = True  #": "track = False  #"})
    page = lab.open_notebook(name)
    lab.run_all_cells(page)
    lab.assert_no_errors(page)
    first = _leaderboard(page)
    assert "dummy" in first and "knn" not in first
    assert page.locator(".jp-OutputArea-output .sk-top-container, .jp-OutputArea-output .sk-estimator").count(), \
        "the fitted pipeline's scikit-learn diagram is shown"
    assert json.loads((lab.root / "models" / "model.json").read_text())["model"] == "dummy"

    # A new cell below the candidates, typed as a person would, then Run > Run Selected Cell and All Below.
    setup = page.locator(".jp-CodeCell").filter(has_text="training_setup(").first
    setup.locator(".jp-InputPrompt").first.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.insert_text(NEW_CELL)
    page.keyboard.press("Escape")
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run Selected Cell and All Below").first.click()
    page.wait_for_function("() => [...document.querySelectorAll('.mlt-leaderboard')]"
                           ".some(t => t.innerText.includes('knn'))", timeout=120_000)
    page.wait_for_function(NOTHING_RUNNING, timeout=120_000)
    page.wait_for_timeout(500)
    lab.assert_no_errors(page)
    page.screenshot(path=str(artifacts_dir / "training_notebook_with_knn.png"), full_page=True)

    board = _leaderboard(page)
    assert "knn" in board and "dummy" in board
    info = json.loads((lab.root / "models" / "model.json").read_text())
    assert info["model"] == "knn"
    record = json.loads((lab.root / "artifacts" / "training.json").read_text())
    assert record["best_name"] == "knn" and {c["name"] for c in record["candidates"]} == {"dummy", "knn"}
    summary = page.locator(".jp-CodeCell").filter(has_text="finish_training(").first.inner_text()
    assert "knn" in summary
