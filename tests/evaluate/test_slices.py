from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from mltoolkit.errors import ConfigError, SchemaError
from mltoolkit.evaluate import MISSING, slice_performance


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(0)
    n = 2000
    plan = rng.choice(["basic", "pro", "team"], n)
    age = rng.normal(40, 10, n)
    age[:50] = np.nan
    y = rng.integers(0, 2, n)
    # the model is good except on "team" rows
    p = np.where(plan == "team", rng.random(n), np.clip(0.6 * y + 0.4 * rng.random(n), 0, 1))
    return pd.DataFrame({"plan": plan, "age": age, "y": y, "p": p})


def test_categorical_slices_match_sklearn_and_flag_the_bad_one(frame):
    r = slice_performance(frame, ["plan"], y_true="y", y_pred="p", metric="f1")
    assert r.overall == pytest.approx(skm.f1_score(frame.y, frame.p >= 0.5))
    by = {s.label: s for s in r.column("plan").slices}
    team = frame.plan == "team"
    assert by["team"].value == pytest.approx(skm.f1_score(frame.y[team], frame.p[team] >= 0.5))
    assert by["team"].n == team.sum()
    assert by["team"].difference == pytest.approx(by["team"].value - r.overall)
    assert by["team"].flagged and not by["pro"].flagged
    assert [c for c, _ in r.flagged] == ["plan"]


def test_numeric_column_gets_quantile_bins_and_missing_slice(frame):
    r = slice_performance(frame, ["age"], y_true="y", y_pred="p", metric="accuracy", bins=4)
    col = r.column("age")
    assert col.kind == "numeric"
    labels = [s.label for s in col.slices]
    assert len(labels) == 5 and labels[-1] == MISSING and labels[0].startswith("[") and labels[1].startswith("(")
    assert sum(s.n for s in col.slices) == len(frame) and col.slices[-1].n == 50
    miss = frame.age.isna()
    assert col.slices[-1].value == pytest.approx(skm.accuracy_score(frame.y[miss], frame.p[miss] >= 0.5))


def test_lower_is_better_metric_flags_higher_values(frame):
    r = slice_performance(frame, ["plan"], y_true="y", y_pred="p", metric="brier", gap=0.05)
    assert r.direction == "lower"
    by = {s.label: s for s in r.column("plan").slices}
    assert by["team"].difference > 0.05 and by["team"].flagged and not by["basic"].flagged


def test_small_slices_are_never_flagged(frame):
    r = slice_performance(frame, ["plan"], y_true="y", y_pred="p", min_size=10_000)
    assert r.flagged == []


def test_regression_slices():
    df = pd.DataFrame({"g": ["a"] * 40 + ["b"] * 40, "y": np.arange(80.0) + 1})
    pred = df.y + np.where(df.g == "a", 0.1, 3.0)
    r = slice_performance(df, ["g"], y_true="y", y_pred=pred, metric="mae", task="regression", gap=1.0)
    by = {s.label: s for s in r.column("g").slices}
    assert by["a"].value == pytest.approx(0.1) and by["b"].value == pytest.approx(3.0) and by["b"].flagged


def test_unknown_column_raises_schema_error_listing_available(frame):
    with pytest.raises(SchemaError, match="'plann' is not in the data; available columns: plan, age, y, p") as e:
        slice_performance(frame, ["plann"], y_true="y", y_pred="p")
    assert e.value.column == "plann"


def test_metric_not_fitting_task_raises_config_error(frame):
    with pytest.raises(ConfigError, match="'rmse' does not fit a binary task"):
        slice_performance(frame, ["plan"], y_true="y", y_pred="p", metric="rmse")


def test_slice_result_is_json_serializable(frame):
    r = slice_performance(frame, ["plan", "age"], y_true="y", y_pred="p")
    d = json.loads(json.dumps(r.to_dict()))
    assert d["columns"][1]["slices"][-1]["label"] == MISSING
    assert len(r.to_frame()) == 3 + 6


def test_binary_slices_with_known_labels_accept_one_class_rows():
    df = pd.DataFrame({"plan": ["a", "a", "b", "b"], "y": [0, 0, 0, 0], "p": [0.9, 0.2, 0.3, 0.8]})
    r = slice_performance(df, ["plan"], y_true="y", y_pred="p", metric="roc_auc", labels=[0, 1], min_size=1)
    assert r.overall is None and all(s.value is None for s in r.column("plan").slices)
