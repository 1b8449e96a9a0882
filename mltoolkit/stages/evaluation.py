"""Stage 06, evaluation: the held-out test set against the project card's success criterion."""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier, DummyRegressor

from mltoolkit._serialize import to_jsonable
from mltoolkit.data import load_split
from mltoolkit.errors import SchemaError
from mltoolkit.evaluate import (
    BootstrapResult,
    CalibrationCurve,
    LiftGain,
    ResidualSummary,
    SliceResult,
    ThresholdCurves,
    bootstrap_metrics,
    calibration_curve,
    classification_metrics,
    lift_gain,
    metric_value,
    missing_classes,
    multiclass_metrics,
    regression_metrics,
    residual_summary,
    slice_performance,
    threshold_curves,
)
from mltoolkit.evaluate.criteria import ThresholdChoice, Verdict, choose_threshold, holdout_warnings, judge
from mltoolkit.evaluate.importance import FeatureImportance, permutation_importance
from mltoolkit.evaluate.model_card import model_card, model_card_markdown
from mltoolkit.evaluate.registry import METRICS
from mltoolkit.framing import ProjectCard
from mltoolkit.models import load_model, read_model_info
from mltoolkit.train import TargetEncoding, selection_metric

__all__ = ["EvaluationResult", "evaluate_stage", "default_slice_columns"]


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


def _dummy_prediction(kind: str, X_train: pd.DataFrame, y_train: np.ndarray, X_test: pd.DataFrame,
                      labels: list[Any]) -> np.ndarray:
    """The dummy baseline's predictions in the form the metrics take (columns aligned with ``labels``)."""
    if kind == "regression":
        return DummyRegressor().fit(X_train, y_train).predict(X_test)
    dummy = DummyClassifier(strategy="prior").fit(X_train, y_train)
    raw = dummy.predict_proba(X_test)
    proba = np.zeros((len(X_test), len(labels)))
    column = {c: i for i, c in enumerate(labels)}
    for j, c in enumerate(dummy.classes_):  # a class the dummy never saw keeps probability 0
        proba[:, column[c]] = raw[:, j]
    return proba[:, 1] if kind == "binary" else proba


def evaluate_stage(card: ProjectCard, *, data_dir: str | Path = "data", model_path: str | Path = "models/model.skops",
                   threshold: float | None = None, slice_columns: Sequence[str] | None = None,
                   slice_gap: float = 0.1, slice_min_size: int = 100, importance_repeats: int = 5,
                   importance_rows: int = 5000, seed: int = 42, n_boot: int = 1000, confidence: float = 0.95,
                   artifacts_dir: str | Path = "artifacts") -> EvaluationResult:
    """Evaluate the trained model on the test split; write the artifacts.

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
    model = load_model(model_path)
    info = read_model_info(model_path)
    enc = TargetEncoding(**{k: (tuple(v) if k == "labels" else v) for k, v in info["encoding"].items()})
    test, validation, train = (load_split(data_dir, n) for n in ("test", "validation", "train"))
    for name, part in (("test", test), ("validation", validation)):
        missing = [c for c in info["features"] if c not in part.columns]
        if missing:
            raise SchemaError(f"{data_dir}/{name}.parquet lacks feature column(s) {missing} the model was trained on",
                              column=missing[0])
        # Checked beside the training target: a time split can leave a class out of a later period, which is
        # evaluated (with a warning), not refused; missing or non-numeric targets are still refused.
        target = part[card.target] if card.task_kind == "regression" else pd.concat(
            [part[card.target], train[card.target]], ignore_index=True)
        card.check_target(target, source=f"{data_dir}/{name}.parquet")
    kind = card.task_kind
    X_test, y_test = test[info["features"]], enc.transform(test[card.target])
    sel = selection_metric(card.success.metric, kind)
    labels = list(model.classes_) if kind != "regression" else None  # every class known from training
    warnings = list(holdout_warnings(test[card.target], task=kind, labels=enc.labels or None))
    absent = missing_classes(pd.Series(test[card.target]).astype("string"), enc.labels) if labels else ()
    unseen: list[str] = []
    if kind == "multiclass":  # a class left out of training (too few rows) still counts, as rows the model gets wrong
        unseen = sorted({str(v) for v in y_test if not pd.isna(v)} - {str(c) for c in labels})
        if unseen:
            labels = [*labels, *unseen]
            warnings.append(f"class{'es' if len(unseen) > 1 else ''} {', '.join(map(repr, unseen))} of the test rows "
                            "never reached the model (left out of training for too few rows): the model never "
                            "predicts them, so their rows count as errors")
    choice = curves = cal = lift = resid = None
    pred = pd.DataFrame({"row": np.arange(len(test)), "y_true": test[card.target].to_numpy()})
    if kind == "binary":
        y_val = enc.transform(validation[card.target])
        p_val = model.predict_proba(validation[info["features"]])[:, 1]
        val_curves = threshold_curves(y_val, p_val, positive_label=1, labels=labels)
        choice = choose_threshold(card, val_curves, fixed=threshold)
        if val_curves.one_class and threshold is None:
            warnings.append(f"the {len(y_val):,} validation rows hold one class only: the decision threshold "
                            f"({choice.threshold:.3g}) could not be tuned on them; pass threshold= to set it")
        p_test = model.predict_proba(X_test)[:, 1]
        metrics = classification_metrics(y_test, p_test, threshold=choice.threshold, positive_label=1, labels=labels,
                                         target_name=card.target)
        curves = threshold_curves(y_test, p_test, positive_label=1, labels=labels, target_name=card.target)
        cal = calibration_curve(y_test, p_test, positive_label=1, labels=labels, target_name=card.target)
        lift = lift_gain(y_test, p_test, n_bins=min(10, len(y_test)), positive_label=1, labels=labels,
                         target_name=card.target)  # deciles, or one bin per row of a tiny test split
        pred["score"] = p_test
        pred["prediction"] = (p_test >= choice.threshold).astype(int)
        slice_pred, slice_metric, model_pred = p_test, card.success.metric, p_test
    elif kind == "multiclass":
        proba = model.predict_proba(X_test)
        proba = np.hstack([proba, np.zeros((len(proba), len(unseen)))]) if unseen else proba
        metrics = multiclass_metrics(y_test, proba, labels, target_name=card.target)
        pred["prediction"] = np.asarray([str(c) for c in labels], dtype=object)[proba.argmax(axis=1)]
        slice_pred = pred["prediction"].to_numpy()
        slice_metric = card.success.metric if card.success.metric not in ("log_loss", "roc_auc") else "accuracy"
        model_pred = proba
    else:
        y_hat = model.predict(X_test)
        metrics = regression_metrics(y_test, y_hat, target_name=card.target)
        resid = residual_summary(y_test, y_hat, target_name=card.target)
        pred["prediction"] = y_hat
        slice_pred, slice_metric, model_pred = y_hat, card.success.metric, y_hat
    values = {name: metric_value(name, metrics) for name, spec in METRICS.items() if kind in spec.kinds}
    boot = dict(task=kind, labels=labels, threshold=choice.threshold if choice else 0.5, n_boot=n_boot,
                confidence=confidence, seed=seed, target_name=card.target)
    uncertainty = bootstrap_metrics(y_test, model_pred, metrics=list(values), **boot)

    X_train, y_train = train[info["features"]], enc.transform(train[card.target])
    base_uncertainty = None
    if card.baseline.kind == "value":
        base_name, base_metric, base_value = card.baseline.description, card.success.metric, card.baseline.value
        model_for_base = values.get(card.success.metric)
    else:
        base_name, base_metric = "dummy model", sel
        dummy = _dummy_prediction(kind, X_train, y_train, X_test, labels or [])
        # Same seed, same rows: the resamples are those of ``uncertainty``, each scoring model and dummy (paired).
        base_uncertainty = bootstrap_metrics(y_test, model_pred, metrics=[sel], baseline_pred=dummy, **boot)
        base_value = base_uncertainty.baseline_interval(sel).value
        model_for_base = values.get(sel)
    verdict = judge(card, values, baseline_name=base_name, baseline_metric=base_metric, baseline_value=base_value,
                    model_value_for_baseline=model_for_base,
                    decision_threshold=choice.threshold if choice else None, uncertainty=uncertainty,
                    baseline_uncertainty=base_uncertainty, n_test=len(test), missing_classes=absent,
                    warnings=warnings)

    cols = list(slice_columns) if slice_columns is not None else default_slice_columns(
        test[info["features"]], exclude=[card.target])
    slices = None
    if cols:
        slices = slice_performance(test, cols, y_true=y_test, y_pred=slice_pred, metric=slice_metric, task=kind,
                                   threshold=choice.threshold if choice else 0.5, positive_label=1,
                                   labels=[str(c) for c in labels] if kind == "multiclass" else labels,
                                   min_size=slice_min_size, gap=slice_gap)
    # What the model relies on, on the rows of classes it knows (a class left out of training has no column).
    known = ~pd.Series(y_test).astype("string").isin(unseen).to_numpy() if unseen else np.ones(len(y_test), bool)
    importance = permutation_importance(model, X_test[known], np.asarray(y_test)[known], metric=sel,
                                        n_repeats=importance_repeats, max_rows=importance_rows, seed=seed, task=kind,
                                        labels=[c for c in labels if c not in unseen] if labels else labels) \
        if importance_repeats > 0 and values.get(sel) is not None and known.any() else None
    flagged = [{"column": c, "label": s.label, "n": s.n, "value": s.value, "overall": slices.overall,
                "metric": slices.metric} for c, s in slices.flagged] if slices else []
    cal_gap = None
    if cal is not None and len(cal.prob_true):
        weights = np.array([c for c in cal.counts if c > 0], dtype=float)
        gaps = np.abs(np.array(cal.prob_true) - np.array(cal.prob_pred))
        cal_gap = float(np.average(gaps, weights=weights)) if len(weights) == len(gaps) else float(gaps.mean())
    split = json.loads((Path(artifacts_dir) / "split.json").read_text()) if (Path(artifacts_dir) / "split.json").exists() \
        else None
    mc = model_card(card=card.to_dict(), model_info=info, verdict=verdict.to_dict(), metrics=metrics.to_dict(),
                    split=split, slices_flagged=flagged, importance=importance.to_dict() if importance else None,
                    threshold_rule=choice.rule if choice else None, calibration_gap=cal_gap)
    result = EvaluationResult(task_kind=kind, verdict=verdict, metrics=metrics, threshold=choice, curves=curves,
                              calibration=cal, lift=lift, residuals=resid, slices=slices, importance=importance,
                              model_card=mc, predictions=pred, uncertainty=uncertainty)
    result.save(artifacts_dir)
    return result
