"""Champion against challenger on the same recent held-out rows, with a bootstrap interval on the difference.

The interval comes from a paired bootstrap (both models scored on the same
resampled rows), so it reflects the uncertainty of the comparison, not of each
model alone. Verdict: ``promote`` when the whole interval favours the challenger,
``keep`` when it favours the champion, ``inconclusive`` otherwise.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from mltoolkit._serialize import to_jsonable
from mltoolkit.errors import DataError
from mltoolkit.evaluate.registry import METRICS, check_metric_for_task
from mltoolkit.evaluate.slices import slice_performance

__all__ = ["ModelComparison", "compare_champion_challenger", "MIN_HELDOUT_ROWS"]

#: Fewest held-out rows a champion/challenger comparison is made on.
MIN_HELDOUT_ROWS = 20

_THRESHOLD_METRICS = ("precision", "recall", "f1", "accuracy")


@dataclasses.dataclass(frozen=True)
class ModelComparison:
    metric: str
    champion: float
    challenger: float
    difference: float  # challenger - champion, in the direction "positive = challenger better"
    ci_low: float
    ci_high: float
    n_rows: int
    n_boot: int
    verdict: str  # promote, keep, inconclusive
    reason: str
    slices: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


_MULTICLASS_LABEL_METRICS = {
    "accuracy": skm.accuracy_score,
    "f1_macro": lambda y, p, labels: skm.f1_score(y, p, labels=labels, average="macro", zero_division=0),
    "f1_weighted": lambda y, p, labels: skm.f1_score(y, p, labels=labels, average="weighted", zero_division=0),
    "precision_macro": lambda y, p, labels: skm.precision_score(y, p, labels=labels, average="macro", zero_division=0),
    "recall_macro": lambda y, p, labels: skm.recall_score(y, p, labels=labels, average="macro", zero_division=0),
}


def _multiclass_metric_fn(metric: str, labels: np.ndarray):  # noqa: ANN202
    """(y, probability matrix with one column per label, which) -> value; labels predicted by the largest probability."""
    if metric == "roc_auc":
        return lambda y, s, which: skm.roc_auc_score(y, s, multi_class="ovr", labels=labels)
    if metric == "log_loss":
        return lambda y, s, which: skm.log_loss(y, np.clip(s, 1e-15, 1), labels=labels)
    if metric == "accuracy":
        return lambda y, s, which: skm.accuracy_score(y, labels[np.argmax(s, axis=1)])
    if metric in _MULTICLASS_LABEL_METRICS:
        fn = _MULTICLASS_LABEL_METRICS[metric]
        return lambda y, s, which: fn(y, labels[np.argmax(s, axis=1)], labels)
    raise DataError(f"champion/challenger comparison does not support metric {metric!r} yet", parameter="metric")


def _metric_fn(metric: str, threshold_champion: float, threshold_challenger: float):  # noqa: ANN202
    """A function (y, score, which) -> value for one resample."""
    if metric in _THRESHOLD_METRICS:
        fn = {"precision": lambda y, p: skm.precision_score(y, p, zero_division=0),
              "recall": lambda y, p: skm.recall_score(y, p, zero_division=0),
              "f1": lambda y, p: skm.f1_score(y, p, zero_division=0), "accuracy": skm.accuracy_score}[metric]
        return lambda y, s, which: fn(y, (s >= (threshold_champion if which == 0 else threshold_challenger)).astype(int))
    if metric == "roc_auc":
        return lambda y, s, which: skm.roc_auc_score(y, s)
    if metric == "pr_auc":
        return lambda y, s, which: skm.average_precision_score(y, s)
    if metric == "log_loss":
        return lambda y, s, which: skm.log_loss(y, np.clip(s, 1e-15, 1 - 1e-15), labels=[0, 1])
    if metric == "brier":
        return lambda y, s, which: skm.brier_score_loss(y, s)
    if metric == "mae":
        return lambda y, s, which: skm.mean_absolute_error(y, s)
    if metric == "rmse":
        return lambda y, s, which: float(np.sqrt(skm.mean_squared_error(y, s)))
    if metric == "r2":
        return lambda y, s, which: skm.r2_score(y, s)
    if metric == "mape":
        return lambda y, s, which: skm.mean_absolute_percentage_error(y, s)
    raise DataError(f"champion/challenger comparison does not support metric {metric!r} yet", parameter="metric")


def compare_champion_challenger(y_true: np.ndarray, champion_scores: np.ndarray, challenger_scores: np.ndarray, *,
                                metric: str, kind: str, threshold_champion: float = 0.5,
                                threshold_challenger: float = 0.5, n_boot: int = 500, confidence: float = 0.95,
                                seed: int = 0, frame: pd.DataFrame | None = None,
                                slice_columns: Sequence[str] = (),
                                constraint: tuple[str, float] | None = None,
                                labels: Sequence[Any] | None = None) -> ModelComparison:
    """Compare two models' scores on the same rows with a paired bootstrap.

    Parameters
    ----------
    y_true : array
        Encoded target (0/1 for binary, values for regression).
    champion_scores, challenger_scores : array
        Probability of the positive class (binary), probabilities with one
        column per entry of ``labels`` (multiclass), or predicted values (regression).
    metric : str
        The project card's success metric.
    kind : {"binary", "multiclass", "regression"}
    threshold_champion, threshold_challenger : float
        Decision thresholds of threshold-dependent metrics (each model keeps its own).
    frame : DataFrame, optional
        The same rows with feature columns, for the per-slice comparison over ``slice_columns``.
    constraint : (metric, threshold), optional
        The card's condition on the operating point ("at precision >= 0.3"): a
        challenger that breaks it on these rows is not promoted, however much
        better its primary metric looks (a lower threshold buys recall with precision).
    labels : sequence, optional
        Multiclass only: the class of each column of the probability matrices.
    """
    spec = check_metric_for_task(metric, kind)
    y = np.asarray(y_true)
    a, b = np.asarray(champion_scores, dtype=float), np.asarray(challenger_scores, dtype=float)
    if kind == "multiclass" and labels is None:
        raise DataError("a multiclass comparison needs the labels of the probability columns", parameter="labels")
    if not len(y) == len(a) == len(b):
        raise DataError("target and both models' scores must have one value per row", parameter="y_true")
    if len(y) < MIN_HELDOUT_ROWS:
        raise DataError(f"only {len(y)} held-out rows to compare the models; collect more labeled data",
                        parameter="new_data")
    fn = (_multiclass_metric_fn(metric, np.asarray(labels, dtype=object)) if kind == "multiclass"
          else _metric_fn(metric, threshold_champion, threshold_challenger))
    sign = 1.0 if spec.higher_is_better else -1.0
    champion, challenger = float(fn(y, a, 0)), float(fn(y, b, 1))
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(n_boot):  # one resample of rows per iteration; both models see the same rows
        idx = rng.integers(0, len(y), len(y))
        if kind == "binary" and len(np.unique(y[idx])) < 2:
            continue
        try:
            diffs.append(sign * (fn(y[idx], b[idx], 1) - fn(y[idx], a[idx], 0)))
        except ValueError:  # a resample without some class: ROC AUC is undefined there
            continue
    if not diffs:
        raise DataError(f"{metric} could not be computed on any resample of the {len(y)} held-out rows; collect more "
                        "labeled data", parameter="new_data")
    alpha = (1 - confidence) / 2
    low, high = (float(np.quantile(diffs, q)) for q in (alpha, 1 - alpha))
    diff = sign * (challenger - champion)
    if low > 0:
        verdict, reason = "promote", (f"the challenger is better on {metric} ({challenger:.4g} vs {champion:.4g}; "
                                      f"{confidence:.0%} interval of the gain {low:.3g} to {high:.3g})")
    elif high < 0:
        verdict, reason = "keep", (f"the champion is better on {metric} ({champion:.4g} vs {challenger:.4g}); "
                                   "keep it in production")
    else:
        verdict, reason = "inconclusive", (f"no clear difference on {metric} ({challenger:.4g} vs {champion:.4g}; "
                                           f"interval {low:.3g} to {high:.3g} includes 0): keep the champion")
    if constraint is not None and verdict == "promote":
        c_metric, c_threshold = constraint
        c_fn = _metric_fn(c_metric, threshold_champion, threshold_challenger)
        c_value = float(c_fn(y, b, 1))
        ok = c_value >= c_threshold if METRICS[c_metric].higher_is_better else c_value <= c_threshold
        if not ok:
            verdict = "keep"
            reason = (f"the challenger gains {metric} ({challenger:.4g} vs {champion:.4g}) but breaks the condition "
                      f"{c_metric} {'>=' if METRICS[c_metric].higher_is_better else '<='} {c_threshold:g} "
                      f"({c_value:.3g}); keep the champion")
    slices: list[dict[str, Any]] = []
    if frame is not None and slice_columns and kind != "multiclass":
        slice_metric = metric if metric in _THRESHOLD_METRICS + ("roc_auc", "pr_auc", "mae", "rmse") else \
            ("f1" if kind == "binary" else "mae")
        for which, scores, thr in (("champion", a, threshold_champion), ("challenger", b, threshold_challenger)):
            res = slice_performance(frame, list(slice_columns), y_true=y, y_pred=scores, metric=slice_metric,
                                    task=kind, threshold=thr, positive_label=1, min_size=1)
            for col in res.columns:
                for s in col.slices:
                    slices.append({"model": which, "column": col.column, "slice": s.label, "n": s.n, "value": s.value})
    return ModelComparison(metric=metric, champion=champion, challenger=challenger, difference=diff, ci_low=low,
                           ci_high=high, n_rows=len(y), n_boot=len(diffs), verdict=verdict, reason=reason,
                           slices=slices)
