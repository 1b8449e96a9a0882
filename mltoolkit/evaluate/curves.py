"""Threshold-dependent views of a binary classifier, precomputed once for instant lookups.

:func:`threshold_curves` sorts the scores once (O(n log n)) and takes
cumulative sums of positives and negatives, so the confusion matrix at every
threshold of a grid is known; :meth:`ThresholdCurves.at` then answers any
threshold with one binary search over the grid, never touching the
predictions again. A row is predicted positive when ``score >= threshold``.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from sklearn.calibration import calibration_curve as _sk_calibration_curve

from mltoolkit._serialize import to_jsonable
from mltoolkit.errors import ConfigError
from mltoolkit.evaluate.metrics import _binary_inputs

__all__ = ["ThresholdCurves", "threshold_curves", "CalibrationCurve", "calibration_curve", "LiftGain", "lift_gain"]

_BEST_METRICS = ("f1", "accuracy", "value")


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with NaN where ``den`` is zero."""
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


@dataclasses.dataclass(frozen=True, eq=False)
class ThresholdCurves:
    """Confusion counts and derived rates over a grid of thresholds, ascending.

    All arrays share the index of ``thresholds``. Precision is NaN where no row
    is predicted positive. ``roc_auc`` and ``pr_auc`` (average precision) are
    computed at full resolution, before the grid is thinned to ``max_points``.
    When the rows hold one class only (a test split can), recall is NaN
    without positives, the false positive rate NaN without negatives, and both
    areas are None: undefined, not zero.
    """

    thresholds: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    fn: np.ndarray
    tn: np.ndarray
    precision: np.ndarray
    recall: np.ndarray  # = true positive rate
    f1: np.ndarray
    accuracy: np.ndarray
    fpr: np.ndarray
    roc_auc: float | None
    pr_auc: float | None
    n: int
    n_positive: int
    positive_label: Any = 1
    target_name: str | None = None

    @property
    def tpr(self) -> np.ndarray:
        return self.recall

    @property
    def n_negative(self) -> int:
        return self.n - self.n_positive

    @property
    def one_class(self) -> bool:
        """True when the rows hold one class only: ROC and precision-recall curves are undefined."""
        return self.n_positive == 0 or self.n_positive == self.n

    def index(self, threshold: float) -> int:
        """Grid index used for ``threshold``: the smallest grid threshold at or above it (O(log grid))."""
        i = int(np.searchsorted(self.thresholds, threshold, side="left"))
        return min(i, len(self.thresholds) - 1)

    def at(self, threshold: float) -> dict[str, Any]:
        """Confusion matrix and rates at ``threshold``, looked up on the grid.

        The grid threshold used is the smallest one at or above ``threshold``
        (returned as ``"threshold"``); when the grid holds every distinct score
        (at most ``max_points`` of them) this is exactly the rule
        ``score >= threshold``. One binary search: no pass over the predictions.

        Returns
        -------
        dict
            ``threshold, tp, fp, fn, tn, precision, recall, f1, accuracy, fpr,
            predicted_positive_rate``; precision is None when nothing is
            predicted positive, recall (fpr) when no row is positive (negative).
        """
        i = self.index(threshold)

        def rate(a: np.ndarray) -> float | None:
            v = float(a[i])
            return None if np.isnan(v) else v

        return {
            "threshold": float(self.thresholds[i]),
            "tp": int(self.tp[i]), "fp": int(self.fp[i]), "fn": int(self.fn[i]), "tn": int(self.tn[i]),
            "precision": rate(self.precision), "recall": rate(self.recall), "f1": float(self.f1[i]),
            "accuracy": float(self.accuracy[i]), "fpr": rate(self.fpr),
            "predicted_positive_rate": float((self.tp[i] + self.fp[i]) / self.n),
        }

    def value_curve(self, *, benefit_tp: float = 1.0, cost_fp: float = 0.0, cost_fn: float = 0.0,
                    benefit_tn: float = 0.0) -> np.ndarray:
        """Total value at every grid threshold (O(grid))."""
        return benefit_tp * self.tp - cost_fp * self.fp - cost_fn * self.fn + benefit_tn * self.tn

    def expected_value(self, threshold: float, *, benefit_tp: float = 1.0, cost_fp: float = 0.0,
                       cost_fn: float = 0.0, benefit_tn: float = 0.0) -> dict[str, float]:
        """Value of acting on the predictions at ``threshold``.

        ``total = benefit_tp * TP - cost_fp * FP - cost_fn * FN + benefit_tn * TN``
        (costs are given as positive amounts); ``per_row = total / n``.

        Returns
        -------
        dict
            ``threshold`` (the grid threshold used), ``total``, ``per_row``.
        """
        i = self.index(threshold)
        total = (benefit_tp * float(self.tp[i]) - cost_fp * float(self.fp[i]) - cost_fn * float(self.fn[i])
                 + benefit_tn * float(self.tn[i]))
        return {"threshold": float(self.thresholds[i]), "total": total, "per_row": total / self.n}

    def best_threshold(self, metric: str = "f1", **costs: float) -> dict[str, Any]:
        """The grid threshold maximising ``metric`` ("f1", "accuracy" or "value").

        ``**costs`` are the keyword arguments of :meth:`expected_value` and are
        used by ``metric="value"``. Returns :meth:`at` of the best threshold plus
        ``"value"`` (the maximised quantity). Ties go to the lowest threshold.
        """
        if metric not in _BEST_METRICS:
            raise ConfigError(f"cannot optimise threshold for metric {metric!r}; use one of: "
                              f"{', '.join(_BEST_METRICS)}", parameter="metric")
        unknown = set(costs) - {"benefit_tp", "cost_fp", "cost_fn", "benefit_tn"}
        if unknown:
            raise ConfigError(f"unknown cost argument(s) {', '.join(sorted(unknown))}; use benefit_tp, cost_fp, "
                              f"cost_fn, benefit_tn", parameter=sorted(unknown)[0])
        curve = self.value_curve(**costs) if metric == "value" else getattr(self, metric)
        i = int(np.nanargmax(curve))
        return self.at(float(self.thresholds[i])) | {"metric": metric, "value": float(curve[i])}

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def _grid_indices(n_unique: int, max_points: int) -> np.ndarray:
    if n_unique <= max_points:
        return np.arange(n_unique)
    return np.unique(np.linspace(0, n_unique - 1, max_points).round().astype(np.int64))


def threshold_curves(y_true: Any, y_score: Any, *, positive_label: Any = 1, max_points: int = 2001,
                     labels: Any = None, target_name: str | None = None) -> ThresholdCurves:
    """Confusion counts, ROC and precision-recall over a grid of thresholds, computed once.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        True labels, two classes.
    y_score : array-like of shape (n,)
        Predicted probability of ``positive_label``, in [0, 1].
    positive_label : default 1
    max_points : int, default 2001
        Largest grid size. The grid is the distinct scores, thinned evenly (by
        rank) to at most ``max_points``, with 0 and 1 always included.
    labels : sequence of two labels, optional
        The classes known from training; given, rows holding one of them only
        are accepted (see :class:`ThresholdCurves`).
    target_name : str, optional
        Name of the target, used in error messages.

    Returns
    -------
    ThresholdCurves

    Raises
    ------
    DataError
        As :func:`~mltoolkit.evaluate.classification_metrics`.

    Examples
    --------
    >>> c = threshold_curves([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> c.at(0.35)["tp"], c.at(0.35)["fp"], c.roc_auc
    (2, 1, 0.75)
    """
    if max_points < 3:
        raise ConfigError(f"max_points must be at least 3, got {max_points}", parameter="max_points")
    y, s = _binary_inputs(y_true, y_score, positive_label, target_name, labels)
    order = np.argsort(s, kind="stable")
    s_sorted = s[order]
    pos_sorted = y[order]
    n, n_pos = len(s), int(y.sum())
    n_neg = n - n_pos
    # cum_pos[i] = positives among the i lowest scores; rows with score >= t are those from searchsorted(t) on.
    cum_pos = np.concatenate(([0], np.cumsum(pos_sorted, dtype=np.int64)))

    # Full resolution (every distinct score) for the areas, as sklearn computes them.
    first = np.flatnonzero(np.r_[True, s_sorted[1:] != s_sorted[:-1]])
    roc_auc = pr_auc = None
    if n_pos and n_neg:
        tp_all = n_pos - cum_pos[first]
        fp_all = n_neg - (first - cum_pos[first])
        tpr_all = np.r_[tp_all / n_pos, 0.0]  # descending thresholds reversed: last point predicts nothing
        fpr_all = np.r_[fp_all / n_neg, 0.0]
        roc_auc = float(-np.trapezoid(tpr_all, fpr_all))
        prec_all = tp_all / (tp_all + fp_all)
        # Average precision: sum over thresholds (high to low) of recall increase x precision.
        d_recall = -np.diff(tpr_all)
        pr_auc = float(np.sum(d_recall * prec_all))

    unique = s_sorted[first]
    grid = unique[_grid_indices(len(unique), max_points - 2)]
    grid = np.unique(np.concatenate(([0.0], grid, [1.0])))
    start = np.searchsorted(s_sorted, grid, side="left")
    tp = n_pos - cum_pos[start]
    fp = n_neg - (start - cum_pos[start])
    fn = n_pos - tp
    tn = n_neg - fp
    precision = _ratio(tp.astype(float), (tp + fp).astype(float))
    recall = _ratio(tp.astype(float), np.full(tp.shape, float(n_pos)))
    f1 = _ratio(2.0 * tp, (2 * tp + fp + fn).astype(float))
    return ThresholdCurves(
        thresholds=_frozen(grid), tp=_frozen(tp), fp=_frozen(fp), fn=_frozen(fn), tn=_frozen(tn),
        precision=_frozen(precision), recall=_frozen(recall), f1=_frozen(np.nan_to_num(f1)),
        accuracy=_frozen((tp + tn) / n), fpr=_frozen(_ratio(fp.astype(float), np.full(fp.shape, float(n_neg)))), roc_auc=roc_auc, pr_auc=pr_auc,
        n=n, n_positive=n_pos, positive_label=positive_label, target_name=target_name,
    )


@dataclasses.dataclass(frozen=True)
class CalibrationCurve:
    """Observed positive rate against mean predicted probability per bin (empty bins left out)."""

    prob_true: tuple[float, ...]
    prob_pred: tuple[float, ...]
    counts: tuple[int, ...]
    bin_edges: tuple[float, ...]  # all n_bins + 1 edges, including those of empty bins
    strategy: str
    n_bins: int
    n: int

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def calibration_curve(y_true: Any, y_score: Any, n_bins: int = 10, strategy: str = "quantile", *,
                      positive_label: Any = 1, labels: Any = None, target_name: str | None = None) -> CalibrationCurve:
    """Reliability diagram data: :func:`sklearn.calibration.calibration_curve` plus rows per bin.

    Parameters
    ----------
    y_true, y_score : array-like of shape (n,)
    n_bins : int, default 10
    strategy : {"quantile", "uniform"}, default "quantile"
        Equal-count bins, or equal-width bins over [0, 1].
    positive_label : default 1
    labels : sequence of two labels, optional
        The classes known from training; given, rows holding one of them only
        are accepted.
    target_name : str, optional

    Returns
    -------
    CalibrationCurve

    Examples
    --------
    >>> c = calibration_curve([0, 0, 1, 1], [0.1, 0.3, 0.6, 0.9], n_bins=2)
    >>> c.prob_true, c.counts
    ((0.0, 1.0), (2, 2))
    """
    if strategy not in ("quantile", "uniform"):
        raise ConfigError(f"strategy must be 'quantile' or 'uniform', got {strategy!r}", parameter="strategy")
    if n_bins < 1:
        raise ConfigError(f"n_bins must be at least 1, got {n_bins}", parameter="n_bins")
    y, s = _binary_inputs(y_true, y_score, positive_label, target_name, labels)
    # The same bins as sklearn, to count the rows behind each point.
    edges = (np.percentile(s, np.linspace(0, 100, n_bins + 1)) if strategy == "quantile"
             else np.linspace(0.0, 1.0, n_bins + 1))
    ids = np.searchsorted(edges[1:-1], s)
    counts = np.bincount(ids, minlength=n_bins)
    if y.all() or not y.any():  # sklearn needs both classes; the observed rate of each bin is 0 or 1 anyway
        prob_true = np.bincount(ids, weights=y, minlength=n_bins)[counts > 0] / counts[counts > 0]
        prob_pred = np.bincount(ids, weights=s, minlength=n_bins)[counts > 0] / counts[counts > 0]
    else:
        prob_true, prob_pred = _sk_calibration_curve(y, s, n_bins=n_bins, strategy=strategy, pos_label=True)
    counts = counts[counts > 0]
    return CalibrationCurve(prob_true=tuple(map(float, prob_true)), prob_pred=tuple(map(float, prob_pred)),
                            counts=tuple(int(c) for c in counts), bin_edges=tuple(map(float, edges)),
                            strategy=strategy, n_bins=n_bins, n=int(len(s)))


@dataclasses.dataclass(frozen=True)
class LiftGain:
    """Cumulative gain and lift when rows are taken from the highest score down, bin by bin."""

    population_share: tuple[float, ...]  # cumulative share of rows taken, per bin
    counts: tuple[int, ...]
    positives: tuple[int, ...]
    cumulative_gain: tuple[float, ...]  # share of all positives found so far
    lift: tuple[float, ...]  # positive rate of the bin / overall rate
    cumulative_lift: tuple[float, ...]
    base_rate: float
    n: int

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def lift_gain(y_true: Any, y_score: Any, n_bins: int = 10, *, positive_label: Any = 1, labels: Any = None,
              target_name: str | None = None) -> LiftGain:
    """Cumulative gain and lift per bin (deciles by default) of rows ranked by score.

    Rows are sorted by score, highest first (ties keep their input order), and
    cut into ``n_bins`` groups of (almost) equal size. With ``labels`` (the
    classes known from training) rows without a positive are accepted; gain
    and lift are then NaN (undefined).

    Examples
    --------
    >>> lg = lift_gain([1, 0, 1, 0], [0.9, 0.1, 0.8, 0.2], n_bins=2)
    >>> lg.cumulative_gain, lg.lift
    ((1.0, 1.0), (2.0, 0.0))
    """
    y, s = _binary_inputs(y_true, y_score, positive_label, target_name, labels)
    if not 1 <= n_bins <= len(s):
        raise ConfigError(f"n_bins must be between 1 and the number of rows ({len(s)}), got {n_bins}",
                          parameter="n_bins")
    order = np.argsort(-s, kind="stable")
    cum = np.concatenate(([0], np.cumsum(y[order], dtype=np.int64)))
    bounds = np.round(np.linspace(0, len(s), n_bins + 1)).astype(np.int64)
    counts = np.diff(bounds)
    positives = np.diff(cum[bounds])
    n, n_pos = len(s), int(y.sum())
    base = n_pos / n
    cum_rows = bounds[1:]
    cum_pos = cum[bounds[1:]].astype(float)
    full = np.full(len(counts), float(n_pos))
    base_rows = base * counts.astype(float)
    return LiftGain(
        population_share=tuple(map(float, cum_rows / n)), counts=tuple(map(int, counts)),
        positives=tuple(map(int, positives)), cumulative_gain=tuple(map(float, _ratio(cum_pos, full))),
        lift=tuple(map(float, _ratio(positives.astype(float), base_rows))),
        cumulative_lift=tuple(map(float, _ratio(cum_pos, base * cum_rows.astype(float)))),
        base_rate=float(base), n=int(n),
    )
