from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mltoolkit.data import make_trial_conversion
from mltoolkit.eda import profile
from mltoolkit.widgets import EDAWidget

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def demo():
    df = make_trial_conversion(2000, seed=4)
    return df, profile(df, target="converted")


def test_bundle_offers_live_view_and_static_html(demo):
    df, result = demo
    bundle = EDAWidget(result, data=df)._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "<img src=\"data:image/png;base64," in bundle["text/html"]
    assert "website_visits" in bundle["text/html"]


def test_static_html_has_every_section(demo):
    df, result = demo
    html = EDAWidget(result, data=df).static_html()
    for title in ("Overview", "Alerts", "Columns", "Correlations", "Target: converted"):
        assert f"<h3>{title}" in html


def test_picking_a_column_changes_stats_and_chart(demo):
    df, result = demo
    widget = EDAWidget(result, data=df)
    widget.view  # noqa: B018
    widget.column_picker.value = "website_visits"
    stats_a, png_a = widget.column_stats.value, widget.column_plot.value
    widget.column_picker.value = "location"
    assert widget.column_stats.value != stats_a
    assert widget.column_plot.value != png_a
    assert "United States" in widget.column_stats.value


def test_column_names_are_escaped_never_markup():
    df = pd.DataFrame({SCRIPT: np.arange(50) % 7, "cat": [SCRIPT, "b"] * 25})
    html = EDAWidget(profile(df)).static_html()
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_wide_data_static_view_summarizes_extra_columns():
    df = pd.DataFrame(np.random.default_rng(0).normal(size=(200, 12)), columns=[f"c{i}" for i in range(12)])
    html = EDAWidget(profile(df), max_static_columns=5).static_html()
    assert "7 more columns" in html
    assert html.count("<h4>c") == 5


def test_charts_are_prefetched_in_idle_time_inside_a_kernel_loop(demo):
    import asyncio

    df, result = demo if isinstance(demo, tuple) else (None, demo)
    widget = EDAWidget(result, data=df)
    outside = EDAWidget(result, data=df)
    outside.view  # noqa: B018 - no running loop: nothing scheduled, nothing rendered beyond the first column
    assert outside.column_png.cache_info().currsize <= 1

    async def show_then_idle() -> None:
        widget.view  # noqa: B018 - as displaying it in JupyterLab does
        for _ in range(400):
            await asyncio.sleep(0.05)
            if widget.column_png.cache_info().currsize == len(result.columns):
                return

    asyncio.run(show_then_idle())
    assert widget.column_png.cache_info().currsize == len(result.columns)
    widget.show_column(result.columns[-1].name)  # served from the cache
