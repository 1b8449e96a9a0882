"""Data expectations and train/validation/test splits."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mltoolkit.data import (
    DEMO_EXPECTATIONS,
    Expectations,
    check_expectations,
    load_split,
    make_trial_conversion,
    save_splits,
    split_dataset,
)
from mltoolkit.errors import ConfigError, DataError, SchemaError


@pytest.fixture(scope="module")
def demo():
    return make_trial_conversion(2000)


def test_demo_meets_its_expectations(demo):
    report = check_expectations(demo, Expectations.from_dict(DEMO_EXPECTATIONS).with_target("converted"))
    assert report.passed, report.failed


def test_every_kind_of_violation_is_counted(demo):
    bad = demo.copy()
    bad.loc[:99, "days_in_trial"] = 500  # 5% out of range, over the 1% tolerance
    bad.loc[:3, "plan_type"] = "platinum"
    bad.loc[5, "prospect_id"] = bad.loc[6, "prospect_id"]
    bad = bad.drop(columns="role")
    exp = Expectations.from_dict({**DEMO_EXPECTATIONS, "required": ["role"], "tolerance": 0.01})
    report = check_expectations(bad, exp, source="crm.csv")
    failed = {(c.check, c.column): c for c in report.failed}
    assert failed[("range", "days_in_trial")].n_failed == 100
    assert ("categories", "plan_type") not in failed  # 4 of 2000 rows: within tolerance
    assert failed[("unique", "prospect_id")].n_failed == 1
    assert ("required", "role") in failed
    with pytest.raises(SchemaError, match="crm.csv does not meet its expectations: .*role: required column"):
        report.raise_if_failed()


def test_bad_expectations_are_refused():
    with pytest.raises(ConfigError, match="unknown key.*'rnages'"):
        Expectations.from_dict({"rnages": {}})
    with pytest.raises(ConfigError, match="unknown type"):
        Expectations.from_dict({"types": {"a": "float128"}})
    with pytest.raises(ConfigError, match="range of 'a' must be"):
        Expectations.from_dict({"ranges": {"a": 5}})


@pytest.mark.parametrize("strategy", ["random", "stratified", "time"])
def test_splits_are_disjoint_reproducible_and_sized(demo, strategy, tmp_path):
    kw = dict(target="converted", strategy=strategy, time_column="signup_date", seed=3)
    a, b = split_dataset(demo, **kw), split_dataset(demo, **kw)
    ids = [set(p["prospect_id"]) for p in a.parts().values()]
    assert sum(map(len, ids)) == len(demo) and not (ids[0] & ids[1]) and not (ids[1] & ids[2])
    assert a.summary.rows == {"train": 1200, "validation": 400, "test": 400}
    pd.testing.assert_frame_equal(a.test, b.test)
    if strategy == "stratified":
        rates = a.summary.target_mean
        assert abs(rates["train"] - rates["test"]) < 0.01
    if strategy == "time":
        assert a.train["signup_date"].max() <= a.validation["signup_date"].min() <= a.test["signup_date"].min()
    save_splits(a, tmp_path)
    pd.testing.assert_frame_equal(load_split(tmp_path, "test"), a.test)


def test_split_refusals(demo, tmp_path):
    with pytest.raises(ConfigError, match="needs time_column"):
        split_dataset(demo, strategy="time")
    with pytest.raises(ConfigError, match="leaves under 10%"):
        split_dataset(demo, target="converted", validation_size=0.5, test_size=0.45)
    with pytest.raises(SchemaError, match="target 'convrted' is not a column"):
        split_dataset(demo, target="convrted")
    with pytest.raises(DataError, match="single class"):
        split_dataset(demo.assign(converted=1), target="converted")
    with pytest.raises(DataError, match="run the data-collection stage"):
        load_split(tmp_path, "train")


def test_integer_year_time_column_is_ordered_and_shown_as_years():
    df = pd.DataFrame({"year": list(range(2000, 1945, -5)), "y": [0, 1] * 5 + [0]})
    split = split_dataset(df, strategy="time", time_column="year", validation_size=0, test_size=0.2)
    assert split.summary.time_range == {"train": ("1950", "1990"), "test": ("1995", "2000")}
    assert split.train["year"].tolist() == list(range(1950, 1995, 5))
    assert json.loads(json.dumps(split.summary.to_dict()))["time_range"]["test"] == ["1995", "2000"]


def test_year_column_with_gaps_is_shown_without_decimals():
    df = pd.DataFrame({"year": [float(y) for y in range(1950, 2000, 5)] + [None] * 2, "y": range(12)})
    split = split_dataset(df, strategy="time", time_column="year", validation_size=0.2, test_size=0.2)
    assert split.summary.time_range["test"] == ("1990", "1995")


def test_period_time_column_is_shown_as_periods():
    df = pd.DataFrame({"quarter": pd.period_range("2020Q1", periods=20, freq="Q"), "y": range(20)})
    split = split_dataset(df, strategy="time", time_column="quarter", validation_size=0.2, test_size=0.2)
    assert split.summary.time_range["train"] == ("2020Q1", "2022Q4")
    assert split.summary.time_range["test"] == ("2024Q1", "2024Q4")


def test_times_with_different_offsets_are_ordered_in_utc():
    # 10:00+02:00 (08:00 UTC) comes before 09:00Z; a text sort or a mixed-zone parse would get it wrong or fail.
    times = [f"2024-06-{d:02d}T10:00:00+02:00" if d % 2 else f"2024-06-{d - 1:02d}T09:00:00Z" for d in range(1, 21)]
    df = pd.DataFrame({"t": times, "i": range(20)})
    split = split_dataset(df, strategy="time", time_column="t", validation_size=0.2, test_size=0.2)
    order = pd.concat([split.train, split.validation, split.test])["i"].tolist()
    assert order[:2] == [0, 1]  # 2024-06-01 08:00 UTC, then 09:00 UTC
    assert split.summary.time_range["train"] == ("2024-06-01 08:00:00+00:00", "2024-06-11 09:00:00+00:00")


def test_zone_aware_time_column_is_shown_in_utc():
    times = pd.Series(pd.date_range("2024-03-01", periods=20, freq="D", tz="America/New_York"))
    split = split_dataset(pd.DataFrame({"t": times}), strategy="time", time_column="t")
    assert split.summary.time_range["train"][0] == "2024-03-01 05:00:00+00:00"


def test_time_column_without_times_is_refused_naming_it():
    with pytest.raises(SchemaError, match="time_column 'grade' holds no dates.*'1st'"):
        split_dataset(pd.DataFrame({"grade": ["1st", "2nd"] * 10}), strategy="time", time_column="grade")


def test_a_stratified_split_keeps_classes_too_rare_to_stratify():
    from mltoolkit.data import split_dataset

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=300), "y": rng.choice(["a", "b"], 300, p=[0.7, 0.3])})
    df.loc[[0, 1], "y"] = ["only once", "twice"]
    df.loc[2, "y"] = "twice"
    split = split_dataset(df, target="y", strategy="stratified", time_column=None, validation_size=0.2,
                          test_size=0.2, seed=1)
    parts = pd.concat([split.train, split.validation, split.test])
    assert len(parts) == 300 and set(parts["y"]) == {"a", "b", "only once", "twice"}
    for part in (split.train, split.validation, split.test):  # the common classes keep their balance
        assert abs((part["y"] == "a").mean() - 0.7) < 0.06
