"""Champion/challenger comparison and the retraining stage's refusals."""
from __future__ import annotations

import json

import numpy as np
import pytest

from mltoolkit.data import make_trial_conversion
from mltoolkit.errors import DataError, SchemaError
from mltoolkit.framing import make_card
from mltoolkit.retrain import compare_champion_challenger
from mltoolkit.stages import collect_data, evaluate_stage, prepare_data, retrain_stage, train_stage


def test_bootstrap_verdicts_follow_the_evidence():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 2000)
    good = np.clip(y * 0.6 + rng.random(2000) * 0.4, 0, 1)
    weak = np.clip(y * 0.2 + rng.random(2000) * 0.8, 0, 1)
    up = compare_champion_challenger(y, weak, good, metric="roc_auc", kind="binary", n_boot=200)
    assert up.verdict == "promote" and up.ci_low > 0 and up.challenger > up.champion
    down = compare_champion_challenger(y, good, weak, metric="roc_auc", kind="binary", n_boot=200)
    assert down.verdict == "keep" and down.ci_high < 0
    same = compare_champion_challenger(y, good, good + rng.normal(0, 1e-4, 2000), metric="roc_auc", kind="binary",
                                       n_boot=200)
    assert same.verdict == "inconclusive"
    regression = compare_champion_challenger(y * 10.0, y * 10.0 + rng.normal(0, 3, 2000), y * 10.0 +
                                             rng.normal(0, 1, 2000), metric="rmse", kind="regression", n_boot=200)
    assert regression.verdict == "promote" and regression.difference > 0  # lower error, positive gain
    json.dumps(up.to_dict())


def test_constraint_blocks_a_challenger_that_buys_recall_with_precision():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 3000)
    s = np.clip(y * 0.3 + rng.random(3000) * 0.7, 0, 1)
    cmp_ = compare_champion_challenger(y, s, s, metric="recall", kind="binary", threshold_champion=0.6,
                                       threshold_challenger=0.05, n_boot=200, constraint=("precision", 0.9))
    assert cmp_.verdict == "keep" and "breaks the condition precision" in cmp_.reason


@pytest.fixture
def champion(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    card = make_card(project="P", task="binary_classification", target="converted", metric="roc_auc", threshold=0.5)
    collect_data("demo://trial_conversion?rows=1500", card)
    prepare_data(card)
    train_stage(card, candidates=["linear"], time_budget_s=0, track=False)
    evaluate_stage(card, importance_repeats=0)
    return card


def test_new_data_with_other_columns_or_without_labels_is_refused(champion, tmp_path):
    new = make_trial_conversion(500, seed=4, drift=1)
    new.drop(columns=["role"]).to_csv(tmp_path / "cols.csv", index=False)
    with pytest.raises(SchemaError, match=r"missing \['role'\]"):
        retrain_stage(champion, new_data=str(tmp_path / "cols.csv"), only_if_recommended=False, track=False)
    new.drop(columns=["converted"]).to_csv(tmp_path / "nolabels.csv", index=False)
    with pytest.raises(DataError, match="has no labels"):
        retrain_stage(champion, new_data=str(tmp_path / "nolabels.csv"), only_if_recommended=False, track=False)


def test_skipped_when_monitoring_does_not_recommend_it(champion, tmp_path):
    (tmp_path / "artifacts" / "alerts.json").write_text(json.dumps({"alerts": [], "recommendation": "no action",
                                                                    "retrain": False}))
    result = retrain_stage(champion, new_data="demo://trial_conversion?rows=300", track=False)
    assert not result.ran and "no reason to retrain" in result.summary


def test_promotion_keeps_the_previous_champion(champion, tmp_path):
    result = retrain_stage(champion, new_data="demo://trial_conversion?rows=3000&seed=5", only_if_recommended=False,
                           auto_promote=True, candidates=["linear"], time_budget_s=0, track=False, n_boot=100)
    assert result.ran and result.comparison is not None
    if result.comparison.verdict == "promote":
        assert result.promoted and (tmp_path / "models" / "previous_model.skops").exists()
    else:
        assert not result.promoted and not (tmp_path / "models" / "previous_model.skops").exists()
    assert json.loads((tmp_path / "artifacts" / "retraining.json").read_text())["summary"] == result.summary


def test_decision_is_recorded_in_mlflow(champion, tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    result = retrain_stage(champion, new_data="demo://trial_conversion?rows=1500&seed=6", only_if_recommended=False,
                           candidates=["linear"], time_budget_s=0, track=True, n_boot=50)
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    runs = client.search_runs([e.experiment_id for e in client.search_experiments()],
                              "attributes.run_name = 'retraining decision'")
    assert len(runs) == 1 and runs[0].data.tags["decision"] == result.comparison.verdict
    assert runs[0].data.metrics["gain"] == pytest.approx(result.comparison.difference)


def test_no_champion_yet_and_failing_challenger_leave_production_alone(champion, tmp_path, monkeypatch):
    from mltoolkit.errors import ModelPackageError, StageError
    from mltoolkit.stages import retraining

    before = (tmp_path / "models" / "model.skops").read_bytes()

    def broken(*args, **kwargs):
        raise StageError("training the challenger failed: out of memory", stage="training")

    monkeypatch.setattr(retraining, "train_stage", broken)
    with pytest.raises(StageError, match="challenger failed"):
        retrain_stage(champion, new_data="demo://trial_conversion?rows=600", only_if_recommended=False, track=False)
    assert (tmp_path / "models" / "model.skops").read_bytes() == before
    (tmp_path / "models" / "model.skops").unlink()
    with pytest.raises(ModelPackageError, match="nothing to compare a challenger with yet"):
        retrain_stage(champion, new_data="demo://trial_conversion?rows=600", only_if_recommended=False, track=False)


def test_too_few_new_labelled_rows_wait_instead_of_failing(champion, tmp_path):
    result = retrain_stage(champion, new_data="demo://trial_conversion?rows=40", only_if_recommended=False,
                           track=False)
    assert not result.ran and "No retraining yet" in result.summary and "at least 20" in result.summary
    assert json.loads((tmp_path / "artifacts" / "retraining.json").read_text())["ran"] is False
