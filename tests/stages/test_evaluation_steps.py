"""The evaluation stage as steps: the same artifacts as the one-call stage, and each step's view."""
from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes
from sklearn.metrics import f1_score, mean_squared_error

from mltoolkit.framing import load_card, make_card
from mltoolkit.stages import (
    collect_data,
    default_slice_columns,
    evaluate_stage,
    finish_evaluation,
    importance_held_out,
    judge_held_out,
    prepare_data,
    score_held_out,
    slice_held_out,
    train_stage,
)
from mltoolkit.widgets import HeldOutSummary, ImportanceChart, ModelCardView, SliceTable, VerdictCard
from mltoolkit.widgets.evaluation_views import render_markdown

_ARTIFACTS = ("evaluation.json", "evaluation_details.json", "model_card.json", "model_card.md")


@pytest.fixture(scope="module")
def project(trained_project):
    """A small binary project (demo rows): trained, evaluated and packaged."""
    return trained_project(1500, "evaluation_steps")


@pytest.fixture
def binary(project, tmp_path, monkeypatch):
    """A copy of the binary project as the working folder; its card."""
    shutil.copytree(project, tmp_path / "p")
    monkeypatch.chdir(tmp_path / "p")
    return load_card("project_card.yml")


@pytest.fixture(scope="module")
def regression(tmp_path_factory):
    """A trained regression project (scikit-learn's diabetes table) with a baseline figure; its folder and card."""
    root = tmp_path_factory.mktemp("evaluation_steps_regression")
    frame = load_diabetes(as_frame=True).frame
    frame["sex"] = np.where(frame["sex"] > 0, "a", "b")
    frame.to_csv(root / "diabetes.csv", index=False)
    card = make_card(project="D", task="regression", target="target", metric="rmse", threshold=60, baseline=70.0)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        collect_data(str(root / "diabetes.csv"), card)
        prepare_data(card)
        train_stage(card, candidates=["linear"], time_budget_s=0, track=False)
    return root, card


def _steps(card, artifacts_dir, **kw):
    scores = score_held_out(card)
    verdict, intervals = judge_held_out(card, scores, n_boot=200, seed=3)
    slices = slice_held_out(scores, slice_min_size=kw.get("slice_min_size", 100))
    importance = importance_held_out(scores, importance_repeats=2, seed=3)
    return finish_evaluation(card, scores, verdict, intervals, slices=slices, importance=importance,
                             artifacts_dir=artifacts_dir)


def _same_artifacts(a, b):
    for name in _ARTIFACTS:
        assert (a / name).read_text() == (b / name).read_text(), name
    pd.testing.assert_frame_equal(pd.read_parquet(a / "test_predictions.parquet"),
                                  pd.read_parquet(b / "test_predictions.parquet"))


def test_steps_write_what_the_one_call_stage_writes(binary, tmp_path):
    shutil.copytree("artifacts", "one_call")
    shutil.copytree("artifacts", "steps")
    evaluate_stage(binary, importance_repeats=2, n_boot=200, seed=3, artifacts_dir="one_call")
    result = _steps(binary, "steps")
    _same_artifacts(tmp_path / "p" / "one_call", tmp_path / "p" / "steps")
    # The model card carries the split written by data collection, read from the artifacts folder.
    assert result.model_card["data"]["split"]["rows"]["test"] == len(result.predictions)


def test_regression_steps_write_what_the_one_call_stage_writes(regression, tmp_path, monkeypatch):
    root, card = regression
    monkeypatch.chdir(root)
    shutil.copytree(root / "artifacts", tmp_path / "one_call")
    shutil.copytree(root / "artifacts", tmp_path / "steps")
    evaluate_stage(card, importance_repeats=2, n_boot=200, seed=3, slice_min_size=10,
                   artifacts_dir=tmp_path / "one_call")
    result = _steps(card, tmp_path / "steps", slice_min_size=10)
    _same_artifacts(tmp_path / "one_call", tmp_path / "steps")
    assert result.verdict.baseline["name"] == card.baseline.description and result.residuals is not None


def test_scores_use_the_threshold_given_and_match_scikit_learn(binary):
    scores = score_held_out(binary, threshold=0.35)
    p = scores.predictions
    assert scores.threshold.threshold == 0.35
    np.testing.assert_array_equal(p["prediction"], (p["score"] >= 0.35).astype(int))
    assert scores.values["f1"] == pytest.approx(f1_score(scores.y_test, p["prediction"]))
    assert len(p) == len(pd.read_parquet("data/test.parquet"))


def test_regression_scores_match_scikit_learn(regression, monkeypatch):
    root, card = regression
    monkeypatch.chdir(root)
    scores = score_held_out(card)
    test = pd.read_parquet("data/test.parquet")
    expected = mean_squared_error(test["target"], scores.predictions["prediction"]) ** 0.5
    assert scores.values["rmse"] == pytest.approx(expected)
    assert scores.threshold is None and scores.curves is None


def test_slices_default_to_categorical_columns_and_can_be_turned_off(binary):
    scores = score_held_out(binary)
    slices = slice_held_out(scores)
    assert slices.column_names == default_slice_columns(scores.X_test, exclude=[binary.target])
    assert slice_held_out(scores, slice_columns=[]) is None
    assert "No column to slice by" in SliceTable(None).static_html()
    one = slice_held_out(scores, slice_columns=["plan_type"], slice_min_size=1, slice_gap=0.0)
    html = SliceTable(one).static_html()
    assert "by plan_type" in html and "worse" in html


def test_importance_is_skipped_with_no_repeats(binary):
    scores = score_held_out(binary)
    assert importance_held_out(scores, importance_repeats=0) is None
    assert "Not computed" in ImportanceChart(None).static_html()
    importance = importance_held_out(scores, importance_repeats=2, importance_rows=200)
    assert set(importance.features) == set(scores.X_test.columns) and importance.n_rows == 200
    assert "<img" in ImportanceChart(importance).static_html()


def test_verdict_without_bootstrap_says_the_point_values_decide(binary):
    scores = score_held_out(binary)
    verdict, intervals = judge_held_out(binary, scores, n_boot=0)
    assert verdict.n_boot == 0 and intervals.n_boot == 0
    html = VerdictCard(verdict).static_html()
    assert "point values decide" in html and verdict.metric in html


def test_views_show_card_and_data_text_as_text(binary, tmp_path):
    card = make_card(project="<script>alert(1)</script> & co", task="binary_classification", target="converted",
                     metric="f1", threshold=0.3)
    scores = score_held_out(card)
    verdict, intervals = judge_held_out(card, scores, n_boot=50)
    result = finish_evaluation(card, scores, verdict, intervals, artifacts_dir=tmp_path / "a")
    html = ModelCardView(result.model_card).static_html()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "<table>" in html and "<h1>" in html  # the markdown is rendered: its table and title
    summary = HeldOutSummary(scores).static_html()
    assert "Test rows scored" in summary and "confusion matrix" in summary


def test_markdown_rendering_escapes_html():
    html = render_markdown("# a <b>x</b>\n\n<img src=x onerror=alert(1)>\n\n| c |\n|---|\n| <i>y</i> |\n")
    assert "<b>" not in html and "<img" not in html and "<i>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<td>&lt;i&gt;y&lt;/i&gt;</td>" in html
