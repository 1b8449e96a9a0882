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


def test_rows_with_a_missing_target_are_dropped_and_counted(tmp_path, demo, monkeypatch):
    monkeypatch.chdir(tmp_path)
    demo["converted"] = demo["converted"].astype(float)
    demo.loc[:6, "converted"] = np.nan
    result = collect_data(_csv(tmp_path, demo), _card())
    assert result.rows_read == 1200 and result.missing_target_dropped == 7
    assert sum(result.split.rows.values()) == 1193


def test_rows_with_a_missing_target_can_be_refused(tmp_path, demo, monkeypatch):
    monkeypatch.chdir(tmp_path)
    demo["converted"] = demo["converted"].astype(float)
    demo.loc[:6, "converted"] = np.nan
    with pytest.raises(DataError, match="target 'converted' has 7 missing values"):
        collect_data(_csv(tmp_path, demo), _card(), missing_target="refuse")


def test_regression_target_for_a_classification_card(tmp_path, demo, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SchemaError, match="looks continuous.*set problem_framing.task: regression in mltoolkit.yml"):
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


def _multiclass_table(n=600, seed=0):
    import pandas as pd

    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    cls = np.array(list("abcd"))[np.clip(((x1 + rng.normal(size=n) + 2) * 1.1).astype(int), 0, 3)]
    cls[:40] = "e"  # a rare class seen only early: a time split leaves it out of the test period
    return pd.DataFrame({"date": pd.date_range("2024-01-01", periods=n, freq="D"), "x1": x1, "x2": x2,
                         "seg": rng.choice(["u", "v"], n), "cls": cls})


@pytest.mark.slow
def test_class_missing_from_time_split_test_period_is_evaluated_with_a_warning(tmp_path, monkeypatch):
    import json

    monkeypatch.chdir(tmp_path)
    card = make_card(project="P", task="multiclass_classification", target="cls", metric="accuracy", threshold=0.5)
    collect_data(_csv(tmp_path, _multiclass_table()), card, strategy="time", time_column="date", expectations={})
    prepare_data(card)
    train_stage(card, candidates=["linear"], time_budget_s=0, track=False)
    result = evaluate_stage(card, importance_repeats=2, slice_columns=["seg"], n_boot=200)
    assert result.metrics.labels == ("a", "b", "c", "d", "e") and len(result.metrics.confusion) == 5
    assert result.metrics.missing_classes == ("e",)
    assert result.verdict.missing_classes == ("e",)
    assert any("'e'" in w and "never occurs" in w for w in result.warnings)
    saved = json.loads((tmp_path / "artifacts" / "evaluation.json").read_text())
    assert saved["missing_classes"] == ["e"] and saved["verdict"] in ("met", "not met", "not established")
    assert saved["baseline"]["metric"] == "log_loss" and saved["baseline"]["value"] is not None


@pytest.mark.slow
def test_small_binary_table_gets_interval_and_no_unearned_pass(tmp_path, demo, monkeypatch):
    import json

    monkeypatch.chdir(tmp_path)
    card = _card(metric="roc_auc", threshold=0.6)
    collect_data(_csv(tmp_path, demo.head(50)), card, expectations={})
    prepare_data(card)
    train_stage(card, candidates=["linear"], cv_folds=3, time_budget_s=0, track=False)
    result = evaluate_stage(card, importance_repeats=0)
    v = result.verdict
    assert v.n_test == 10 and v.n_boot == 1000
    assert v.verdict in ("not established", "not met") and v.met is False
    if v.value is not None:
        assert v.ci_low <= v.value <= v.ci_high and "95% CI" in v.message
    assert any("only 10 test rows" in w for w in v.warnings)
    saved = json.loads((tmp_path / "artifacts" / "evaluation.json").read_text())
    assert {"verdict", "ci_low", "ci_high", "warnings", "metric_intervals", "baseline_verdict"} <= set(saved)
    assert {"name", "metric", "value", "model_value", "difference_ci_low"} <= set(saved["baseline"])
    card_md = (tmp_path / "artifacts" / "model_card.md").read_text()
    assert f"Verdict: **{v.verdict}**" in card_md and "only 10 test rows" in card_md


@pytest.mark.slow
def test_binary_test_split_with_one_class_reports_undefined_roc_auc(tmp_path, demo, monkeypatch):
    import pandas as pd

    monkeypatch.chdir(tmp_path)
    card = _card(metric="roc_auc", threshold=0.6)
    collect_data(_csv(tmp_path, demo), card)
    prepare_data(card)
    train_stage(card, candidates=["linear"], time_budget_s=0, track=False)
    test = pd.read_parquet("data/test.parquet")
    test[test["converted"] == 0].to_parquet("data/test.parquet", index=False)
    result = evaluate_stage(card, importance_repeats=2, slice_columns=["location"], n_boot=200)
    assert result.metrics.roc_auc is None and result.curves.roc_auc is None
    assert result.verdict.value is None and result.verdict.verdict == "not established"
    assert "roc_auc undefined" in result.verdict.message
    assert any("one class only" in w for w in result.warnings)


@pytest.mark.slow
def test_a_test_split_smaller_than_ten_rows_is_evaluated(tmp_path, demo, monkeypatch):
    monkeypatch.chdir(tmp_path)
    card = _card(metric="roc_auc", threshold=0.6)
    collect_data(_csv(tmp_path, demo.head(40)), card, expectations={})
    prepare_data(card)
    train_stage(card, candidates=["linear"], cv_folds=2, time_budget_s=0, track=False)
    result = evaluate_stage(card, importance_repeats=0, n_boot=100)
    assert result.verdict.n_test == 8 and len(result.lift.cumulative_gain) == 8  # one lift bin per test row
