"""The first two steps of stage 06: the model scored on the held-out test rows, then judged against the card.

:func:`score_held_out` loads the model and the splits, chooses the decision
threshold on validation and scores the test rows; :func:`judge_held_out`
puts bootstrap intervals on every test metric and gives the verdict against
the card's criterion and its baseline. The later steps (slices, importance,
the saved model card) are in :mod:`mltoolkit.stages.evaluation`.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier, DummyRegressor

from mltoolkit.data import load_split
from mltoolkit.errors import SchemaError
from mltoolkit.evaluate import (
    BootstrapResult,
    CalibrationCurve,
    LiftGain,
    ResidualSummary,
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
    threshold_curves,
)
from mltoolkit.evaluate.criteria import ThresholdChoice, Verdict, choose_threshold, holdout_warnings, judge
from mltoolkit.evaluate.registry import METRICS
from mltoolkit.framing import ProjectCard
from mltoolkit.models import load_model, read_model_info
from mltoolkit.train import TargetEncoding, selection_metric

__all__ = ["HeldOutScores", "score_held_out", "judge_held_out"]


@dataclasses.dataclass(frozen=True, eq=False)
class HeldOutScores:
    """The model's scores on the test split, as the later evaluation steps use them.

    Attributes
    ----------
    task_kind, target : str
    model : estimator
        The trained pipeline.
    info : dict
        The model's description (``model.json`` beside the model file).
    test : pandas.DataFrame
        The test split, target included.
    X_test, X_train : pandas.DataFrame
        Feature columns of the test and training splits.
    y_test, y_train : numpy.ndarray
        Their encoded targets.
    labels : list or None
        Every class known from training, plus test classes the model never saw (multiclass); None for regression.
    unseen : tuple of str
        Test classes left out of training (multiclass): their rows count as errors.
    absent : tuple of str
        Classes known from training that no test row holds.
    threshold : ThresholdChoice or None
        The decision threshold of a binary classifier, chosen on validation.
    metrics : ClassificationMetrics, MulticlassMetrics or RegressionMetrics
    values : dict of str to float or None
        Every metric of the task, point values on the test rows.
    curves, calibration, lift, residuals
        Threshold curves, calibration and lift (binary); residuals (regression); else None.
    predictions : pandas.DataFrame
        One row per test row: ``row``, ``y_true``, ``prediction`` (and ``score``).
    model_pred : numpy.ndarray
        What the metrics take: positive-class probability, class probabilities or predicted values.
    slice_pred : numpy.ndarray
        What per-slice metrics take (probabilities, predicted classes or values).
    slice_metric : str
        The metric of the slices (the card's, or accuracy where a multiclass metric needs probabilities).
    selection_metric : str
        The metric that ranked the models in training (the baseline and importance use it).
    warnings : tuple of str
        Why the test figures may not hold.
    data_dir, model_path : str
    """

    task_kind: str
    target: str
    model: Any
    info: dict[str, Any]
    test: pd.DataFrame
    X_test: pd.DataFrame
    y_test: np.ndarray
    X_train: pd.DataFrame
    y_train: np.ndarray
    labels: list[Any] | None
    unseen: tuple[str, ...]
    absent: tuple[str, ...]
    threshold: ThresholdChoice | None
    metrics: Any
    values: dict[str, float | None]
    curves: ThresholdCurves | None
    calibration: CalibrationCurve | None
    lift: LiftGain | None
    residuals: ResidualSummary | None
    predictions: pd.DataFrame
    model_pred: np.ndarray
    slice_pred: np.ndarray
    slice_metric: str
    selection_metric: str
    warnings: tuple[str, ...]
    data_dir: str
    model_path: str

    @property
    def decision_threshold(self) -> float | None:
        """The binary decision threshold, None for other tasks."""
        return self.threshold.threshold if self.threshold else None

    def __repr__(self) -> str:
        return (f"HeldOutScores({len(self.test):,} test rows, {self.task_kind}, model {self.info.get('model')!r}, "
                f"target {self.target!r})")


def _check_splits(card: ProjectCard, data_dir: str | Path, features: list[str], test: pd.DataFrame,
                  validation: pd.DataFrame, train: pd.DataFrame) -> None:
    for name, part in (("test", test), ("validation", validation)):
        missing = [c for c in features if c not in part.columns]
        if missing:
            raise SchemaError(f"{data_dir}/{name}.parquet lacks feature column(s) {missing} the model was trained on",
                              column=missing[0])
        # Checked beside the training target: a time split can leave a class out of a later period, which is
        # evaluated (with a warning), not refused; missing or non-numeric targets are still refused.
        target = part[card.target] if card.task_kind == "regression" else pd.concat(
            [part[card.target], train[card.target]], ignore_index=True)
        card.check_target(target, source=f"{data_dir}/{name}.parquet")


def score_held_out(card: ProjectCard, *, data_dir: str | Path = "data", model_path: str | Path = "models/model.skops",
                   threshold: float | None = None) -> HeldOutScores:
    """Load the model and the splits; score the test rows, at a threshold chosen on validation.

    Parameters
    ----------
    card : ProjectCard
    data_dir : path
        Holds ``train``, ``validation`` and ``test`` splits of data collection.
    model_path : path
        The model saved by training (its ``model.json`` sidecar names the features and target encoding).
    threshold : float, optional
        Decision threshold of a binary classifier; None chooses it on the
        validation split (see :func:`~mltoolkit.evaluate.criteria.choose_threshold`),
        so the test figures are not tuned to the test rows.

    Returns
    -------
    HeldOutScores

    Raises
    ------
    SchemaError
        A split lacks a feature the model was trained on, or its target does not fit the card.

    Notes
    -----
    Every metric and curve is computed against all classes known from
    training (the model's ``classes_``), so a test split missing a class is
    evaluated, with a warning naming the class.
    """
    model = load_model(model_path)
    info = read_model_info(model_path)
    enc = TargetEncoding(**{k: (tuple(v) if k == "labels" else v) for k, v in info["encoding"].items()})
    test, validation, train = (load_split(data_dir, n) for n in ("test", "validation", "train"))
    _check_splits(card, data_dir, info["features"], test, validation, train)
    kind = card.task_kind
    X_test, y_test = test[info["features"]], enc.transform(test[card.target])
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
    return HeldOutScores(
        task_kind=kind, target=card.target, model=model, info=info, test=test, X_test=X_test, y_test=y_test,
        X_train=train[info["features"]], y_train=enc.transform(train[card.target]), labels=labels,
        unseen=tuple(unseen), absent=tuple(absent), threshold=choice, metrics=metrics, values=values, curves=curves,
        calibration=cal, lift=lift, residuals=resid, predictions=pred, model_pred=model_pred, slice_pred=slice_pred,
        slice_metric=slice_metric, selection_metric=selection_metric(card.success.metric, kind),
        warnings=tuple(warnings), data_dir=str(data_dir), model_path=str(model_path))


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


def judge_held_out(card: ProjectCard, scores: HeldOutScores, *, n_boot: int = 1000, confidence: float = 0.95,
                   seed: int = 42) -> tuple[Verdict, BootstrapResult]:
    """The verdict against the card's success criterion and baseline, with bootstrap intervals.

    Parameters
    ----------
    card : ProjectCard
    scores : HeldOutScores
        From :func:`score_held_out`.
    n_boot, confidence, seed
        Percentile bootstrap: ``n_boot`` resamples of the test rows (0: point
        values only), seeded by ``seed``.

    Returns
    -------
    (Verdict, BootstrapResult)
        The verdict ("met", "not met" or "not established": an interval
        straddles the threshold; see :class:`~mltoolkit.evaluate.Verdict`) and
        the intervals of every test metric.

    Notes
    -----
    A dummy baseline is scored on the same resamples as the model (paired),
    so the interval of the difference is narrower than two separate ones.
    """
    s, kind = scores, scores.task_kind
    boot = dict(task=kind, labels=s.labels, threshold=s.threshold.threshold if s.threshold else 0.5, n_boot=n_boot,
                confidence=confidence, seed=seed, target_name=s.target)
    uncertainty = bootstrap_metrics(s.y_test, s.model_pred, metrics=list(s.values), **boot)
    base_uncertainty = None
    sel = s.selection_metric
    if card.baseline.kind == "value":
        base_name, base_metric, base_value = card.baseline.description, card.success.metric, card.baseline.value
        model_for_base = s.values.get(card.success.metric)
    else:
        base_name, base_metric = "dummy model", sel
        dummy = _dummy_prediction(kind, s.X_train, s.y_train, s.X_test, s.labels or [])
        # Same seed, same rows: the resamples are those of ``uncertainty``, each scoring model and dummy (paired).
        base_uncertainty = bootstrap_metrics(s.y_test, s.model_pred, metrics=[sel], baseline_pred=dummy, **boot)
        base_value = base_uncertainty.baseline_interval(sel).value
        model_for_base = s.values.get(sel)
    verdict = judge(card, s.values, baseline_name=base_name, baseline_metric=base_metric, baseline_value=base_value,
                    model_value_for_baseline=model_for_base, decision_threshold=s.decision_threshold,
                    uncertainty=uncertainty, baseline_uncertainty=base_uncertainty, n_test=len(s.test),
                    missing_classes=s.absent, warnings=list(s.warnings))
    return verdict, uncertainty
