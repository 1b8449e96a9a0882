"""Stage 06, evaluation: the held-out test set against the project card's success criterion.

The stage is five steps, each one cell of ``06_evaluation.ipynb``:
:func:`~mltoolkit.stages.evaluation_scores.score_held_out` (the model scored on
the test rows), :func:`~mltoolkit.stages.evaluation_scores.judge_held_out` (the
verdict against the card and the baseline, with bootstrap intervals),
:func:`slice_held_out` (performance by segment), :func:`importance_held_out`
(what the model relies on) and :func:`finish_evaluation` (the model card and the
saved artifacts). :func:`evaluate_stage` runs them in one call.
"""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mltoolkit._serialize import to_jsonable
from mltoolkit.evaluate import (
    BootstrapResult,
    CalibrationCurve,
    LiftGain,
    ResidualSummary,
    SliceResult,
    ThresholdCurves,
    slice_performance,
)
from mltoolkit.evaluate.criteria import ThresholdChoice, Verdict
from mltoolkit.evaluate.importance import FeatureImportance, permutation_importance
from mltoolkit.evaluate.model_card import model_card, model_card_markdown
from mltoolkit.framing import ProjectCard
from mltoolkit.stages.evaluation_scores import HeldOutScores, judge_held_out, score_held_out

__all__ = ["EvaluationResult", "evaluate_stage", "default_slice_columns", "slice_held_out", "importance_held_out",
           "finish_evaluation"]


@dataclasses.dataclass
class EvaluationResult:
    """Everything the evaluation stage computed; ``save`` writes the artifacts."""

    task_kind: str
    verdict: Verdict
    metrics: Any  # ClassificationMetrics, MulticlassMetrics or RegressionMetrics
    threshold: ThresholdChoice | None
    curves: ThresholdCurves | None
    calibration: CalibrationCurve | None
    lift: LiftGain | None
    residuals: ResidualSummary | None
    slices: SliceResult | None
    importance: FeatureImportance | None
    model_card: dict[str, Any]
    predictions: pd.DataFrame
    uncertainty: BootstrapResult | None = None  # bootstrap intervals of every test metric

    @property
    def warnings(self) -> tuple[str, ...]:
        """Why the test figures may not hold (classes missing from the test rows, too few rows)."""
        return self.verdict.warnings

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({k: v for k, v in dataclasses.asdict(self).items() if k not in ("predictions", "curves")})

    def save(self, artifacts_dir: str | Path = "artifacts") -> dict[str, Path]:
        """Write evaluation.json, model_card.{json,md} and test_predictions.parquet."""
        art = Path(artifacts_dir)
        art.mkdir(parents=True, exist_ok=True)
        paths = {"evaluation": art / "evaluation.json", "details": art / "evaluation_details.json",
                 "model_card_json": art / "model_card.json", "model_card_md": art / "model_card.md",
                 "predictions": art / "test_predictions.parquet"}
        paths["evaluation"].write_text(json.dumps(self.verdict.to_dict(), indent=2), encoding="utf-8")
        paths["details"].write_text(json.dumps(self.to_dict(), indent=2), encoding="utf-8")
        paths["model_card_json"].write_text(json.dumps(to_jsonable(self.model_card), indent=2), encoding="utf-8")
        paths["model_card_md"].write_text(model_card_markdown(self.model_card), encoding="utf-8")
        self.predictions.to_parquet(paths["predictions"], index=False)
        return paths


def default_slice_columns(frame: pd.DataFrame, exclude: Sequence[str], max_columns: int = 4,
                          max_levels: int = 12) -> list[str]:
    """Categorical-looking columns (2..max_levels distinct values) to slice by, fewest levels first."""
    out = []
    for col in frame.columns:
        if col in exclude or pd.api.types.is_float_dtype(frame[col]) or pd.api.types.is_datetime64_any_dtype(frame[col]):
            continue
        k = frame[col].nunique()
        if 2 <= k <= max_levels:
            out.append((k, col))
    return [c for _, c in sorted(out)[:max_columns]]


def slice_held_out(scores: HeldOutScores, *, slice_columns: Sequence[str] | None = None, slice_gap: float = 0.1,
                   slice_min_size: int = 100) -> SliceResult | None:
    """The test metric per segment of each slice column, segments doing worse than overall flagged.

    Parameters
    ----------
    scores : HeldOutScores
        From :func:`~mltoolkit.stages.evaluation_scores.score_held_out`.
    slice_columns : sequence of str, optional
        Columns of the test split to slice by; None picks categorical-looking
        features (:func:`default_slice_columns`).
    slice_gap, slice_min_size
        A segment is flagged when it is at least ``slice_gap`` worse than
        overall and holds at least ``slice_min_size`` test rows.

    Returns
    -------
    SliceResult or None
        None when there is no column to slice by.
    """
    s = scores
    cols = list(slice_columns) if slice_columns is not None else default_slice_columns(
        s.X_test, exclude=[s.target])
    if not cols:
        return None
    labels = [str(c) for c in s.labels] if s.task_kind == "multiclass" else s.labels
    return slice_performance(s.test, cols, y_true=s.y_test, y_pred=s.slice_pred, metric=s.slice_metric,
                             task=s.task_kind, threshold=s.threshold.threshold if s.threshold else 0.5,
                             positive_label=1, labels=labels, min_size=slice_min_size, gap=slice_gap)


def importance_held_out(scores: HeldOutScores, *, importance_repeats: int = 5, importance_rows: int = 5000,
                        seed: int = 42) -> FeatureImportance | None:
    """Permutation importance of each input column on the test rows (in the selection metric).

    Returns None when ``importance_repeats`` is 0 or the metric is undefined on
    the test rows. Rows of a class left out of training are not used (the
    model has no column for it).
    """
    s = scores
    known = (~pd.Series(s.y_test).astype("string").isin(s.unseen).to_numpy() if s.unseen
             else np.ones(len(s.y_test), bool))
    if importance_repeats <= 0 or s.values.get(s.selection_metric) is None or not known.any():
        return None
    return permutation_importance(s.model, s.X_test[known], np.asarray(s.y_test)[known], metric=s.selection_metric,
                                  n_repeats=importance_repeats, max_rows=importance_rows, seed=seed, task=s.task_kind,
                                  labels=[c for c in s.labels if c not in s.unseen] if s.labels else s.labels)


def _calibration_gap(cal: CalibrationCurve | None) -> float | None:
    """Mean gap between predicted and observed positive rates, weighted by the rows of each bin."""
    if cal is None or not len(cal.prob_true):
        return None
    weights = np.array([c for c in cal.counts if c > 0], dtype=float)
    gaps = np.abs(np.array(cal.prob_true) - np.array(cal.prob_pred))
    return float(np.average(gaps, weights=weights)) if len(weights) == len(gaps) else float(gaps.mean())


def finish_evaluation(card: ProjectCard, scores: HeldOutScores, verdict: Verdict,
                      uncertainty: BootstrapResult | None = None, *, slices: SliceResult | None = None,
                      importance: FeatureImportance | None = None,
                      artifacts_dir: str | Path = "artifacts") -> EvaluationResult:
    """Assemble the model card and save the evaluation's artifacts.

    Writes ``evaluation.json`` (the verdict), ``evaluation_details.json``,
    ``model_card.json``, ``model_card.md`` and ``test_predictions.parquet``
    into ``artifacts_dir``; the split summary of data collection
    (``split.json`` there) goes into the model card when it exists.
    """
    s = scores
    flagged = [{"column": c, "label": r.label, "n": r.n, "value": r.value, "overall": slices.overall,
                "metric": slices.metric} for c, r in slices.flagged] if slices else []
    split_path = Path(artifacts_dir) / "split.json"
    split = json.loads(split_path.read_text()) if split_path.exists() else None
    mc = model_card(card=card.to_dict(), model_info=s.info, verdict=verdict.to_dict(), metrics=s.metrics.to_dict(),
                    split=split, slices_flagged=flagged, importance=importance.to_dict() if importance else None,
                    threshold_rule=s.threshold.rule if s.threshold else None,
                    calibration_gap=_calibration_gap(s.calibration))
    result = EvaluationResult(task_kind=s.task_kind, verdict=verdict, metrics=s.metrics, threshold=s.threshold,
                              curves=s.curves, calibration=s.calibration, lift=s.lift, residuals=s.residuals,
                              slices=slices, importance=importance, model_card=mc, predictions=s.predictions,
                              uncertainty=uncertainty)
    result.save(artifacts_dir)
    return result


def evaluate_stage(card: ProjectCard, *, data_dir: str | Path = "data", model_path: str | Path = "models/model.skops",
                   threshold: float | None = None, slice_columns: Sequence[str] | None = None,
                   slice_gap: float = 0.1, slice_min_size: int = 100, importance_repeats: int = 5,
                   importance_rows: int = 5000, seed: int = 42, n_boot: int = 1000, confidence: float = 0.95,
                   artifacts_dir: str | Path = "artifacts") -> EvaluationResult:
    """Evaluate the trained model on the test split; write the artifacts.

    The five steps in one call: :func:`~mltoolkit.stages.evaluation_scores.score_held_out`,
    :func:`~mltoolkit.stages.evaluation_scores.judge_held_out`, :func:`slice_held_out`,
    :func:`importance_held_out` and :func:`finish_evaluation` (see them for what
    is read, written and refused).

    The decision threshold of a binary classifier is chosen on the validation
    split (see :func:`~mltoolkit.evaluate.criteria.choose_threshold`) and then
    applied to test, so the test figures are not tuned to the test rows.

    Every metric, curve and slice is computed against all classes known from
    training (the model's ``classes_``), so a test split missing a class is
    evaluated (and a warning names the class). Each test metric carries a
    percentile bootstrap interval (``n_boot`` resamples of the test rows,
    seeded by ``seed``), and the verdict is "met", "not met" or "not
    established" (an interval straddles the threshold); see
    :class:`~mltoolkit.evaluate.Verdict`.
    """
    scores = score_held_out(card, data_dir=data_dir, model_path=model_path, threshold=threshold)
    verdict, uncertainty = judge_held_out(card, scores, n_boot=n_boot, confidence=confidence, seed=seed)
    slices = slice_held_out(scores, slice_columns=slice_columns, slice_gap=slice_gap, slice_min_size=slice_min_size)
    importance = importance_held_out(scores, importance_repeats=importance_repeats, importance_rows=importance_rows,
                                     seed=seed)
    return finish_evaluation(card, scores, verdict, uncertainty, slices=slices, importance=importance,
                             artifacts_dir=artifacts_dir)
