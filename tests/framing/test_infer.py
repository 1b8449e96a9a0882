"""What `mltoolkit init` decides from a table: task, positive class, criterion, id and time columns."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mltoolkit.errors import ConfigError, DataError, SchemaError
from mltoolkit.framing.infer import (
    MAX_CLASS_VALUES,
    choose_criterion,
    decide_project,
    infer_positive_class,
    infer_task,
)


def test_two_text_labels_are_a_binary_task():
    assert infer_task(pd.Series(["good", "bad", "good", None]))[0] == "binary_classification"


def test_many_text_labels_are_multiclass():
    assert infer_task(pd.Series(list("abcab")))[0] == "multiclass_classification"


def test_fractional_numbers_are_a_regression():
    task, reason, unsure = infer_task(pd.Series([1.5, 2.0, 3.25, 4.0]))
    assert task == "regression" and "fractional" in reason and not unsure


def test_whole_numbers_with_few_values_are_classes_flagged_for_checking():
    task, reason, unsure = infer_task(pd.Series([3, 4, 5, 6, 5, 4, 3, 7]))
    assert task == "multiclass_classification" and unsure
    assert "set task: regression" in reason


def test_whole_numbers_with_many_values_are_a_regression():
    y = pd.Series(np.arange(MAX_CLASS_VALUES + 1).repeat(3))
    assert infer_task(y)[0] == "regression"


def test_a_constant_target_is_refused():
    with pytest.raises(SchemaError, match="choose another target"):
        infer_task(pd.Series(["a", "a", None]))


def test_positive_class_is_the_minority():
    value, reason = infer_positive_class(pd.Series(["good"] * 70 + ["bad"] * 30))
    assert value == "bad" and "minority" in reason and "30.0%" in reason


def test_positive_class_of_numbers_stays_a_number():
    value, _ = infer_positive_class(pd.Series(np.array([0] * 8 + [1] * 2, dtype=np.int64)))
    assert value == 1 and type(value) is int


def test_criterion_fits_the_task_and_the_class_balance():
    assert choose_criterion("binary_classification", pd.Series([0, 1] * 50), 1)[:2] == ("roc_auc", 0.7)
    rare = pd.Series([0] * 95 + [1] * 5)
    metric, threshold, reason = choose_criterion("binary_classification", rare, 1)
    assert metric == "pr_auc" and threshold == pytest.approx(0.15) and "rare" in reason
    assert choose_criterion("multiclass_classification", pd.Series(list("abcd")))[:2] == ("f1_macro", 0.62)
    assert choose_criterion("regression", pd.Series([1.0, 2.0]))[:2] == ("r2", 0.5)


def _table(n=60):
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "customer_id": np.arange(1000, 1000 + n),
        "opened": pd.date_range("2021-01-01", periods=n, freq="D").astype(str),
        "grade": rng.integers(1, 4, n),
        "income": rng.normal(50, 10, n),
        "status": np.where(rng.random(n) < 0.3, "default", "paid"),
    })


def test_decide_project_on_a_credit_like_table():
    d = decide_project(_table(), "status")
    assert d.task == "binary_classification" and d.positive_class == "default"
    assert d.metric == "roc_auc" and d.threshold == 0.7
    assert d.id_columns == ("customer_id",) and d.time_column == "opened"
    assert d.column_kinds == {"grade": "numeric"} and "codes" in d.reasons["grade"]
    assert any("positive class" in c for c in d.checks)


def test_given_decisions_are_kept():
    d = decide_project(_table(), "status", task="binary_classification", positive_class="paid", metric="f1",
                       threshold=0.6, time_column=None, id_columns=[])
    assert (d.positive_class, d.metric, d.threshold, d.id_columns) == ("paid", "f1", 0.6, ())
    assert d.reasons["problem_framing.positive_class"] == "given"


def test_an_integer_year_column_is_the_time_column():
    df = pd.DataFrame({"year": np.repeat(np.arange(1990, 2000), 3), "y": np.arange(30) * 1.5})
    assert decide_project(df, "y").time_column == "year"


def test_errors_name_the_option_to_fix():
    with pytest.raises(DataError, match="target column 'nope' is not in"):
        decide_project(_table(), "nope")
    with pytest.raises(ConfigError, match="--positive-class 'maybe' is not a value of target 'status'") as err:
        decide_project(_table(), "status", positive_class="maybe")
    assert err.value.parameter == "--positive-class"
    with pytest.raises(ConfigError, match="metric 'r2' does not fit a binary task"):
        decide_project(_table(), "status", metric="r2")
    with pytest.raises(DataError, match="has no values"):
        decide_project(_table().assign(status=None), "status")
