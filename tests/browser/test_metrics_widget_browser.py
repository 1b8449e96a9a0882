"""The metrics widget in a real JupyterLab: the evaluation notebook, a threshold moved by hand."""
from __future__ import annotations

import pytest

from mltoolkit.pipeline import execute_notebook, stage_notebook

pytestmark = pytest.mark.slow


def test_metrics_widget_reacts_to_threshold_and_slice(lab, artifacts_dir):
    # The stages before evaluation write their outputs into the lab's folder, as a person's run would.
    small = {"data_collection": {"source": "demo://trial_conversion?rows=3000"},
             "training": {"time_budget_s": 0, "candidates": ["linear"], "track": False}}
    for stage in ("problem_framing", "data_collection", "data_preparation", "training"):
        execute_notebook(stage_notebook(stage), lab.root / f"ran_{stage}.ipynb", small.get(stage, {}), cwd=lab.root)
    name = lab.copy_notebook(stage_notebook("evaluation"), {"importance_repeats = 5": "importance_repeats = 0"})
    page = lab.open_notebook(name)
    lab.run_all_cells(page)
    widget = page.locator(".mlt-widget").filter(has=page.locator(".mlt-threshold")).first
    widget.wait_for(timeout=60_000)
    lab.assert_no_errors(page)
    widget.scroll_into_view_if_needed()
    panel, roc = widget.locator(".mlt-metrics-panel"), widget.locator("img.mlt-roc")
    assert "Precision" in panel.inner_text() or "precision" in panel.inner_text()
    before_text, before_src = panel.inner_text(), roc.get_attribute("src")
    page.screenshot(path=str(artifacts_dir / "metrics_widget_chosen_threshold.png"))

    readout = widget.locator(".mlt-threshold .widget-readout").first
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("0.9")
    page.keyboard.press("Enter")
    page.wait_for_function("([el, old]) => el.innerText !== old", arg=[panel.element_handle(), before_text])
    page.wait_for_function("([el, old]) => el.getAttribute('src') !== old", arg=[roc.element_handle(), before_src])
    assert readout.inner_text().strip() in ("0.90", "0.9")
    page.screenshot(path=str(artifacts_dir / "metrics_widget_threshold_0.9.png"))

    picker = widget.locator(".mlt-slice-picker select")
    options = picker.locator("option").all_inner_texts()
    table = widget.locator(".mlt-slice-panel .widget-html-content").first
    first_text = table.inner_text()
    picker.select_option(options[-1])
    page.wait_for_function("([el, old]) => el.innerText !== old", arg=[table.element_handle(), first_text])
    lab.assert_no_errors(page)
