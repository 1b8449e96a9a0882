from __future__ import annotations

import pandas as pd
import pytest

from mltoolkit.data import make_trial_conversion
from mltoolkit.drift import detect_drift
from mltoolkit.widgets import DriftWidget

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def result():
    return detect_drift(make_trial_conversion(3000), make_trial_conversion(3000, seed=1, drift=1.0))


def test_threshold_slider_reflags_without_recomputing(result):
    w = DriftWidget(result)
    w.view  # noqa: B018
    before = w.table.value
    assert "3 of 12" in w.summary.value
    w.distance.value = 0.02
    assert w.table.value != before and "3 of 12" not in w.summary.value
    assert [c.statistic for c in w.result.columns] == [c.statistic for c in result.columns]


def test_picking_a_feature_changes_chart_and_verdict(result):
    w = DriftWidget(result)
    w.view  # noqa: B018
    w.feature.value = "days_in_trial"
    png, verdict = w.plot.value, w.verdict.value
    assert "drifted" in verdict
    w.feature.value = "seniority"
    assert w.plot.value != png and "stable" in w.verdict.value


def test_sorting_by_name(result):
    w = DriftWidget(result)
    w.view  # noqa: B018
    w.sort.value = "column name"
    assert w.table.value.index("company_size") < w.table.value.index("website_visits")


def test_static_html_escapes_markup_in_columns_and_categories():
    ref = pd.DataFrame({SCRIPT: ["a", "b"] * 50, "x": range(100)})
    cur = pd.DataFrame({SCRIPT: ["a", SCRIPT] * 50, "x": range(100)})
    html = DriftWidget(detect_drift(ref, cur)).static_html()
    assert SCRIPT not in html and "&lt;script&gt;" in html


def test_static_view_draws_its_charts_once_per_result(result, monkeypatch):
    import mltoolkit.widgets.drift as drift_widget
    from mltoolkit.widgets.drift import static_charts

    drawn = []
    real = drift_widget.figure_png
    monkeypatch.setattr(drift_widget, "figure_png", lambda fig, *a: drawn.append(fig) or real(fig, *a))
    _, shown = static_charts(result, 4)  # drawn ahead, as a command's report does while other checks run
    assert len(drawn) == 1 + 4 and len(shown) == 4
    html = DriftWidget(result, max_static_columns=4).static_html()
    assert len(drawn) == 5  # the view found them
    assert html.count("<img") == 5
    # Columns beyond the charts shown are counted, and listed in the table.
    assert "8 more columns are in the table above" in html
