"""The EDA widget in a real JupyterLab: run the stage notebook, pick a column, see it change."""
from __future__ import annotations

import pytest

from mltoolkit.pipeline import stage_notebook

pytestmark = pytest.mark.slow


def test_eda_widget_reacts_to_column_picker(lab, artifacts_dir):
    name = lab.copy_notebook(stage_notebook("eda"),
                             {'"data/train.parquet"': '"demo://trial_conversion?rows=3000"'})
    page = lab.open_notebook(name)
    lab.run_all_cells(page)
    widget = page.locator(".mlt-widget").filter(has=page.locator(".lm-TabBar")).first
    widget.wait_for(timeout=60_000)
    lab.assert_no_errors(page)
    widget.scroll_into_view_if_needed()
    widget.locator(".lm-TabBar-tab", has_text="Columns").first.click()
    picker = widget.locator(".mlt-column-picker select")
    picker.select_option("website_visits")
    stats = widget.locator(".mlt-column-stats")
    page.wait_for_function("el => el.innerText.includes('Skewness')", arg=stats.element_handle())
    image = widget.locator("img.mlt-column-plot")
    before_text, before_src = stats.inner_text(), image.get_attribute("src")
    page.screenshot(path=str(artifacts_dir / "eda_widget_website_visits.png"), full_page=False)

    picker.select_option("location")
    page.wait_for_function("([el, old]) => el.innerText !== old", arg=[stats.element_handle(), before_text])
    assert "United States" in stats.inner_text()
    page.wait_for_function("([el, old]) => el.getAttribute('src') !== old", arg=[image.element_handle(), before_src])
    page.screenshot(path=str(artifacts_dir / "eda_widget_location.png"), full_page=False)
    lab.assert_no_errors(page)
