"""Performance drift: actual metrics on labeled current data, and estimates before labels arrive.

Confidence-based performance estimation (CBPE): with calibrated
probabilities ``p``, a predicted positive is a true positive with probability
``p`` and a false positive with ``1 - p``, so the expected confusion matrix
at a threshold is ``TP = sum(p[pred]), FP = sum(1 - p[pred]),
FN = sum(p[~pred]), TN = sum(1 - p[~pred])``; expected precision, recall,
F1 and accuracy follow. It is only as good as the calibration.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from sklearn import metrics as skm

from mltoolkit._serialize import to_jsonable
from mltoolkit.errors import ConfigError, DataError

__all__ = ["PerformanceDrift", "estimate_performance", "actual_performance", "performance_drift"]

_METRICS = ("accuracy", "precision", "recall", "f1")


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
    tn, fp, fn, tp = skm.confusion_matrix(y, pred, labels=[0, 1]).ravel()
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
