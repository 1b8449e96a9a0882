"""Performance drift: actual metrics on labeled current data, and estimates before labels arrive.

Confidence-based performance estimation (CBPE): with calibrated
probabilities ``p``, a predicted positive is a true positive with probability
``p`` and a false positive with ``1 - p``, so the expected confusion matrix
at a threshold is ``TP = sum(p[pred]), FP = sum(1 - p[pred]),
FN = sum(p[~pred]), TN = sum(1 - p[~pred])``; expected precision, recall,
F1 and accuracy follow. It is only as good as the calibration.

:func:`estimate_metric` extends this to a confidence interval and to the
ranking and probability metrics: with labels drawn as ``y ~ Bernoulli(p)``
the metric of the batch is a random quantity; its expectation is the estimate
and its percentiles the interval. Rows whose label is known enter with
``p`` = 0 or 1, so the same function gives "actual where labelled, estimated
where not".
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np

from mltoolkit._serialize import to_jsonable
from mltoolkit.errors import ConfigError, DataError

if TYPE_CHECKING:  # imported where used: it imports sklearn.metrics, which comparing two tables never needs
    from mltoolkit.evaluate.bootstrap import MetricInterval

__all__ = ["PerformanceDrift", "estimate_performance", "actual_performance", "performance_drift",
           "estimate_metric", "ESTIMABLE_METRICS"]

_METRICS = ("accuracy", "precision", "recall", "f1")
#: Binary metrics :func:`estimate_metric` can estimate from calibrated probabilities.
ESTIMABLE_METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc", "brier", "log_loss")
_BLOCK_CELLS = 2_000_000  # simulated labels held at once (bounds memory)


def _from_confusion(tp: float, fp: float, fn: float, tn: float) -> dict[str, float | None]:
    n = tp + fp + fn + tn
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = 2 * precision * recall / (precision + recall) if precision and recall else (0.0 if precision == 0 or recall == 0 else None)
    return {"accuracy": (tp + tn) / n if n else None, "precision": precision, "recall": recall, "f1": f1}


def _check(proba: np.ndarray) -> np.ndarray:
    p = np.asarray(proba, dtype=float)
    if p.size == 0:
        raise DataError("no predictions to evaluate (empty batch)")
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise ConfigError("probabilities must lie in [0, 1] with no missing values", parameter="proba")
    return p


def estimate_performance(proba: np.ndarray, threshold: float = 0.5) -> dict[str, float | None]:
    """Expected accuracy, precision, recall and F1 of a binary classifier from its probabilities (CBPE)."""
    p = _check(proba)
    pred = p >= threshold
    return _from_confusion(float(p[pred].sum()), float((1 - p[pred]).sum()), float(p[~pred].sum()),
                           float((1 - p[~pred]).sum()))


def actual_performance(y_true: np.ndarray, proba: np.ndarray, threshold: float = 0.5) -> dict[str, float | None]:
    """Accuracy, precision, recall and F1 against labels (positive class = 1)."""
    p = _check(proba)
    y = np.asarray(y_true).astype(int)
    if y.shape != p.shape:
        raise ConfigError(f"{y.size} labels for {p.size} predictions", parameter="y_true")
    pred = p >= threshold
    from sklearn.metrics import (
        confusion_matrix,  # imported where used: comparing two tables needs none of it
    )

    tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1]).ravel()
    return _from_confusion(float(tp), float(fp), float(fn), float(tn))


@dataclasses.dataclass(frozen=True)
class PerformanceDrift:
    """Reference vs current performance on one metric, against the success threshold."""

    metric: str
    reference: float | None
    current: float | None
    estimated: bool  # True when ``current`` is a CBPE estimate (no labels yet)
    success_threshold: float | None
    max_drop: float
    drop: float | None
    degraded: bool  # dropped by more than max_drop, or below the success threshold
    message: str

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def performance_drift(reference: dict[str, float | None], current: dict[str, float | None], *, metric: str = "f1",
                      estimated: bool = False, success_threshold: float | None = None,
                      max_drop: float = 0.05) -> PerformanceDrift:
    """Compare one metric between reference and current (actual or estimated) performance."""
    if metric not in _METRICS:
        raise ConfigError(f"performance drift metric {metric!r} is not one of {', '.join(_METRICS)}", parameter="metric")
    ref, cur = reference.get(metric), current.get(metric)
    drop = None if ref is None or cur is None else ref - cur
    below = success_threshold is not None and cur is not None and cur < success_threshold
    degraded = bool((drop is not None and drop > max_drop) or below)
    kind = "estimated" if estimated else "actual"
    parts = [f"{kind} {metric} {cur:.3f}" if cur is not None else f"{kind} {metric} unknown"]
    if ref is not None:
        parts.append(f"reference {ref:.3f}")
    if success_threshold is not None:
        parts.append(f"target >= {success_threshold:.3f}")
    verdict = "degraded" if degraded else "holding"
    return PerformanceDrift(metric, ref, cur, estimated, success_threshold, max_drop, drop, degraded,
                            f"{', '.join(parts)}: {verdict}")


def _simulated_metric(metric: str, score: np.ndarray, y: np.ndarray, threshold: float) -> np.ndarray:
    """``metric`` of each row of simulated labels ``y`` (shape (b, n)) for the fixed scores; NaN where undefined."""
    n1 = y.sum(axis=1)
    n0 = y.shape[1] - n1
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric in _METRICS:
            pred = score >= threshold
            tp = y[:, pred].sum(axis=1)
            fp = pred.sum() - tp
            fn = n1 - tp
            tn = n0 - fp
            precision = np.where(tp + fp > 0, tp / (tp + fp), np.nan)
            recall = np.where(n1 > 0, tp / n1, np.nan)
            return {"accuracy": (tp + tn) / y.shape[1], "precision": precision, "recall": recall,
                    "f1": np.where(tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), np.nan)}[metric]
        if metric == "roc_auc":  # Mann-Whitney with mid-ranks: ties between a positive and a negative count 1/2
            from scipy.stats import rankdata

            ranks = rankdata(score)
            auc = (y @ ranks - n1 * (n1 + 1) / 2) / (n1 * n0)
            return np.where((n1 > 0) & (n0 > 0), auc, np.nan)
        if metric == "pr_auc":  # average precision as scikit-learn computes it: one step per distinct score
            order = np.argsort(-score, kind="mergesort")
            s_sorted = score[order]
            starts = np.r_[0, np.flatnonzero(np.diff(s_sorted)) + 1]
            tp_group = np.add.reduceat(y[:, order], starts, axis=1)
            size = np.diff(np.r_[starts, len(score)])
            cum_tp = np.cumsum(tp_group, axis=1)
            precision = cum_tp / np.cumsum(size)
            ap = (tp_group * precision).sum(axis=1) / n1
            return np.where(n1 > 0, ap, np.nan)
        if metric == "brier":
            return ((score - y) ** 2).mean(axis=1)
        s = np.clip(score, np.finfo(float).eps, 1 - np.finfo(float).eps)
        return -(y * np.log(s) + (1 - y) * np.log(1 - s)).mean(axis=1)


def _expected_metric(metric: str, score: np.ndarray, p: np.ndarray, threshold: float) -> float | None:
    """The closed-form estimate where there is one (CBPE's expected confusion matrix), else None."""
    if metric in _METRICS:
        pred = score >= threshold
        value = _from_confusion(float(p[pred].sum()), float((1 - p[pred]).sum()), float(p[~pred].sum()),
                                float((1 - p[~pred]).sum()))[metric]
        return value
    if metric == "brier":
        return float((p * (1 - score) ** 2 + (1 - p) * score ** 2).mean())
    if metric == "log_loss":
        s = np.clip(score, np.finfo(float).eps, 1 - np.finfo(float).eps)
        return float(-(p * np.log(s) + (1 - p) * np.log(1 - s)).mean())
    return None


def estimate_metric(score: np.ndarray, p_positive: np.ndarray | None = None, metric: str = "f1", *,
                    threshold: float = 0.5, n_sim: int = 1000, confidence: float = 0.95,
                    seed: int = 0) -> MetricInterval:
    """Estimated value and interval of a binary metric from calibrated probabilities (CBPE).

    Parameters
    ----------
    score : array of shape (n,)
        The model's probability of the positive class (what it ranks and
        thresholds by).
    p_positive : array of shape (n,), optional
        The probability that each row is positive: ``score`` itself when the
        model is calibrated (the default), 1 or 0 where the label is known.
    metric : str
        One of :data:`ESTIMABLE_METRICS`.
    threshold : float, default 0.5
        Decision threshold of the threshold metrics.
    n_sim : int, default 1000
        Label draws for the interval (and for the value of ``roc_auc`` and
        ``pr_auc``, which have no closed form).
    confidence : float, default 0.95
    seed : int, default 0

    Returns
    -------
    mltoolkit.evaluate.bootstrap.MetricInterval
        ``value``: the expected metric (threshold metrics: from the expected
        confusion matrix, as CBPE; brier, log loss: exact expectation;
        ranking metrics: mean over draws); ``ci_low``/``ci_high``: the range
        the realised metric falls in with ``confidence`` when the
        probabilities are right. None where the metric is undefined in most
        draws.

    Notes
    -----
    The estimate sees a change in *which* rows come (covariate shift): their
    probabilities move. It cannot see a change in how outcomes follow from
    inputs (concept shift): the probabilities then no longer hold, and only
    labels show it.

    Examples
    --------
    >>> iv = estimate_metric(np.array([0.9, 0.8, 0.2, 0.1]), metric="accuracy", n_sim=200)
    >>> round(iv.value, 3)
    0.85
    """
    from mltoolkit.evaluate.bootstrap import MetricInterval

    if metric not in ESTIMABLE_METRICS:
        raise ConfigError(f"metric {metric!r} cannot be estimated from probabilities; estimable metrics are: "
                          f"{', '.join(ESTIMABLE_METRICS)}", parameter="metric")
    if not 0 < confidence < 1:
        raise ConfigError(f"confidence must lie between 0 and 1, got {confidence}", parameter="confidence")
    s = _check(score)
    p = s if p_positive is None else _check(p_positive)
    if p.shape != s.shape:
        raise ConfigError(f"{p.size} probabilities for {s.size} scores", parameter="p_positive")
    rng = np.random.default_rng(seed)
    block = max(1, min(n_sim, _BLOCK_CELLS // max(1, s.size)))
    draws = [_simulated_metric(metric, s, (rng.random((b, s.size)) < p).astype(float), threshold)
             for b in [block] * (n_sim // block) + ([n_sim % block] if n_sim % block else [])]
    values = np.concatenate(draws) if draws else np.empty(0)
    valid = values[~np.isnan(values)]
    value = _expected_metric(metric, s, p, threshold)
    if value is None and valid.size:
        value = float(valid.mean())
    if valid.size * 2 <= values.size or value is None:
        return MetricInterval(metric, value, None, None, int(valid.size))
    alpha = (1 - confidence) / 2
    low, high = np.quantile(valid, [alpha, 1 - alpha])
    return MetricInterval(metric, float(value), float(low), float(high), int(valid.size))
