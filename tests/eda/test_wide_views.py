"""Wide data in the EDA views: charts for a ranked few columns, a table for the rest, never thousands of charts."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mltoolkit.eda import profile
from mltoolkit.widgets import EDAWidget
from mltoolkit.widgets.eda import chart_order


@pytest.fixture(scope="module")
def wide():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(300, 400)), columns=[f"x{i}" for i in range(400)])
    df["y"] = (df["x7"] + rng.normal(scale=0.1, size=300) > 0).astype(int)
    df["x399"] = np.where(rng.random(300) < 0.7, np.nan, df["x399"])  # an alert late in the table
    return df, profile(df, target="y")


def test_chart_order_puts_target_alerts_and_strong_features_first(wide):
    _, result = wide
    order = chart_order(result)
    assert order[0] == "y"
    assert order.index("x399") < 10 and order.index("x7") < 10
    assert sorted(order) == sorted(c.name for c in result.columns)


def test_static_view_draws_a_few_charts_and_tables_the_rest_with_a_note(wide):
    df, result = wide
    html = EDAWidget(result, data=df, max_static_columns=12).static_html()
    assert html.count("<img") < 12 * 2 + 10  # distributions, target charts, overview and correlation figures
    assert "Charts for 12 of 401 columns" in html
    assert "389 more columns" in html
    assert "<h4>x399</h4>" in html and "<h4>x7</h4>" in html


def test_live_view_prefetches_only_the_ranked_head(wide):
    import asyncio

    df, result = wide
    widget = EDAWidget(result, data=df, max_prefetch_columns=5)

    async def show_then_idle() -> None:
        widget.view  # noqa: B018 - as displaying it in JupyterLab does
        for _ in range(100):
            await asyncio.sleep(0.05)
            if widget.column_png.cache_info().currsize >= 5:
                break
        await asyncio.sleep(0.3)

    asyncio.run(show_then_idle())
    assert widget.column_png.cache_info().currsize <= 6  # the shown column plus the ranked five


def test_thousands_of_alerts_are_listed_up_to_a_limit(monkeypatch):
    from mltoolkit.widgets import eda as eda_widget

    df = pd.DataFrame({f"k{i}": np.full(60, i) for i in range(25)})
    result = profile(df)
    monkeypatch.setattr(eda_widget, "MAX_ALERT_ROWS", 10)
    html = EDAWidget(result).static_html()
    n = len(result.alerts)
    assert n > 25
    assert f"{n - 10} less severe alerts not listed; the JSON profile has all {n}" in html
    assert html.count('<tr><td><span class="mlt-badge') == 10
