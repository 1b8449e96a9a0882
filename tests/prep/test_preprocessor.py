"""The preprocessing pipeline and the leakage check."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mltoolkit.data import infer_schema, make_trial_conversion
from mltoolkit.errors import ConfigError, SchemaError
from mltoolkit.prep import build_preprocessor, check_leakage, describe_preprocessor, leakage_scores


@pytest.fixture(scope="module")
def demo():
    return make_trial_conversion(3000, seed=1)


def test_fitted_on_train_only_and_handles_unseen_levels(demo):
    train, test = demo.iloc[:2000].drop(columns="converted"), demo.iloc[2000:].drop(columns="converted").copy()
    options = {"ordinal": {"seniority": ["junior", "mid", "senior", "director", "executive"]},
               "aggregations": {"website_visits": "location"}}
    pre = build_preprocessor(infer_schema(train), options=options).fit(train)
    test.loc[test.index[0], "location"] = "Atlantis"  # a level never seen in train
    test.loc[test.index[1], "seniority"] = "intern"
    out = pre.transform(test)
    assert not out.isna().any().any() and len(out) == len(test)
    assert out.filter(like="location_").iloc[0].sum() == 0  # unseen level: no one-hot column lights up
    assert out["ord__seniority"].iloc[1] == -1
    assert not any("prospect_id" in c or "notes" in c and "missingindicator" in c for c in out.columns)
    assert {"date__signup_date_weekday", "date__signup_date_days_since_ref"} <= set(out.columns)
    # Scaling statistics come from train, not test: train's scaled column has mean ~0.
    train_out = pre.transform(train)
    assert abs(train_out["num__pages_per_visit"].mean()) < 1e-9
    summary = describe_preprocessor(pre, infer_schema(train), options=options)
    plans = {p.column: p.treatment for p in summary.columns}
    assert plans["prospect_id"] == "dropped (identifier)" and "one-hot" in plans["location"]
    assert summary.n_features_out == out.shape[1]


def test_bad_options_are_refused(demo):
    schema = infer_schema(demo)
    with pytest.raises(SchemaError, match="names column 'nope'"):
        build_preprocessor(schema, target="converted", options={"drop": ["nope"]})
    with pytest.raises(ConfigError, match="unknown preprocessing option"):
        build_preprocessor(schema, options={"scaling": True})
    with pytest.raises(ConfigError, match="target 'converted' is never a feature"):
        build_preprocessor(schema, target="converted", options={"drop": ["converted"]})


def test_id_leaking_the_target_is_refused_naming_it(demo):
    leaky = demo.sort_values("converted").assign(customer_id=np.arange(len(demo)))
    with pytest.raises(SchemaError, match="column 'customer_id' .* predicts target 'converted' almost perfectly"):
        check_leakage(leaky, "converted", task_kind="binary")
    check_leakage(leaky, "converted", task_kind="binary", allow=["customer_id"])
    # A unique id in random order is not flagged: categorical scores are out-of-fold.
    scores = {s.column: s for s in leakage_scores(demo.assign(code=[f"c{i}" for i in range(len(demo))]),
                                                   "converted", task_kind="binary")}
    assert not scores["code"].leaky and not scores["prospect_id"].leaky


def test_copy_of_a_regression_target_is_flagged():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=500), "y": rng.normal(size=500)})
    df["y_again"] = df["y"] * 2 + 1
    df["band"] = pd.cut(df["y"], 50).astype(str)
    flagged = {s.column for s in leakage_scores(df, "y", task_kind="regression") if s.leaky}
    assert flagged == {"y_again"} or flagged == {"y_again", "band"}
    assert "x" not in flagged


def test_text_booleans_are_encoded_as_numbers_before_imputation():
    train = pd.DataFrame({"smoker": ["yes", "no", None, "Yes", "NO"] * 4, "paid": ["t", "f", "T", None, "F"] * 4,
                          "x": np.arange(20.0)})
    schema = infer_schema(train)
    assert schema.kind("smoker") == schema.kind("paid") == "boolean"
    pre = build_preprocessor(schema, options={"scale": False, "numeric_impute": "median"}).fit(train)
    out = pre.transform(train)
    assert out["bool__smoker"].tolist()[:5] == [1.0, 0.0, 0.5, 1.0, 0.0]  # the gap: the median of 1, 0, 1, 0
    assert out["bool__missingindicator_smoker"].tolist()[:5] == [0, 0, 1, 0, 0]
    new = pd.DataFrame({"smoker": [" no ", None], "paid": ["TRUE", "n"], "x": [1.0, 2.0]})  # at prediction time
    again = pre.transform(new)
    assert again["bool__smoker"].iloc[0] == 0.0 and again["bool__paid"].tolist() == [1.0, 0.0]
    plans = {p.column: p.treatment for p in describe_preprocessor(pre, schema).columns}
    assert plans["smoker"].startswith("text as 1/0")


def test_zoned_and_mixed_offset_times_are_expanded_in_utc():
    train = pd.DataFrame({"t": ["2024-01-10T23:30:00-05:00", "2024-07-10T10:00:00+02:00", "2024-03-01T08:30:00Z",
                                None] * 5, "x": np.arange(20.0)})
    pre = build_preprocessor(infer_schema(train), options={"scale": False}).fit(train)
    out = pre.transform(train)
    # 23:30 in New York on the 10th is 04:30 UTC on the 11th.
    assert out[["date__t_year", "date__t_month", "date__t_day"]].iloc[0].tolist() == [2024.0, 1.0, 11.0]
    assert out.notna().all().all()


def test_naive_reference_date_works_with_zoned_times():
    times = pd.Series(pd.date_range("2024-03-01", periods=20, freq="D", tz="Europe/Berlin"))
    train = pd.DataFrame({"t": times})
    pre = build_preprocessor(infer_schema(train), options={"scale": False, "datetime_reference": "2024-01-01"})
    out = pre.fit(train).transform(train)
    assert out["date__t_days_since_ref"].iloc[0] == pytest.approx(60 - 1 / 24)  # midnight Berlin is 23:00 UTC


def test_day_first_dates_are_read_day_first_even_one_row_at_a_time():
    train = pd.DataFrame({"d": ["13/04/2020", "01/02/2021", "25/12/2019"] * 7})
    pre = build_preprocessor(infer_schema(train), options={"scale": False}).fit(train)
    one = pre.transform(pd.DataFrame({"d": ["01/02/2021"]}))  # alone it would read as 2 January
    assert one[["date__d_month", "date__d_day"]].iloc[0].tolist() == [2.0, 1.0]
