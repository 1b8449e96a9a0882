"""Data expectations and train/validation/test splits."""
from __future__ import annotations

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
