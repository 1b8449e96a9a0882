"""Percentile bootstrap intervals of test-set metrics, vectorised over resamples.

A resample of the ``n`` test rows is a vector of counts (how often each row
was drawn, summing to ``n``). Every metric is written as a function of those
counts over a whole block of resamples at once (confusion counts and means are
matrix products; ROC AUC and average precision are cumulative sums over the
rows sorted once by score), so 1,000 resamples cost a few matrix products, not
1,000 calls to scikit-learn. With counts of all ones each function gives the
plain metric, which the tests check against :mod:`sklearn.metrics`.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from mltoolkit._serialize import to_jsonable
from mltoolkit.errors import ConfigError, DataError
from mltoolkit.evaluate.metrics import _binary_inputs, _check_lengths, _check_scores, _regression_inputs
from mltoolkit.evaluate.registry import METRICS, check_metric_for_task, metrics_for

__all__ = ["MetricInterval", "BootstrapResult", "bootstrap_metrics", "better_side"]

#: Cells of the count matrix per block of resamples (about 32 MB of float64).
_BLOCK_CELLS = 4_000_000
_EPS = np.finfo(float).eps  # probabilities are clipped as scikit-learn's log_loss does

_Stat = Callable[[np.ndarray], np.ndarray]  # (resamples, n) counts -> (resamples,) values, NaN where undefined


@dataclasses.dataclass(frozen=True)
class MetricInterval:
    """A metric on the test rows with its percentile bootstrap interval.

    ``ci_low``/``ci_high`` are None when the metric is undefined on the rows or
    on more than half of the resamples (e.g. ROC AUC when resamples often hold
    one class only); ``n_valid`` counts the resamples where it is defined.
    """

    metric: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n_valid: int

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)

    def contains(self, x: float) -> bool:
        """Whether ``x`` lies inside the interval (False without an interval)."""
        return self.ci_low is not None and self.ci_high is not None and self.ci_low <= x <= self.ci_high

    def describe(self, confidence: float) -> str:
        """``"0.833 (95% CI 0.61 to 1)"``, or the value alone without an interval."""
        if self.value is None:
            return "undefined"
        if self.ci_low is None or self.ci_high is None:
            return f"{self.value:.3g}"
        return f"{self.value:.3g} ({confidence:.0%} CI {self.ci_low:.3g} to {self.ci_high:.3g})"


@dataclasses.dataclass(frozen=True)
class BootstrapResult:
    """Intervals of several metrics, all from the same resamples of the same rows.

    With a baseline, ``baseline`` holds the baseline's intervals and
    ``difference`` those of model minus baseline, paired (both scored on each
    resample), which is narrower than comparing two separate intervals.
    """

    intervals: tuple[MetricInterval, ...]
    baseline: tuple[MetricInterval, ...]
    difference: tuple[MetricInterval, ...]
    confidence: float
    n_boot: int
    seed: int
    n: int

    def interval(self, metric: str) -> MetricInterval:
        """The model's interval of ``metric``."""
        return _find(self.intervals, metric)

    def baseline_interval(self, metric: str) -> MetricInterval:
        return _find(self.baseline, metric)

    def difference_interval(self, metric: str) -> MetricInterval:
        return _find(self.difference, metric)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def _find(items: tuple[MetricInterval, ...], metric: str) -> MetricInterval:
    for item in items:
        if item.metric == metric:
            return item
    raise KeyError(metric)


# --- resampling ---------------------------------------------------------------------------------------
def _count_blocks(n: int, n_boot: int, seed: int) -> Iterator[np.ndarray]:
    """Blocks of resample counts, shape (block, n), ``n_boot`` rows in all; each row sums to ``n``.

    Row ``b`` of the concatenated blocks is the bincount of the ``b``-th draw of
    ``n`` row indices, as ``rng.integers(0, n, (n_boot, n))`` would give.
    """
    rng = np.random.default_rng(seed)
    block = max(1, min(n_boot, _BLOCK_CELLS // max(n, 1)))
    done = 0
    while done < n_boot:
        b = min(block, n_boot - done)
        idx = rng.integers(0, n, (b, n))
        flat = (idx + (np.arange(b) * n)[:, None]).ravel()
        yield np.bincount(flat, minlength=b * n).reshape(b, n).astype(float)
        done += b


def _div(num: np.ndarray, den: np.ndarray, empty: float = math.nan) -> np.ndarray:
    out = np.full(np.broadcast(num, den).shape, empty)
    np.divide(num, den, out=out, where=den > 0)
    return out


# --- metrics as functions of resample counts --------------------------------------------------------------
def _ranking_stats(y: np.ndarray, s: np.ndarray) -> tuple[_Stat, _Stat]:
    """Weighted ROC AUC and average precision (scikit-learn's definitions), ties handled as sklearn does."""
    order = np.argsort(s, kind="stable")
    ys = y[order].astype(float)
    starts = np.flatnonzero(np.r_[True, np.diff(s[order]) != 0])  # first row of each distinct score, ascending

    last: list[Any] = [None, None]  # both areas of one block share the grouping

    def grouped(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if last[0] is not w:
            ws = w[:, order]
            pos = np.add.reduceat(ws * ys, starts, axis=1)
            last[:] = [w, (pos, np.add.reduceat(ws, starts, axis=1) - pos)]
        return last[1]

    def roc_auc(w: np.ndarray) -> np.ndarray:
        pos, neg = grouped(w)
        p_tot, n_tot = pos.sum(axis=1), neg.sum(axis=1)
        below = np.cumsum(neg, axis=1) - neg  # negatives with a strictly lower score
        wins = np.sum(pos * (below + 0.5 * neg), axis=1)
        return _div(wins, p_tot * n_tot)

    def pr_auc(w: np.ndarray) -> np.ndarray:
        pos, neg = grouped(w)
        p_tot, n_tot = pos.sum(axis=1), neg.sum(axis=1)
        # At the threshold of each distinct score: rows scored at or above it.
        tp = np.cumsum(pos[:, ::-1], axis=1)[:, ::-1]
        fp = np.cumsum(neg[:, ::-1], axis=1)[:, ::-1]
        precision = _div(tp, tp + fp, empty=0.0)
        ap = np.sum(pos * precision, axis=1)
        return np.where((p_tot > 0) & (n_tot > 0), _div(ap, p_tot), np.nan)

    return roc_auc, pr_auc


def _binary_stats(y: np.ndarray, s: np.ndarray, threshold: float) -> dict[str, _Stat]:
    pred = s >= threshold
    cells = np.stack([pred & y, pred & ~y, ~pred & y], axis=1).astype(float)  # tp, fp, fn per row
    clipped = np.clip(s, _EPS, 1 - _EPS)
    row_loss = -np.where(y, np.log(clipped), np.log1p(-clipped))
    row_sq = (s - y) ** 2
    roc_auc, pr_auc = _ranking_stats(y, s)

    def counts(w: np.ndarray) -> tuple[np.ndarray, ...]:
        tp, fp, fn = (w @ cells).T
        return tp, fp, fn, w.sum(axis=1)

    def accuracy(w: np.ndarray) -> np.ndarray:
        tp, fp, fn, n = counts(w)
        return (n - fp - fn) / n

    def precision(w: np.ndarray) -> np.ndarray:
        tp, fp, _, _ = counts(w)
        return _div(tp, tp + fp, empty=0.0)

    def recall(w: np.ndarray) -> np.ndarray:
        tp, _, fn, _ = counts(w)
        return _div(tp, tp + fn)  # undefined on a resample without positives

    def f1(w: np.ndarray) -> np.ndarray:
        tp, fp, fn, _ = counts(w)
        return _div(2 * tp, 2 * tp + fp + fn, empty=0.0)

    return {"accuracy": accuracy, "precision": precision, "recall": recall, "f1": f1, "roc_auc": roc_auc,
            "pr_auc": pr_auc, "log_loss": lambda w: (w @ row_loss) / w.sum(axis=1),
            "brier": lambda w: (w @ row_sq) / w.sum(axis=1)}


def _multiclass_stats(codes: np.ndarray, proba: np.ndarray) -> dict[str, _Stat]:
    k = proba.shape[1]
    pred = proba.argmax(axis=1)
    true_1h = np.eye(k)[codes]
    pred_1h = np.eye(k)[pred]
    hit_1h = true_1h * (pred == codes)[:, None]
    row_loss = -np.log(np.clip(proba[np.arange(len(codes)), codes], _EPS, 1 - _EPS))
    ovr = [_ranking_stats(codes == j, proba[:, j])[0] for j in range(k)]

    def per_class(w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        support, predicted, hits = w @ true_1h, w @ pred_1h, w @ hit_1h
        seen = (support > 0) | (predicted > 0)  # classes held or predicted: the ones averaged, as sklearn
        return support, predicted, hits, seen

    def averaged(kind: str, weighted: bool) -> _Stat:
        def stat(w: np.ndarray) -> np.ndarray:
            support, predicted, hits, seen = per_class(w)
            value = {"precision": lambda: _div(hits, predicted, 0.0), "recall": lambda: _div(hits, support, 0.0),
                     "f1": lambda: _div(2 * hits, support + predicted, 0.0)}[kind]()
            if weighted:
                return _div(np.sum(value * support, axis=1), support.sum(axis=1))
            return _div(np.sum(value * seen, axis=1), seen.sum(axis=1).astype(float))
        return stat

    def roc_auc(w: np.ndarray) -> np.ndarray:
        per = np.stack([fn(w) for fn in ovr], axis=1)  # NaN for a class with no positive or no negative
        defined = ~np.isnan(per)
        return _div(np.where(defined, per, 0.0).sum(axis=1), defined.sum(axis=1).astype(float))

    stats: dict[str, _Stat] = {"accuracy": lambda w: (w @ (pred == codes).astype(float)) / w.sum(axis=1),
                               "log_loss": lambda w: (w @ row_loss) / w.sum(axis=1), "roc_auc": roc_auc}
    for kind in ("precision", "recall", "f1"):
        stats[f"{kind}_macro"] = averaged(kind, False)
        stats[f"{kind}_weighted"] = averaged(kind, True)
    return stats


def _regression_stats(y: np.ndarray, yhat: np.ndarray) -> dict[str, _Stat]:
    err = y - yhat
    yc = y - y.mean()  # centred, so the total sum of squares does not lose digits
    nonzero = (y != 0).astype(float)
    ape = np.where(y != 0, np.abs(err) / np.where(y != 0, np.abs(y), 1.0), 0.0)

    def r2(w: np.ndarray) -> np.ndarray:
        n = w.sum(axis=1)
        ss_tot = w @ yc ** 2 - (w @ yc) ** 2 / n
        ss_res = w @ err ** 2
        scale = np.maximum(w @ yc ** 2, 1e-300)
        return np.where(ss_tot > 1e-12 * scale, 1 - _div(ss_res, ss_tot), np.nan)

    return {"mae": lambda w: (w @ np.abs(err)) / w.sum(axis=1),
            "rmse": lambda w: np.sqrt((w @ err ** 2) / w.sum(axis=1)),
            "r2": r2, "mape": lambda w: _div(w @ ape, w @ nonzero)}


# --- public ---------------------------------------------------------------------------------------------
def _stats_for(task: str, y_true: Any, y_pred: Any, *, labels: Any, positive_label: Any, threshold: float,
               target_name: str | None) -> dict[str, _Stat]:
    if task == "binary":
        y, s = _binary_inputs(y_true, y_pred, positive_label, target_name, labels)
        return _binary_stats(y, s, threshold)
    if task == "multiclass":
        if labels is None:
            raise ConfigError("multiclass intervals need labels: the class of each probability column "
                              "(model.classes_)", parameter="labels")
        yt, p = _check_lengths(y_true, y_pred, "y_pred", target_name)
        p = _check_scores(p, "y_pred", probability=True)
        if p.ndim != 2 or p.shape[1] != len(labels):
            raise DataError(f"y_pred must hold one probability column per class ({len(labels)}), got shape "
                            f"{p.shape}", parameter="y_pred")
        codes = pd.Index(list(labels)).get_indexer(yt)
        if (codes < 0).any():
            raise DataError(f"target '{target_name or 'y_true'}' has labels not in labels: "
                            f"{', '.join(map(repr, sorted(set(yt[codes < 0].tolist()), key=str)[:5]))}",
                            column=target_name, parameter="labels")
        return _multiclass_stats(codes, p)
    y, yhat = _regression_inputs(y_true, y_pred, target_name)
    return _regression_stats(y, yhat)


def _summarise(name: str, point: float, draws: np.ndarray, alpha: float) -> MetricInterval:
    finite = draws[np.isfinite(draws)]
    value = None if not math.isfinite(point) else float(point)
    if value is None or len(finite) * 2 < len(draws) or not len(finite):
        return MetricInterval(name, value, None, None, int(len(finite)))
    low, high = np.quantile(finite, [alpha, 1 - alpha])
    return MetricInterval(name, value, float(low), float(high), int(len(finite)))


def bootstrap_metrics(y_true: Any, y_pred: Any, *, task: str, metrics: Sequence[str] | None = None,
                      labels: Any = None, positive_label: Any = 1, threshold: float = 0.5,
                      baseline_pred: Any = None, n_boot: int = 1000, confidence: float = 0.95, seed: int = 0,
                      target_name: str | None = None) -> BootstrapResult:
    """Percentile bootstrap intervals of test metrics, resampling rows with replacement.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        True labels (values for regression).
    y_pred : array-like
        Binary: probability of ``positive_label``, shape (n,). Multiclass:
        ``predict_proba`` output, shape (n, k), columns in ``labels`` order.
        Regression: predicted values, shape (n,).
    task : {"binary", "multiclass", "regression"}
    metrics : list of str, optional
        Registry names (:data:`~mltoolkit.evaluate.METRICS`) fitting ``task``;
        default all of them.
    labels : sequence, optional
        The classes known from training (``model.classes_``). Required for
        multiclass; for binary it lets the rows hold one class only (ROC AUC
        and average precision are then undefined: value and interval None).
    positive_label : default 1
        Binary only.
    threshold : float, default 0.5
        Binary only: the decision threshold of the threshold metrics (chosen
        beforehand, on validation data; it is not re-tuned per resample).
    baseline_pred : array-like, optional
        A baseline's predictions in the form of ``y_pred``. Adds the
        baseline's intervals and the paired intervals of model minus baseline.
    n_boot : int, default 1000
        Resamples. 0 gives the values without intervals.
    confidence : float, default 0.95
    seed : int, default 0
        Seeds the resamples: the same arguments give the same intervals.
    target_name : str, optional
        Name of the target, used in error messages.

    Returns
    -------
    BootstrapResult

    Raises
    ------
    ConfigError
        A metric unfit for ``task``, ``n_boot < 0``, ``confidence`` outside
        (0, 1), multiclass without ``labels``.
    DataError
        Bad target or predictions (as the metric functions).

    Notes
    -----
    Resamples on which a metric is undefined (ROC AUC with one class,
    recall without positives) are left out of its percentiles; with more than
    half of them undefined the interval is None. The intervals describe how
    much the figure would move with other test rows from the same source, not
    the uncertainty of a changing population.

    Examples
    --------
    >>> r = bootstrap_metrics([0, 0, 1, 1, 0, 1], [.2, .4, .7, .9, .6, .3], task="binary",
    ...                       metrics=["accuracy"], n_boot=200, seed=1)
    >>> iv = r.interval("accuracy")
    >>> iv.value, iv.ci_low <= iv.value <= iv.ci_high
    (0.6666666666666666, True)
    """
    metrics = list(metrics) if metrics is not None else metrics_for(task)
    for name in metrics:
        check_metric_for_task(name, task)
    if n_boot < 0:
        raise ConfigError(f"n_boot must be 0 or more, got {n_boot}", parameter="n_boot")
    if not 0 < confidence < 1:
        raise ConfigError(f"confidence must lie between 0 and 1, got {confidence}", parameter="confidence")
    kw = dict(labels=labels, positive_label=positive_label, threshold=threshold, target_name=target_name)
    stats = _stats_for(task, y_true, y_pred, **kw)
    base = _stats_for(task, y_true, baseline_pred, **kw) if baseline_pred is not None else None
    n = len(np.asarray(y_true))
    ones = np.ones((1, n))
    point = {m: float(stats[m](ones)[0]) for m in metrics}
    base_point = {m: float(base[m](ones)[0]) for m in metrics} if base else {}
    draws: dict[str, list[np.ndarray]] = {m: [] for m in metrics}
    base_draws: dict[str, list[np.ndarray]] = {m: [] for m in metrics}
    for w in _count_blocks(n, n_boot, seed):
        for m in metrics:
            draws[m].append(stats[m](w))
            if base:
                base_draws[m].append(base[m](w))
    alpha = (1 - confidence) / 2

    def cat(parts: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(parts) if parts else np.empty(0)

    intervals = tuple(_summarise(m, point[m], cat(draws[m]), alpha) for m in metrics)
    baseline = difference = ()
    if base:
        baseline = tuple(_summarise(m, base_point[m], cat(base_draws[m]), alpha) for m in metrics)
        difference = tuple(_summarise(m, point[m] - base_point[m], cat(draws[m]) - cat(base_draws[m]), alpha)
                           for m in metrics)
    return BootstrapResult(intervals=intervals, baseline=baseline, difference=difference, confidence=float(confidence),
                           n_boot=int(n_boot), seed=int(seed), n=int(n))


def better_side(metric: str, interval: MetricInterval, threshold: float, *, bootstrapped: bool = True) -> str:
    """Where ``interval`` lies against ``threshold``, in the metric's direction.

    ``"better"`` when the whole interval is at or beyond the threshold on the
    good side, ``"worse"`` when it is wholly on the bad side, ``"uncertain"``
    when it straddles the threshold, when the metric is undefined, or when it
    was bootstrapped but has no interval (undefined on most resamples).
    ``bootstrapped=False`` (``n_boot=0``): the value alone decides.

    Examples
    --------
    >>> better_side("roc_auc", MetricInterval("roc_auc", 0.83, 0.6, 1.0, 1000), 0.8)
    'uncertain'
    >>> better_side("mae", MetricInterval("mae", 2.0, 1.5, 2.5, 1000), 3.0)
    'better'
    """
    if interval.value is None:
        return "uncertain"
    low, high = interval.ci_low, interval.ci_high
    if low is None or high is None:
        if bootstrapped:
            return "uncertain"
        low = high = interval.value
    if METRICS[metric].higher_is_better:
        return "better" if low >= threshold else "worse" if high < threshold else "uncertain"
    return "better" if high <= threshold else "worse" if low > threshold else "uncertain"
