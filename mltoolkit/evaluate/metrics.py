"""Model quality metrics for binary, multiclass and regression tasks, and the metric registry.

Every function checks its inputs once at the entry (lengths, missing values,
number of classes) and raises a :class:`~mltoolkit.errors.DataError` naming the
target, then computes with :mod:`sklearn.metrics`. Results are frozen
dataclasses whose ``to_dict()`` is JSON-ready.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from mltoolkit._lazy import LazyModule
from mltoolkit._serialize import to_jsonable
from mltoolkit.errors import ConfigError, DataError
from mltoolkit.evaluate.registry import (
    METRICS,
    TASK_KINDS,
    MetricSpec,
    check_metric_for_task,
)

#: Imported on first use: monitoring a batch without labels (``mltoolkit drift``) never computes a metric.
skm = LazyModule("sklearn.metrics")

__all__ = [
    "ClassificationMetrics", "MulticlassMetrics", "RegressionMetrics", "ResidualSummary", "MetricInfo", "METRICS",
    "TASKS", "classification_metrics", "multiclass_metrics", "regression_metrics", "residual_summary",
    "metric_value", "check_metric_for_task", "missing_classes",
]

#: Task kinds a metric can fit.
TASKS = TASK_KINDS


MetricInfo = MetricSpec  # the registry's entry type, under its older name


def metric_value(name: str, metrics: ClassificationMetrics | MulticlassMetrics | RegressionMetrics) -> float | None:
    """Read one metric, by registry name, from a metrics result.

    Raises
    ------
    ConfigError
        When the metric does not fit the result's task (``parameter="metric"``).

    Examples
    --------
    >>> m = regression_metrics([1.0, 2.0, 3.0], [1.0, 2.0, 4.0])
    >>> metric_value("mae", m)
    0.3333333333333333
    """
    check_metric_for_task(name, metrics.task)
    value = getattr(metrics, name)
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


# --- input checks ----------------------------------------------------------------------------------
def _name(target_name: str | None) -> str:
    return target_name or "y_true"


def _check_lengths(y_true: Any, y_other: Any, other: str, target_name: str | None) -> tuple[np.ndarray, np.ndarray]:
    yt = np.asarray(y_true)
    yo = np.asarray(y_other)
    if yt.ndim != 1:
        raise DataError(f"target '{_name(target_name)}' must be one-dimensional, got shape {yt.shape}",
                        column=target_name, parameter="y_true")
    if len(yt) != len(yo):
        raise DataError(f"target '{_name(target_name)}' has {len(yt):,} rows but {other} has {len(yo):,}; "
                        f"pass predictions for the same rows", column=target_name, parameter=other)
    if len(yt) == 0:
        raise DataError(f"target '{_name(target_name)}' is empty: nothing to evaluate", column=target_name,
                        parameter="y_true")
    missing = int(pd.isna(yt).sum()) if yt.dtype.kind in "fcOUSMm" else 0
    if missing:
        raise DataError(f"target '{_name(target_name)}' has {missing:,} missing values; drop those rows "
                        f"before evaluating", column=target_name, parameter="y_true")
    return yt, yo


def _check_scores(scores: np.ndarray, param: str, *, probability: bool) -> np.ndarray:
    try:
        s = np.asarray(scores, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"{param} must be numeric", parameter=param) from None
    if np.isnan(s).any():
        raise DataError(f"{param} has {int(np.isnan(s).sum()):,} missing values; every row needs a prediction",
                        parameter=param)
    if probability and s.size and (s.min() < 0 or s.max() > 1):
        raise DataError(f"{param} must be probabilities in [0, 1] (found {s.min():.4g} to {s.max():.4g}); "
                        f"pass predict_proba output, not labels or raw scores", parameter=param)
    return s


def _binary_inputs(y_true: Any, y_score: Any, positive_label: Any, target_name: str | None,
                   labels: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Validated ``(is_positive bool array, probability float array)`` of a binary task.

    Without ``labels`` the classes are read from the target, which must hold
    both. With ``labels`` (the two classes known from training) a target
    holding one of them only is accepted: a test split can miss a class.
    """
    yt, ys = _check_lengths(y_true, y_score, "y_score", target_name)
    s = _check_scores(ys, "y_score", probability=True)
    if s.ndim != 1:
        raise DataError(f"y_score must hold one probability per row (of class {positive_label!r}), "
                        f"got shape {s.shape}", parameter="y_score")
    classes = pd.unique(yt)
    name = _name(target_name)
    if labels is not None:
        known = list(labels)
        if len(known) != 2 or positive_label not in known:
            raise ConfigError(f"labels must be the two classes known from training, including positive_label "
                              f"{positive_label!r}; got {known!r}", parameter="labels")
        unknown = sorted(set(classes.tolist()) - set(known), key=str)
        if unknown:
            raise DataError(f"target '{name}' has labels not seen in training: {', '.join(map(repr, unknown[:5]))} "
                            f"(known: {known[0]!r}, {known[1]!r})", column=target_name, parameter="y_true")
        return yt == positive_label, s
    if len(classes) < 2:
        raise DataError(f"target '{name}' has only one class ({classes[0]!r}) in {len(yt):,} rows; metrics such "
                        f"as ROC AUC need both classes: evaluate on more or stratified data, or pass labels= "
                        f"(the classes known from training) to accept it", column=target_name, parameter="y_true")
    if len(classes) > 2:
        raise DataError(f"target '{name}' has {len(classes)} classes; binary metrics need two: use "
                        f"multiclass_metrics instead", column=target_name, parameter="y_true")
    positive = yt == positive_label
    if not positive.any():
        raise ConfigError(f"positive_label {positive_label!r} does not occur in target '{name}' "
                          f"(classes: {', '.join(map(repr, sorted(classes, key=str)))})", parameter="positive_label")
    return positive, s


def missing_classes(y_true: Any, labels: Any) -> tuple[str, ...]:
    """The classes of ``labels`` (known from training) that no row of ``y_true`` holds, as text.

    Examples
    --------
    >>> missing_classes(["a", "b", "a"], ["a", "b", "c"])
    ('c',)
    """
    present = set(pd.unique(np.asarray(y_true)).tolist())
    return tuple(str(c) for c in labels if c not in present)


# --- binary ------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class ClassificationMetrics:
    """Quality of a binary classifier: threshold metrics at ``threshold`` and threshold-free ones."""

    task: ClassVar[str] = "binary"

    accuracy: float
    precision: float
    recall: float
    f1: float
    roc_auc: float | None  # None when the target holds one class only (undefined)
    pr_auc: float | None  # None when the target holds one class only
    log_loss: float
    brier: float
    tn: int
    fp: int
    fn: int
    tp: int
    n: int
    positive_rate: float  # share of positives in the target
    threshold: float
    positive_label: Any = 1
    target_name: str | None = None

    @property
    def confusion(self) -> dict[str, int]:
        """The confusion matrix at ``threshold`` as ``{"tn", "fp", "fn", "tp"}``."""
        return {"tn": self.tn, "fp": self.fp, "fn": self.fn, "tp": self.tp}

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self) | {"task": self.task}


def classification_metrics(y_true: Any, y_score: Any, *, threshold: float = 0.5, positive_label: Any = 1,
                           labels: Any = None, target_name: str | None = None) -> ClassificationMetrics:
    """Metrics of a binary classifier from labels and predicted probabilities.

    A row is predicted positive when ``y_score >= threshold``.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        True labels, two classes.
    y_score : array-like of shape (n,)
        Predicted probability of ``positive_label``, in [0, 1].
    threshold : float, default 0.5
    positive_label : default 1
        The label counted as positive.
    labels : sequence of two labels, optional
        The classes known from training (``model.classes_``). Given, a target
        holding one of them only is accepted: ``roc_auc`` and ``pr_auc`` are
        then None (undefined), precision/recall/F1 are 0 where their
        denominator is empty. Without it such a target is refused.
    target_name : str, optional
        Name of the target, used in error messages.

    Returns
    -------
    ClassificationMetrics

    Raises
    ------
    DataError
        Length mismatch, missing values, a target with one class (without
        ``labels``) or more than two, labels not in ``labels``, or scores
        outside [0, 1].
    ConfigError
        ``positive_label`` does not occur in the target (or in ``labels``).

    Examples
    --------
    >>> m = classification_metrics([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9])
    >>> m.accuracy, m.tp, m.roc_auc
    (0.5, 1, 0.75)
    """
    if not 0.0 <= threshold <= 1.0:
        raise ConfigError(f"threshold must lie in [0, 1], got {threshold}", parameter="threshold")
    y, s = _binary_inputs(y_true, y_score, positive_label, target_name, labels)
    pred = s >= threshold
    tn, fp, fn, tp = (int(v) for v in skm.confusion_matrix(y, pred, labels=[False, True]).ravel())
    both = 0 < tp + fn < len(y)  # ranking metrics need a positive and a negative row
    return ClassificationMetrics(
        accuracy=(tp + tn) / len(y), precision=tp / (tp + fp) if tp + fp else 0.0,
        recall=tp / (tp + fn) if tp + fn else 0.0, f1=2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0,
        roc_auc=float(skm.roc_auc_score(y, s)) if both else None,
        pr_auc=float(skm.average_precision_score(y, s)) if both else None,
        log_loss=float(skm.log_loss(y, s, labels=[False, True])),
        brier=float(np.mean((s - y) ** 2)),
        tn=tn, fp=fp, fn=fn, tp=tp, n=int(len(y)), positive_rate=float(y.mean()), threshold=float(threshold),
        positive_label=positive_label, target_name=target_name,
    )


# --- multiclass --------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class MulticlassMetrics:
    """Quality of a multiclass classifier; predictions are the most probable class."""

    task: ClassVar[str] = "multiclass"

    accuracy: float
    precision_macro: float
    recall_macro: float
    f1_macro: float
    precision_weighted: float
    recall_weighted: float
    f1_weighted: float
    log_loss: float
    roc_auc: float | None  # one-vs-rest macro average over the classes present; None with fewer than two
    labels: tuple[str, ...]
    confusion: tuple[tuple[int, ...], ...]  # rows: true class, columns: predicted class, in ``labels`` order
    n: int
    target_name: str | None = None
    missing_classes: tuple[str, ...] = ()  # classes of ``labels`` that no target row holds

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self) | {"task": self.task}


def _ovr_roc_auc(codes: np.ndarray, proba: np.ndarray) -> float | None:
    """Mean one-vs-rest ROC AUC over the classes that have both positive and negative rows."""
    aucs = [skm.roc_auc_score(codes == k, proba[:, k]) for k in range(proba.shape[1])
            if 0 < np.count_nonzero(codes == k) < len(codes)]
    return float(np.mean(aucs)) if aucs else None


def multiclass_metrics(y_true: Any, proba: Any, classes: Any, *, target_name: str | None = None) -> MulticlassMetrics:
    """Metrics of a multiclass classifier from labels and class probabilities.

    Parameters
    ----------
    y_true : array-like of shape (n,)
    proba : array-like of shape (n, k)
        Probability of each class per row (``predict_proba`` output); rows sum to 1.
    classes : sequence of length k
        The class of each ``proba`` column (``model.classes_``).
    target_name : str, optional
        Name of the target, used in error messages.

    Returns
    -------
    MulticlassMetrics
        Every metric is computed against all of ``classes``, also those the
        target lacks (a time split can leave a rare class out of the test
        period; they are listed in ``missing_classes``). A class absent from
        both the target and the predictions has no precision or recall and is
        left out of the macro averages, as scikit-learn does without
        ``labels``. ``roc_auc`` averages the one-vs-rest AUC of the classes
        present (it is undefined for the others) and is None when fewer than
        two classes are present.

    Raises
    ------
    DataError
        Length or shape mismatch, missing values, target labels not in
        ``classes``, or rows of ``proba`` not summing to 1.

    Examples
    --------
    >>> m = multiclass_metrics(["a", "b", "c"], [[.8, .1, .1], [.2, .7, .1], [.3, .3, .4]], ["a", "b", "c"])
    >>> m.accuracy
    1.0
    """
    yt, p = _check_lengths(y_true, proba, "proba", target_name)
    p = _check_scores(p, "proba", probability=True)
    cls = np.asarray(classes)
    name = _name(target_name)
    if p.ndim != 2 or p.shape[1] != len(cls):
        raise DataError(f"proba must have one column per class ({len(cls)}), got shape {p.shape}", parameter="proba")
    sums = p.sum(axis=1)
    if not np.allclose(sums, 1.0, atol=1e-6):
        raise DataError(f"rows of proba must sum to 1 (found sums from {sums.min():.4g} to {sums.max():.4g}); "
                        f"pass predict_proba output", parameter="proba")
    present = pd.unique(yt)
    unknown = sorted(set(present.tolist()) - set(cls.tolist()), key=str)
    if unknown:
        raise DataError(f"target '{name}' has labels not in classes: {', '.join(map(repr, unknown[:5]))}; pass "
                        f"the model's classes_", column=target_name, parameter="classes")
    pred_codes = p.argmax(axis=1)
    pred = cls[pred_codes]
    labels = cls.tolist()
    codes = pd.Index(labels).get_indexer(yt)
    seen = np.isin(np.arange(len(labels)), np.concatenate([codes, pred_codes]))
    averaged = [c for c, keep in zip(labels, seen) if keep]  # present in the target or predicted

    def avg(fn: Any, average: str) -> float:
        return float(fn(yt, pred, labels=averaged, average=average, zero_division=0))

    cm = skm.confusion_matrix(yt, pred, labels=labels)
    return MulticlassMetrics(
        accuracy=float(skm.accuracy_score(yt, pred)),
        precision_macro=avg(skm.precision_score, "macro"), recall_macro=avg(skm.recall_score, "macro"),
        f1_macro=avg(skm.f1_score, "macro"), precision_weighted=avg(skm.precision_score, "weighted"),
        recall_weighted=avg(skm.recall_score, "weighted"), f1_weighted=avg(skm.f1_score, "weighted"),
        log_loss=float(skm.log_loss(yt, p, labels=labels)), roc_auc=_ovr_roc_auc(codes, p),
        labels=tuple(str(c) for c in labels), confusion=tuple(tuple(int(v) for v in row) for row in cm),
        n=int(len(yt)), target_name=target_name, missing_classes=missing_classes(yt, labels),
    )


# --- regression --------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class RegressionMetrics:
    """Quality of a regression model. ``mape`` is a fraction computed over rows with a non-zero target."""

    task: ClassVar[str] = "regression"

    mae: float
    rmse: float
    r2: float | None  # None with fewer than two rows or a constant target
    mape: float | None  # None when every target is zero
    median_ae: float
    n: int
    n_mape: int  # rows used for mape (non-zero targets)
    target_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self) | {"task": self.task}


def _regression_inputs(y_true: Any, y_pred: Any, target_name: str | None) -> tuple[np.ndarray, np.ndarray]:
    yt, yp = _check_lengths(y_true, y_pred, "y_pred", target_name)
    try:
        yt = yt.astype(float)
    except (TypeError, ValueError):
        raise DataError(f"target '{_name(target_name)}' must be numeric for regression metrics",
                        column=target_name, parameter="y_true") from None
    return yt, _check_scores(yp, "y_pred", probability=False)


def _mape(yt: np.ndarray, yp: np.ndarray) -> tuple[float | None, int]:
    nonzero = yt != 0
    n = int(nonzero.sum())
    if not n:
        return None, 0
    return float(np.mean(np.abs(yt[nonzero] - yp[nonzero]) / np.abs(yt[nonzero]))), n


def regression_metrics(y_true: Any, y_pred: Any, *, target_name: str | None = None) -> RegressionMetrics:
    """Metrics of a regression model.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
    target_name : str, optional
        Name of the target, used in error messages.

    Returns
    -------
    RegressionMetrics
        ``mape`` is the mean of ``|y_true - y_pred| / |y_true|`` as a fraction
        (0.12 = 12%) over rows whose target is not zero; those rows are left
        out (a zero target has no percentage error) and ``n_mape`` counts the
        rows used. ``mape`` is None when every target is zero.

    Raises
    ------
    DataError
        Length mismatch, missing or non-numeric values.

    Examples
    --------
    >>> m = regression_metrics([0.0, 2.0, 4.0], [1.0, 2.0, 3.0])
    >>> m.mae, m.mape, m.n_mape
    (0.6666666666666666, 0.125, 2)
    """
    yt, yp = _regression_inputs(y_true, y_pred, target_name)
    r2 = float(skm.r2_score(yt, yp)) if len(yt) >= 2 and np.ptp(yt) > 0 else None
    mape, n_mape = _mape(yt, yp)
    return RegressionMetrics(
        mae=float(skm.mean_absolute_error(yt, yp)), rmse=float(skm.root_mean_squared_error(yt, yp)), r2=r2,
        mape=mape, median_ae=float(skm.median_absolute_error(yt, yp)), n=int(len(yt)), n_mape=n_mape,
        target_name=target_name,
    )


@dataclasses.dataclass(frozen=True)
class ResidualSummary:
    """Residuals ``y_true - y_pred``: quantiles, histogram, and mean residual per bin of the prediction."""

    quantile_levels: tuple[float, ...]
    quantiles: tuple[float, ...]
    mean: float
    std: float
    hist_counts: tuple[int, ...]
    hist_edges: tuple[float, ...]
    pred_bin_edges: tuple[float, ...]  # quantile bins of y_pred
    pred_bin_mean: tuple[float, ...]  # mean prediction per bin
    residual_bin_mean: tuple[float, ...]
    pred_bin_counts: tuple[int, ...]
    n: int

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


_QUANTILE_LEVELS = (0.0, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1.0)


def residual_summary(y_true: Any, y_pred: Any, bins: int = 20, *, target_name: str | None = None) -> ResidualSummary:
    """Summarise regression residuals (``y_true - y_pred``) for plots and reports.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
    bins : int, default 20
        Histogram bins of the residuals, and (at most) quantile bins of the
        prediction for the residual-vs-predicted means (empty bins are dropped).
    target_name : str, optional
        Name of the target, used in error messages.

    Returns
    -------
    ResidualSummary

    Examples
    --------
    >>> s = residual_summary([1.0, 2.0, 3.0, 4.0], [1.5, 2.0, 2.5, 4.0], bins=2)
    >>> s.mean, s.hist_counts
    (0.0, (1, 3))
    """
    if bins < 1:
        raise ConfigError(f"bins must be at least 1, got {bins}", parameter="bins")
    yt, yp = _regression_inputs(y_true, y_pred, target_name)
    res = yt - yp
    counts, edges = np.histogram(res, bins=bins)
    pred_edges = np.unique(np.quantile(yp, np.linspace(0, 1, bins + 1)))
    if len(pred_edges) == 1:  # constant prediction: one bin
        pred_edges = np.array([pred_edges[0], pred_edges[0]])
    ids = np.clip(np.searchsorted(pred_edges, yp, side="right") - 1, 0, len(pred_edges) - 2)
    k = len(pred_edges) - 1
    n_bin = np.bincount(ids, minlength=k)
    keep = n_bin > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        pred_mean = np.bincount(ids, weights=yp, minlength=k) / n_bin
        res_mean = np.bincount(ids, weights=res, minlength=k) / n_bin
    return ResidualSummary(
        quantile_levels=_QUANTILE_LEVELS, quantiles=tuple(float(q) for q in np.quantile(res, _QUANTILE_LEVELS)),
        mean=float(res.mean()), std=float(res.std(ddof=1)) if len(res) > 1 else 0.0,
        hist_counts=tuple(int(c) for c in counts), hist_edges=tuple(float(e) for e in edges),
        pred_bin_edges=tuple(float(e) for e in pred_edges), pred_bin_mean=tuple(float(v) for v in pred_mean[keep]),
        residual_bin_mean=tuple(float(v) for v in res_mean[keep]),
        pred_bin_counts=tuple(int(c) for c in n_bin[keep]), n=int(len(res)),
    )
