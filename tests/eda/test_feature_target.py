from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mltoolkit.eda.feature_target import feature_vs_target
from mltoolkit.errors import ConfigError


def test_category_rates_match_groupby():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"c": rng.choice(list("abcd"), 1000), "y": rng.integers(0, 2, 1000)})
    s = feature_vs_target(df, "c", "y")
    expected = df.groupby("c")["y"].mean()
    for label, value in zip(s.labels, s.target_values):
        assert value == pytest.approx(expected[label])
    assert s.overall == pytest.approx(df["y"].mean())
    assert sum(s.counts) == 1000


def test_numeric_bins_are_quantiles_and_missing_is_its_own_group():
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, np.nan], "y": [0, 0, 1, 1, 1]})
    s = feature_vs_target(df, "x", "y", bins=2)
    assert s.labels == ("1–2.5", "2.5–4", "(missing)")
    assert s.target_values == (0.0, 1.0, 1.0)


def test_rare_categories_are_grouped_as_other():
    df = pd.DataFrame({"c": [f"v{i}" for i in range(30)] * 2, "y": [0, 1] * 30})
    s = feature_vs_target(df, "c", "y", max_categories=5)
    assert s.labels[-1] == "(other)" and len(s.labels) == 6


def test_regression_target_uses_means():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"c": rng.choice(["a", "b"], 500), "y": rng.normal(size=500)})
    s = feature_vs_target(df, "c", "y")
    assert s.target_label == "mean y"
    assert s.target_values[s.labels.index("a")] == pytest.approx(df.loc[df.c == "a", "y"].mean())


def test_unknown_column_is_named():
    with pytest.raises(ConfigError, match="'nope'"):
        feature_vs_target(pd.DataFrame({"a": [1]}), "nope", "a")


def test_all_missing_target_is_a_data_error_not_an_index_error():
    from mltoolkit.errors import DataError

    df = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [np.nan, np.nan, np.nan]})
    with pytest.raises(DataError, match="target column 'y' is entirely missing"):
        feature_vs_target(df, "x", "y")


def test_dates_read_from_text_are_binned_by_time_when_profiled_as_datetime():
    days = pd.date_range("2024-01-01", periods=200, freq="D")
    df = pd.DataFrame({"when": days.strftime("%d/%m/%Y"), "y": (np.arange(200) >= 100).astype(int)})
    as_text = feature_vs_target(df, "when", "y")
    as_dates = feature_vs_target(df, "when", "y", kind="datetime", bins=4)
    assert "(other)" in as_text.labels  # one group per distinct string: no use for a date
    assert as_dates.labels == ("2024-01-01–2024-02-19", "2024-02-19–2024-04-09", "2024-04-09–2024-05-29",
                               "2024-05-29–2024-07-18", "(missing)")[: len(as_dates.labels)]
    assert as_dates.target_values[:4] == (0.0, 0.0, 1.0, 1.0) and sum(as_dates.counts) == 200
