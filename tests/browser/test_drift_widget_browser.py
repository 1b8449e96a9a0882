"""The drift widget in a real JupyterLab: pick a feature, change the threshold, see the page change."""
from __future__ import annotations

import pytest

from mltoolkit.pipeline import stage_notebook

pytestmark = pytest.mark.slow


def test_drift_widget_reacts_to_feature_and_threshold(lab, artifacts_dir):
    name = lab.copy_notebook(stage_notebook("monitoring"), {'"data/train.parquet"': '"demo://trial_conversion"'})
    page = lab.open_notebook(name)
    lab.run_all_cells(page)
    widget = page.locator(".mlt-widget").filter(has=page.locator("select")).first
    widget.wait_for(timeout=60_000)
    lab.assert_no_errors(page)
    widget.scroll_into_view_if_needed()
    summary = widget.locator(".widget-html-content").filter(has_text="compared columns drifted").first
    assert "3 of 11 compared columns drifted" in summary.inner_text()

    feature = widget.locator("select").filter(has=page.locator("option[value='days_in_trial']")).first
    feature.select_option("days_in_trial")
    verdict = widget.locator(".widget-html-content").filter(has_text="threshold").first
    page.wait_for_function("el => el.innerText.includes('days_in_trial')", arg=verdict.element_handle())
    assert "drifted" in verdict.inner_text()
    image = widget.locator("img").first
    src = image.get_attribute("src")
    feature.select_option("seniority")
    page.wait_for_function("([el, old]) => el.getAttribute('src') !== old", arg=[image.element_handle(), src])
    page.wait_for_function("el => el.innerText.includes('seniority')", arg=verdict.element_handle())
    assert "stable" in verdict.inner_text()
    page.screenshot(path=str(artifacts_dir / "drift_widget_seniority.png"))

    # Lower the distance threshold as a person would: type a new value into the slider's readout.
    readout = widget.locator(".widget-slider", has_text="Distance").locator(".widget-readout").first
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("0.02")
    page.keyboard.press("Enter")
    page.wait_for_function("el => !el.innerText.includes('3 of 11')", arg=summary.element_handle())
    assert "compared columns drifted" in summary.inner_text()
    assert "stable" not in verdict.inner_text() or "drifted" in verdict.inner_text()
    page.screenshot(path=str(artifacts_dir / "drift_widget_threshold_0.02.png"))
    lab.assert_no_errors(page)
