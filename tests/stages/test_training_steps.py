"""The training stage as steps: the same model as the one-call stage, and a candidate of one's own."""
from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC, SVR

from mltoolkit.errors import ConfigError
from mltoolkit.framing import make_card
from mltoolkit.models import load_model, read_model_info
from mltoolkit.stages import (
    collect_data,
    compare_candidates,
    finish_training,
    prepare_data,
    train_stage,
    training_setup,
    tune_best,
)
from mltoolkit.train import add_candidate


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A prepared project folder (data/, models/preprocessor.skops, artifacts/) on 800 demo rows."""
    root = tmp_path_factory.mktemp("training_steps")
    card = make_card(project="P", task="binary_classification", target="converted", metric="f1", threshold=0.3)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        collect_data("demo://trial_conversion?rows=800", card)
        prepare_data(card)
    return root, card


def _without_times(record: dict) -> dict:
    return {k: v for k, v in record.items() if k != "seconds"} | {
        "candidates": [{k: v for k, v in c.items() if k != "fit_seconds"} for c in record["candidates"]]}


def test_steps_save_what_the_one_call_stage_saves(work, tmp_path):
    card = work
    train_stage(card, candidates=["linear", "random_forest"], time_budget_s=2, max_trials=3, track=False)
    one_call = json.loads((tmp_path / "artifacts" / "training.json").read_text())
    one_model = load_model("models/model.skops")

    data, candidates = training_setup(card, candidates=["linear", "random_forest"])
    comparison = compare_candidates(data, candidates)
    trained = tune_best(data, comparison, time_budget_s=2, max_trials=3)
    assert finish_training(card, data, trained, track=False) is None
    steps = json.loads((tmp_path / "artifacts" / "training.json").read_text())
    assert _without_times(steps) == _without_times(one_call)
    X = data.X.head(40)
    np.testing.assert_allclose(load_model("models/model.skops").predict_proba(X), one_model.predict_proba(X))
    assert (tmp_path / "models" / "reference.json").exists()


def test_a_candidate_added_by_hand_is_compared_and_can_win(work, tmp_path):
    card = work
    data, candidates = training_setup(card, candidates=["linear"])
    candidates = add_candidate(candidates, "extra_trees", ExtraTreesClassifier(n_estimators=50, random_state=0))
    comparison = compare_candidates(data, candidates)
    assert [c.name for c in comparison.candidates] == ["dummy", "linear", "extra_trees"]
    assert "extra_trees" in set(comparison.leaderboard()["name"])
    # Only the hand-made candidate left (besides the baseline): it is the one chosen and saved.
    comparison = compare_candidates(data, {"extra_trees": candidates["extra_trees"]})
    lines: list[str] = []
    trained = tune_best(data, comparison, time_budget_s=5, on_progress=lines.append)
    assert trained.best_name == "extra_trees" and trained.best_params == {}
    assert any("no search space for 'extra_trees'" in line for line in lines)
    finish_training(card, data, trained, track=False)
    assert read_model_info("models/model.skops")["model"] == "extra_trees"
    record = json.loads((tmp_path / "artifacts" / "training.json").read_text())
    assert record["best_name"] == "extra_trees"
    assert [c["name"] for c in record["candidates"]] == ["dummy", "extra_trees"]
    assert type(load_model("models/model.skops").named_steps["model"]) is ExtraTreesClassifier


def test_a_candidate_of_ones_own_is_tuned_over_the_space_given(work):
    data, _ = training_setup(work)
    comparison = compare_candidates(data, {"knn": KNeighborsClassifier()})
    trained = tune_best(data, comparison, time_budget_s=30, max_trials=3, space={"n_neighbors": [3, 15, 41]})
    assert len(trained.trials) == 4 and set(trained.best_params) == {"n_neighbors"}
    assert trained.model.named_steps["model"].n_neighbors == trained.best_params["n_neighbors"]


def test_train_stage_accepts_estimators_by_name(work):
    result, _ = train_stage(work, candidates={"knn": KNeighborsClassifier(n_neighbors=25)}, time_budget_s=0,
                            track=False)
    assert result.best_name == "knn" and read_model_info("models/model.skops")["model"] == "knn"


def test_candidates_that_cannot_serve_the_task_are_refused_by_name(work):
    data, candidates = training_setup(work, candidates=["linear"])
    with pytest.raises(ConfigError, match=r"'svm' \(SVC\) gives no class probabilities.*CalibratedClassifierCV\(SVC\(\)"):
        compare_candidates(data, add_candidate(candidates, "svm", SVC()))
    with pytest.raises(ConfigError, match="'svr' .*SVR.* gives no class probabilities"):
        compare_candidates(data, add_candidate(candidates, "svr", SVR()))
    with pytest.raises(ConfigError, match="not a scikit-learn estimator"):
        add_candidate(candidates, "text", "SVC()")
    with pytest.raises(ConfigError, match="needs a name"):
        add_candidate(candidates, "", SVC())
