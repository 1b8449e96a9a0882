"""The middle stages refuse bad input with the mltoolkit error that names what to fix."""
from __future__ import annotations

import numpy as np
import pytest

from mltoolkit.data import make_trial_conversion
from mltoolkit.errors import ConfigError, DataError, SchemaError
from mltoolkit.framing import make_card
from mltoolkit.stages import collect_data, evaluate_stage, prepare_data, train_stage


def _card(**kw):
    args = dict(project="P", task="binary_classification", target="converted", metric="f1", threshold=0.3)
    return make_card(**{**args, **kw})


def _csv(tmp_path, df, name="data.csv"):
    path = tmp_path / name
    df.to_csv(path, index=False)
    return str(path)


@pytest.fixture
def demo():
    return make_trial_conversion(1200, seed=5)


def test_target_with_one_class(tmp_path, demo, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SchemaError, match="target 'converted' in .*data.csv has a single class"):
        collect_data(_csv(tmp_path, demo.assign(converted=0)), _card())


def test_target_with_missing_values(tmp_path, demo, monkeypatch):
    monkeypatch.chdir(tmp_path)
    demo["converted"] = demo["converted"].astype(float)
    demo.loc[:6, "converted"] = np.nan
    with pytest.raises(DataError, match="target 'converted' has 7 missing values"):
        collect_data(_csv(tmp_path, demo), _card())


def test_regression_target_for_a_classification_card(tmp_path, demo, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SchemaError, match="looks continuous.*use task 'regression'"):
        collect_data(_csv(tmp_path, demo), _card(target="pages_per_visit"))


def test_metric_that_does_not_fit_the_task():
    with pytest.raises(ConfigError, match="metric 'rmse' does not fit a binary task"):
        _card(metric="rmse", threshold=1)


def test_id_leaking_the_target(tmp_path, demo, monkeypatch):
    monkeypatch.chdir(tmp_path)
    leaky = demo.sort_values("converted").assign(account_no=np.arange(len(demo)))
    card = _card()
    collect_data(_csv(tmp_path, leaky), card)
    with pytest.raises(SchemaError, match="column 'account_no'.*leaks the target"):
        prepare_data(card)


def test_fewer_rows_than_folds(tmp_path, demo, monkeypatch):
    monkeypatch.chdir(tmp_path)
    card = _card()
    collect_data(_csv(tmp_path, demo.head(40)), card, expectations={})
    prepare_data(card)
    with pytest.raises(DataError, match="fewer than the 10 cross-validation folds"):
        train_stage(card, cv_folds=10, track=False)


@pytest.mark.slow
def test_category_seen_only_in_test_is_scored(tmp_path, demo, monkeypatch):
    monkeypatch.chdir(tmp_path)
    card = _card()
    collect_data(_csv(tmp_path, demo), card)
    prepare_data(card)
    train_stage(card, candidates=["linear"], time_budget_s=0, track=False)
    import pandas as pd

    test = pd.read_parquet("data/test.parquet")
    test.loc[:49, "location"] = "Antarctica"  # never seen in training
    test.to_parquet("data/test.parquet", index=False)
    result = evaluate_stage(card, importance_repeats=0, slice_columns=["location"])
    assert result.metrics.n == len(test)
    preds = pd.read_parquet("artifacts/test_predictions.parquet")
    assert preds["score"].between(0, 1).all() and len(preds) == len(test)
