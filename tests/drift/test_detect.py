from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mltoolkit.data import DRIFTED_COLUMNS, make_trial_conversion
from mltoolkit.drift import detect_drift
from mltoolkit.errors import ConfigError, DataError


@pytest.fixture(scope="module")
def drifted():
    return detect_drift(make_trial_conversion(5000), make_trial_conversion(5000, seed=9, drift=1.0))


def test_planted_drift_is_caught_and_nothing_else(drifted):
    assert sorted(drifted.drifted_columns) == sorted(DRIFTED_COLUMNS)


def test_no_drift_pair_flags_nothing():
    result = detect_drift(make_trial_conversion(5000, seed=1), make_trial_conversion(5000, seed=2))
    assert result.drifted_columns == [] and not result.dataset_drift


def test_small_samples_use_p_value_tests_and_large_use_distances():
    small = detect_drift(make_trial_conversion(500), make_trial_conversion(500, seed=1))
    assert small.column("website_visits").test == "ks" and small.column("location").test == "chisquare"
    assert small.column("demo_taken").test == "ztest"
    large = detect_drift(make_trial_conversion(3000), make_trial_conversion(3000, seed=1))
    assert large.column("website_visits").test == "wasserstein"
    assert large.column("location").test == "jensenshannon"


def test_per_column_test_and_threshold_override():
    r = detect_drift(make_trial_conversion(3000), make_trial_conversion(3000, seed=1, drift=0.3),
                     tests={"website_visits": "psi", "location": "tvd"}, thresholds={"website_visits": 0.5})
    col = r.column("website_visits")
    assert col.test == "psi" and col.threshold == 0.5 and col.drifted == (col.statistic >= 0.5)
    assert r.column("location").test == "tvd"


def test_reflagging_changes_flags_without_recomputing(drifted):
    strict = drifted.with_thresholds(distance=0.01)
    assert len(strict.drifted_columns) > len(drifted.drifted_columns)
    for a, b in zip(drifted.columns, strict.columns):
        assert a.statistic == b.statistic
    assert strict.with_thresholds(distance=0.1).drifted_columns == drifted.drifted_columns


def test_dataset_verdict_follows_drift_share(drifted):
    assert drifted.share_drifted == pytest.approx(3 / drifted.n_tested)
    assert drifted.with_thresholds(drift_share=0.2).dataset_drift
    assert not drifted.with_thresholds(drift_share=0.5).dataset_drift


def test_result_is_strict_json(drifted):
    data = json.loads(json.dumps(drifted.to_dict(), allow_nan=False))
    assert data["columns"][0]["column"] == "prospect_id"


def test_empty_reference_or_current_is_named():
    df = make_trial_conversion(100)
    with pytest.raises(DataError, match="reference data is empty"):
        detect_drift(df.iloc[:0], df)
    with pytest.raises(DataError, match="current data is empty"):
        detect_drift(df, df.iloc[:0])


def test_all_missing_column_in_current_is_reported_as_drift():
    ref = pd.DataFrame({"x": np.random.default_rng(0).normal(size=100), "c": ["a", "b"] * 50})  # not a counter
    cur = pd.DataFrame({"x": [np.nan] * 100, "c": [None] * 100})
    r = detect_drift(ref, cur)
    assert r.column("x").drifted and "all missing" in r.column("x").reason
    assert r.column("c").drifted


def test_constant_column_does_not_crash():
    r = detect_drift(pd.DataFrame({"k": [1.0] * 200}), pd.DataFrame({"k": [1.0] * 200}))
    assert not r.column("k").drifted
    r2 = detect_drift(pd.DataFrame({"k": [1.0] * 2000}), pd.DataFrame({"k": [2.0] * 2000}))
    assert r2.column("k").drifted


def test_numeric_in_one_text_in_other_is_a_type_change():
    ref = pd.DataFrame({"x": np.random.default_rng(0).normal(size=100)})  # not a counter (those are left out)
    cur = pd.DataFrame({"x": ["n/a", "high", "low"] * 33 + ["x"]})
    r = detect_drift(ref, cur)
    assert [c.change for c in r.schema_changes] == ["type_changed"]
    assert r.column("x").drifted and "type changed" in r.column("x").reason


@pytest.mark.parametrize("profiled", [False, True])
def test_a_count_column_of_zeros_in_a_batch_is_compared_as_numbers_not_a_type_change(profiled):
    """statsmodels' ``fair`` split in two: the second half has no affairs, so the column reads as a 0/1 flag there."""
    from mltoolkit.drift import build_reference

    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"affairs": np.where(rng.random(500) < 0.3, rng.exponential(2.0, 500), 0.0),
                        "age": rng.normal(30, 5, 500)})
    cur = pd.DataFrame({"affairs": np.zeros(400), "age": rng.normal(30, 5, 400)})
    r = detect_drift(build_reference(ref) if profiled else ref, cur)
    assert r.schema_changes == () and r.column("affairs").test != "skipped"
    assert r.column("affairs").drifted and r.column("affairs").kind == "numeric"


def test_categories_only_in_current_are_reported():
    ref = pd.DataFrame({"c": ["a", "b"] * 100})
    cur = pd.DataFrame({"c": ["a", "b", "zz"] * 70})
    r = detect_drift(ref, cur)
    (change,) = r.schema_changes
    assert change.change == "new_categories" and "'zz'" in change.detail


def test_datetime_column_is_skipped_with_reason_or_compared_on_request():
    ref = pd.DataFrame({"t": pd.date_range("2024-01-01", periods=300, freq="h")})
    cur = pd.DataFrame({"t": pd.date_range("2024-06-01", periods=300, freq="h")})
    assert detect_drift(ref, cur).column("t").test == "skipped"
    assert detect_drift(ref, cur, tests={"t": "ks"}).column("t").drifted


def test_very_different_sizes():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"x": rng.normal(size=100), "c": rng.choice(["a", "b", "c"], 100)})
    cur = pd.DataFrame({"x": rng.normal(size=1_000_000), "c": rng.choice(["a", "b", "c"], 1_000_000)})
    r = detect_drift(ref, cur)
    assert r.column("x").test == "ks" and not r.column("x").drifted


def test_column_in_only_one_side_is_added_or_removed():
    r = detect_drift(pd.DataFrame({"a": [1.0, 2.0], "gone": [1, 2]}), pd.DataFrame({"a": [1.0, 2.0], "new": [3, 4]}))
    assert {(c.change, c.column) for c in r.schema_changes} == {("removed", "gone"), ("added", "new")}


def test_unknown_column_or_test_is_named():
    df = pd.DataFrame({"a": [1.0, 2.0]})
    with pytest.raises(ConfigError, match="'zzz'"):
        detect_drift(df, df, columns=["zzz"])
    with pytest.raises(ConfigError, match="unknown test 'magic'"):
        detect_drift(df, df, tests={"a": "magic"})
    with pytest.raises(ConfigError, match="does not apply to numeric"):
        detect_drift(df, df, tests={"a": "chisquare"})


def test_false_alarm_rate_near_nominal_on_repeated_no_drift_samples():
    population = make_trial_conversion(200_000, seed=3)
    rng = np.random.default_rng(0)
    cols = ["website_visits", "days_in_trial", "location", "seniority", "demo_taken"]
    alarms = np.zeros(len(cols))
    for _ in range(60):
        idx = rng.choice(len(population), 2000, replace=False)
        r = detect_drift(population.iloc[idx[:1000]][cols], population.iloc[idx[1000:]][cols], n_jobs=1)
        alarms += [r.column(c).drifted for c in cols]
    rates = alarms / 60
    assert rates.mean() < 0.1  # nominal 5%; the benchmark checks 200 repetitions to within 1 point


def test_time_and_identifier_columns_are_listed_as_skipped_with_the_reason(two_years):
    early, late = two_years
    r = detect_drift(early, late, time_column="day_index", id_columns=["customer_number"], target="churned")
    assert r.column("day_index").test == "skipped" and "time column (time_column)" in r.column("day_index").reason
    assert r.column("customer_number").test == "skipped" and "id_columns" in r.column("customer_number").reason
    assert not r.column("day_index").drifted and "day_index" not in r.drifted_columns


def test_undeclared_counters_and_ids_are_left_out_with_a_reason(two_years):
    early, late = two_years
    r = detect_drift(early, late)
    assert r.column("day_index").test == "skipped" and "row after row" in r.column("day_index").reason
    assert r.column("customer_number").test == "skipped"
    assert "whole number in every row" in r.column("customer_number").reason
    assert r.column("income").test != "skipped" and r.column("visits").test != "skipped"
    # Asking for a test keeps a column in.
    assert detect_drift(early, late, tests={"day_index": "ks"}).column("day_index").drifted


def test_declared_columns_are_left_out_from_a_profile_too(two_years):
    from mltoolkit.drift import build_reference

    early, late = two_years
    r = detect_drift(build_reference(early), late, time_column="day_index", id_columns=["customer_number"])
    assert [c.column for c in r.columns] == list(early.columns)
    assert r.column("day_index").test == "skipped" and r.column("customer_number").test == "skipped"
    with pytest.raises(ConfigError, match="id_columns 'nope'"):
        detect_drift(early, late, id_columns=["nope"])


def test_target_drift_is_reported_whatever_the_share_of_drifted_features(two_years):
    early, late = two_years
    r = detect_drift(early, late, target="churned", time_column="date")
    assert r.target_drifted and not r.dataset_drift and r.n_drifted == 0
