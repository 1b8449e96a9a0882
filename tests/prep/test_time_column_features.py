"""Datetime columns as calendar parts only, when asked (the time column keeps its position in time by default)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mltoolkit.errors import ConfigError
from mltoolkit.framing import make_card
from mltoolkit.framing.config import DataConfig
from mltoolkit.prep import DatetimeFeatures
from mltoolkit.prep.transformers import CALENDAR_PARTS
from mltoolkit.stages import collect_data, prepare_data


def test_calendar_parts_only():
    dates = pd.DataFrame({"d": pd.to_datetime(["2021-03-04", "2022-12-31", None])})
    step = DatetimeFeatures(parts=CALENDAR_PARTS).fit(dates)
    out = step.transform(dates)
    assert out.shape == (3, 3) and list(step.get_feature_names_out()) == ["d_month", "d_day", "d_weekday"]
    np.testing.assert_array_equal(out[0], [3, 4, 3])  # a Thursday
    with pytest.raises(ConfigError, match="unknown date part"):
        DatetimeFeatures(parts=["hour"]).fit(dates).transform(dates)


def _table(n=240):
    rng = np.random.default_rng(0)
    return pd.DataFrame({"day": pd.date_range("2020-01-01", periods=n, freq="D").astype(str),
                         "opened": pd.date_range("2019-05-01", periods=n, freq="3D").astype(str),
                         "x": rng.normal(size=n), "y": rng.choice(["a", "b"], n)})


@pytest.mark.parametrize("calendar_only, expected", [
    ([], {"num__x", *(f"date__{c}_{p}" for c in ("day", "opened")
                      for p in ("year", "month", "day", "weekday", "days_since_ref"))}),
    (["day"], {"num__x", "calendar__day_month", "calendar__day_day", "calendar__day_weekday",
               *(f"date__opened_{p}" for p in ("year", "month", "day", "weekday", "days_since_ref"))}),
])
def test_calendar_only_columns_give_no_position_in_time(tmp_path, monkeypatch, calendar_only, expected):
    monkeypatch.chdir(tmp_path)
    _table().to_csv("t.csv", index=False)
    card = make_card(project="P", task="binary_classification", target="y", metric="roc_auc", threshold=0.6,
                     data=DataConfig(source="t.csv", time_column="day"))
    collect_data(None, card)
    prepared = prepare_data(card, options={"calendar_only": calendar_only})
    assert set(prepared.summary.feature_names) == expected
