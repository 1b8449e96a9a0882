from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mltoolkit.evaluate import slice_performance, threshold_curves
from mltoolkit.widgets.metrics import MetricsWidget

MARKUP = "<b>x</b>"


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    n = 3000
    y = rng.integers(0, 2, n)
    p = np.clip(0.35 * y + 0.65 * rng.random(n), 0, 1)
    df = pd.DataFrame({"segment": rng.choice(["a", MARKUP, "c"], n), "tenure": rng.integers(0, 60, n), "y": y,
                       "p": p})
    df.loc[df.segment == MARKUP, "p"] = rng.random((df.segment == MARKUP).sum())  # worse on one segment
    curves = threshold_curves(df.y, df.p)
    slices = slice_performance(df, ["segment", "tenure"], y_true="y", y_pred="p", metric="f1")
    return curves, slices


def test_slider_change_updates_panel_and_roc_image(data):
    curves, slices = data
    w = MetricsWidget(curves, slices=slices)
    w.view  # noqa: B018 - build the live view, as displaying it does
    panel, roc, pr = w.panel.value, w.roc.value, w.pr.value
    w.slider.value = 0.8
    assert w.panel.value != panel and w.roc.value != roc and w.pr.value != pr
    p = curves.at(0.8)
    assert f"{p['tp']:,}" in w.panel.value and f"{p['fp']:,}" in w.panel.value
    assert w.threshold == pytest.approx(0.8)


def test_cost_inputs_update_expected_value_without_redrawing(data):
    curves, _ = data
    w = MetricsWidget(curves, threshold=0.5)
    w.view  # noqa: B018
    roc = w.roc.value
    w.cost_inputs["cost_fp"].value = 3.0
    ev = curves.expected_value(0.5, benefit_tp=1.0, cost_fp=3.0)
    assert f"{ev['total']:,.0f}" in w.panel.value
    assert w.roc.value is roc


def test_set_threshold_moves_the_slider(data):
    w = MetricsWidget(data[0])
    w.view  # noqa: B018
    w.set_threshold(0.3)
    assert w.slider.value == pytest.approx(0.3) and "0.3" in w.panel.value


def test_controls_carry_stable_css_classes(data):
    w = MetricsWidget(data[0], slices=data[1])
    w.view  # noqa: B018
    assert "mlt-threshold" in w.slider._dom_classes
    assert "mlt-metrics-panel" in w.panel._dom_classes
    assert "mlt-roc" in w.roc._dom_classes and "mlt-pr" in w.pr._dom_classes
    assert "mlt-slice-picker" in w.slice_picker._dom_classes and "mlt-slice-panel" in w.slice_panel._dom_classes


def test_slice_picker_switches_table_and_chart(data):
    w = MetricsWidget(data[0], slices=data[1])
    w.view  # noqa: B018
    table, chart = w.slice_table.value, w.slice_plot.value
    w.slice_picker.value = "tenure"
    assert w.slice_table.value != table and w.slice_plot.value != chart


def test_static_html_escapes_values_and_marks_flagged_slices(data):
    curves, slices = data
    assert any(s.label == MARKUP and s.flagged for s in slices.column("segment").slices)
    html = MetricsWidget(curves, slices=slices, title="<i>model</i>").static_html()
    assert MARKUP not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<i>model</i>" not in html
    assert "mlt-critical" in html and html.count("<img") >= 4 + len(slices.columns)
    assert "Threshold sweep" in html and "Predicted positive" in html
