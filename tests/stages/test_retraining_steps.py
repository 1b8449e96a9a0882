"""Retraining as steps: the decision of the one-call stage, and a sentence in every step when it waits."""
from __future__ import annotations

import json

import pytest

from mltoolkit.framing import make_card
from mltoolkit.stages import (
    check_new_labels,
    collect_data,
    compare_with_champion,
    decide_retraining,
    evaluate_stage,
    prepare_data,
    retrain_stage,
    train_challenger,
    train_stage,
)
from mltoolkit.widgets import ChallengerTrained, ChampionVsChallenger, NewLabelsCheck, RetrainingDecisionView

NEW = "demo://trial_conversion?rows=1500&seed=6"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A champion (data, preprocessor, model, evaluation) on 1,500 demo rows."""
    root = tmp_path_factory.mktemp("retraining_steps")
    card = make_card(project="P <i>", task="binary_classification", target="converted", metric="roc_auc",
                     threshold=0.5)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        collect_data("demo://trial_conversion?rows=1500", card)
        prepare_data(card)
        train_stage(card, candidates=["linear"], time_budget_s=0, track=False)
        evaluate_stage(card, importance_repeats=0)
    return root, card


def _steps(card, new_data, *, track=False, **options):
    labels = check_new_labels(card, new_data=new_data, only_if_recommended=False)
    challenger = train_challenger(card, labels, candidates=["linear"], time_budget_s=0, track=track)
    head_to_head = compare_with_champion(card, labels, challenger, n_boot=50)
    return labels, challenger, head_to_head, decide_retraining(card, labels, challenger, head_to_head, track=track,
                                                               **options)


def test_steps_decide_what_the_one_call_stage_decides(work, tmp_path):
    card = work
    one_call = retrain_stage(card, new_data=NEW, only_if_recommended=False, candidates=["linear"], time_budget_s=0,
                             track=False, n_boot=50)
    recorded = json.loads((tmp_path / "artifacts" / "retraining.json").read_text())
    labels, challenger, head_to_head, decision = _steps(card, NEW)
    assert decision.result == one_call
    assert json.loads((tmp_path / "artifacts" / "retraining.json").read_text()) == recorded
    assert decision.record == str(tmp_path.joinpath("artifacts", "retraining.json").relative_to(tmp_path))
    assert len(labels.holdout) + len(labels.new_train) == len(labels.new) == one_call.new_rows
    assert challenger.train_rows == len(labels.train) + len(labels.new_train)
    assert head_to_head.comparison.n_rows == len(labels.holdout)
    assert head_to_head.champion_model == head_to_head.challenger_model == "linear"


def test_views_show_each_step(work):
    labels, challenger, head_to_head, decision = _steps(work, NEW)
    new = NewLabelsCheck(labels).static_html()
    assert f"{len(labels.holdout):,}" in new and "only_if_recommended is off" in new
    assert "linear" in ChallengerTrained(challenger).static_html()
    versus = ChampionVsChallenger(head_to_head).static_html()
    c = head_to_head.comparison
    assert c.verdict in versus and "paired bootstrap" in versus and "By segment" in versus
    assert head_to_head.threshold_champion is None and "threshold" not in versus  # roc_auc needs no threshold
    shown = RetrainingDecisionView(decision).static_html()
    assert "retraining.json" in shown and "not tracked" in shown


def test_a_tracked_decision_names_its_mlflow_run(work, tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    *_, decision = _steps(work, NEW, track=True)
    import mlflow

    run = mlflow.MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}").get_run(decision.mlflow_run_id)
    assert run.info.run_name == "retraining decision" and decision.experiment == "P <i>"
    html = RetrainingDecisionView(decision).static_html()
    assert decision.mlflow_run_id in html and "P &lt;i&gt;" in html


def test_promotion_says_where_the_previous_champion_is(work, tmp_path):
    *_, head_to_head, decision = _steps(work, "demo://trial_conversion?rows=3000&seed=5", auto_promote=True)
    assert head_to_head.comparison.verdict == "promote"  # this sample drifted: the retrained model wins
    assert decision.result.promoted and "previous_model.skops" in RetrainingDecisionView(decision).static_html()


@pytest.mark.parametrize("new_data, waits_because", [
    (None, "no current (production) data"),
    ("demo://trial_conversion?rows=40", "No retraining yet: 40 newly labelled rows"),
])
def test_when_retraining_waits_every_step_says_why(work, tmp_path, new_data, waits_because):
    labels, challenger, head_to_head, decision = _steps(work, new_data)
    assert not labels.ready and waits_because in labels.note
    assert challenger.training is None and head_to_head.comparison is None
    for view in (NewLabelsCheck(labels), ChallengerTrained(challenger), ChampionVsChallenger(head_to_head),
                 RetrainingDecisionView(decision)):
        assert waits_because in view.static_html(), type(view).__name__
    assert not (tmp_path / "challenger").exists()
    recorded = json.loads((tmp_path / "artifacts" / "retraining.json").read_text())
    assert recorded["ran"] is False and waits_because in recorded["summary"]


def test_monitoring_without_a_reason_to_retrain_stops_at_the_first_step(work, tmp_path):
    (tmp_path / "artifacts" / "alerts.json").write_text(json.dumps({"alerts": [], "recommendation": "no action",
                                                                    "retrain": False}))
    labels = check_new_labels(work, new_data=NEW)
    assert not labels.ready and "no reason to retrain" in labels.note
    assert "no reason to retrain" in NewLabelsCheck(labels).static_html()


def test_new_rows_from_a_csv_get_dates_as_the_training_split_holds_them():
    import pandas as pd

    from mltoolkit.stages._retraining_labels import like_training

    train = pd.DataFrame({"naive": pd.to_datetime(["2024-01-01", "2024-02-01"]),
                          "zoned": pd.to_datetime(["2024-01-01T00:00Z", "2024-02-01T00:00Z"]), "x": [1, 2]})
    new = pd.DataFrame({"naive": ["2024-03-01T10:00Z", "2024-03-02T10:00Z"], "zoned": ["2024-03-01", None],
                        "x": [3, 4]})
    out = like_training(new, train)
    assert out.dtypes.to_dict() == train.dtypes.to_dict()
    assert out["naive"].tolist() == [pd.Timestamp("2024-03-01 10:00"), pd.Timestamp("2024-03-02 10:00")]
    assert out["zoned"].iloc[0] == pd.Timestamp("2024-03-01", tz="UTC") and pd.isna(out["zoned"].iloc[1])
    assert pd.concat([train, out]).dtypes.to_dict() == train.dtypes.to_dict()  # joined, savable as Parquet
