"""Model quality per slice of the data: where does the model do worse than overall?

Each requested column is cut into slices (its categories, or quantile bins of
a numeric column; missing values form their own ``"(missing)"`` slice), the
metric is computed per slice and compared with the overall value. A slice is
flagged when it is at least ``gap`` worse than overall (in the metric's own
direction) and holds at least ``min_size`` rows.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from mltoolkit._serialize import to_jsonable
from mltoolkit.errors import ConfigError, DataError, SchemaError
from mltoolkit.evaluate.metrics import (
    _binary_inputs,
    _check_lengths,
    _mape,
    _regression_inputs,
    check_metric_for_task,
)

__all__ = ["SliceRow", "ColumnSlices", "SliceResult", "slice_performance", "MISSING", "OTHER"]

#: Label of the slice holding missing values, and of rare categories pooled together.
MISSING = "(missing)"
OTHER = "(other)"


@dataclasses.dataclass(frozen=True)
class SliceRow:
    """The metric on one slice of one column."""

    label: str
    n: int
    share: float  # n / all rows
    value: float | None  # None when the metric is undefined on the slice (e.g. ROC AUC with one class)
    difference: float | None  # value - overall
    flagged: bool


@dataclasses.dataclass(frozen=True)
class ColumnSlices:
    """All slices of one column, in display order (categories by size, numeric bins by value, missing last)."""

    column: str
    kind: str  # "categorical" or "numeric"
    slices: tuple[SliceRow, ...]

    @property
    def n_flagged(self) -> int:
        return sum(s.flagged for s in self.slices)


@dataclasses.dataclass(frozen=True)
class SliceResult:
    """Per-slice performance for several columns, against the overall value."""

    metric: str
    task: str
    direction: str  # "higher" or "lower" is better
    overall: float | None
    n: int
    min_size: int
    gap: float
    columns: tuple[ColumnSlices, ...]

    def column(self, name: str) -> ColumnSlices:
        for c in self.columns:
            if c.column == name:
                return c
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        return [c.column for c in self.columns]

    @property
    def flagged(self) -> list[tuple[str, SliceRow]]:
        """``(column, slice)`` of every flagged slice."""
        return [(c.column, s) for c in self.columns for s in c.slices if s.flagged]

    def to_frame(self) -> pd.DataFrame:
        """One row per slice: column, label, n, share, value, difference, flagged."""
        rows = [{"column": c.column, **dataclasses.asdict(s)} for c in self.columns for s in c.slices]
        return pd.DataFrame(rows, columns=["column", "label", "n", "share", "value", "difference", "flagged"])

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


# --- metric on a subset of rows ------------------------------------------------------------------------
def _binary_fn(metric: str, threshold: float) -> Callable[[np.ndarray, np.ndarray], float]:
    def counts(y: np.ndarray, s: np.ndarray) -> tuple[int, int, int, int]:
        pred = s >= threshold
        tp = int(np.count_nonzero(pred & y))
        fp = int(np.count_nonzero(pred)) - tp
        fn = int(np.count_nonzero(y)) - tp
        return tp, fp, fn, len(y) - tp - fp - fn

    def one(y: np.ndarray, s: np.ndarray) -> float:
        tp, fp, fn, tn = counts(y, s)
        if metric == "accuracy":
            return (tp + tn) / len(y)
        if metric == "precision":
            return tp / (tp + fp) if tp + fp else math.nan
        if metric == "recall":
            return tp / (tp + fn) if tp + fn else math.nan
        return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else math.nan

    def both_classes(fn: Callable[..., float]) -> Callable[[np.ndarray, np.ndarray], float]:
        return lambda y, s: float(fn(y, s)) if 0 < y.sum() < len(y) else math.nan

    return {
        "roc_auc": both_classes(skm.roc_auc_score),
        "pr_auc": both_classes(skm.average_precision_score),
        "log_loss": lambda y, s: float(skm.log_loss(y, s, labels=[False, True])),
        "brier": lambda y, s: float(np.mean((s - y) ** 2)),
    }.get(metric, one)


def _multiclass_fn(metric: str) -> Callable[[np.ndarray, np.ndarray], float]:
    if metric == "accuracy":
        return lambda y, p: float(np.mean(y == p))
    name, average = metric.split("_")
    fn = {"f1": skm.f1_score, "precision": skm.precision_score, "recall": skm.recall_score}[name]
    return lambda y, p: float(fn(y, p, average=average, zero_division=0))


def _regression_fn(metric: str) -> Callable[[np.ndarray, np.ndarray], float]:
    def r2(y: np.ndarray, p: np.ndarray) -> float:
        return float(skm.r2_score(y, p)) if len(y) >= 2 and np.ptp(y) > 0 else math.nan

    return {
        "mae": lambda y, p: float(np.mean(np.abs(y - p))),
        "rmse": lambda y, p: float(np.sqrt(np.mean((y - p) ** 2))),
        "r2": r2,
        "mape": lambda y, p: v if (v := _mape(y, p)[0]) is not None else math.nan,
    }[metric]


# --- slicing -----------------------------------------------------------------------------------------------
def _fmt(v: float) -> str:
    return f"{v:.4g}"


def _slice_codes(col: pd.Series, bins: int, max_categories: int) -> tuple[np.ndarray, list[str], str]:
    """Integer slice code per row (-1 never used), slice labels in display order, and the column kind."""
    missing = col.isna().to_numpy()
    numeric = (pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
               and col.nunique(dropna=True) > bins)
    if numeric:
        values = col.astype(float)
        binned = pd.qcut(values, q=bins, duplicates="drop")
        cats = binned.cat.categories
        labels = [f"{'[' if i == 0 else '('}{_fmt(iv.left if i else values.min())}, {_fmt(iv.right)}]"
                  for i, iv in enumerate(cats)]
        codes = binned.cat.codes.to_numpy().astype(np.int64)
        kind = "numeric"
    else:
        counts = col.value_counts(dropna=True)
        keep = counts.index[: max_categories - 1] if len(counts) > max_categories else counts.index
        codes = pd.Categorical(col, categories=keep).codes.astype(np.int64)
        labels = [str(v) for v in keep]
        other = (codes < 0) & ~missing
        if other.any():
            codes[other] = len(labels)
            labels.append(OTHER)
        kind = "categorical"
    if missing.any():
        codes[missing] = len(labels)
        labels.append(MISSING)
    return codes, labels, kind


def _resolve(frame: pd.DataFrame, value: str | Sequence[Any] | np.ndarray, param: str) -> np.ndarray:
    if isinstance(value, str):
        if value not in frame.columns:
            raise SchemaError(f"{param} column {value!r} is not in the data; available columns: "
                              f"{', '.join(map(str, frame.columns))}", column=value, parameter=param)
        return frame[value].to_numpy()
    arr = np.asarray(value)
    if len(arr) != len(frame):
        raise DataError(f"{param} has {len(arr):,} values but the data has {len(frame):,} rows; pass one per row "
                        f"(or the name of a column)", parameter=param)
    return arr


def slice_performance(frame: pd.DataFrame, columns: Sequence[str], *, y_true: str | Sequence[Any] | np.ndarray,
                      y_pred: str | Sequence[Any] | np.ndarray, metric: str = "f1", task: str = "binary",
                      threshold: float = 0.5, positive_label: Any = 1, labels: Any = None, bins: int = 5,
                      max_categories: int = 20, min_size: int = 30, gap: float = 0.1) -> SliceResult:
    """Compute ``metric`` on every slice of each of ``columns`` and flag slices doing worse than overall.

    Parameters
    ----------
    frame : DataFrame
        The evaluation rows, holding ``columns`` (and the target/prediction if named).
    columns : list of str
        Columns to slice by. Numeric columns with more than ``bins`` distinct
        values are cut into ``bins`` quantile bins (labelled ``"(10, 25.5]"``);
        others are treated as categories.
    y_true : str or array-like
        The target: a column name of ``frame`` or one value per row.
    y_pred : str or array-like
        Predictions: the probability of ``positive_label`` for ``task="binary"``,
        the predicted label for ``"multiclass"``, the predicted value for ``"regression"``.
    metric : str, default "f1"
        A key of :data:`~mltoolkit.evaluate.METRICS` fitting ``task``. For
        multiclass only label-based metrics apply (no ``log_loss``/``roc_auc``).
    task : {"binary", "multiclass", "regression"}, default "binary"
    threshold : float, default 0.5
        Binary only: predicted positive when ``y_pred >= threshold``.
    positive_label : default 1
        Binary only.
    labels : sequence, optional
        The classes known from training (``model.classes_``). Binary: given,
        rows holding one class only are accepted (as a test split can).
        Multiclass: target labels outside it are refused. Either way a slice
        missing a class is scored against all of them; macro averages leave
        out classes neither held nor predicted in the slice.
    bins : int, default 5
        Quantile bins for numeric columns (fewer when quantiles coincide).
    max_categories : int, default 20
        Largest number of slices per categorical column; rarer categories are
        pooled into ``"(other)"``.
    min_size : int, default 30
        Smaller slices are never flagged (too noisy).
    gap : float, default 0.1
        Absolute amount, in the metric's units, by which a slice must be worse
        than overall to be flagged ("worse" is lower for higher-is-better
        metrics and higher for lower-is-better ones).

    Returns
    -------
    SliceResult

    Raises
    ------
    SchemaError
        A column (or the named target/prediction column) is not in ``frame``.
    ConfigError
        The metric does not fit the task.
    DataError
        Bad target or predictions (as the metric functions).

    Examples
    --------
    >>> df = pd.DataFrame({"plan": ["a", "a", "b", "b"], "y": [1, 0, 1, 0], "p": [0.9, 0.2, 0.3, 0.8]})
    >>> r = slice_performance(df, ["plan"], y_true="y", y_pred="p", metric="accuracy", min_size=1)
    >>> [(s.label, s.value, s.flagged) for s in r.column("plan").slices]
    [('a', 1.0, False), ('b', 0.0, True)]
    """
    info = check_metric_for_task(metric, task)
    if task == "multiclass" and metric in ("log_loss", "roc_auc"):
        raise ConfigError(f"metric {metric!r} needs class probabilities; slice_performance takes predicted labels "
                          f"for multiclass tasks: use accuracy, f1_macro, f1_weighted, precision_macro or "
                          f"recall_macro", parameter="metric")
    if bins < 1 or max_categories < 2:
        raise ConfigError("bins must be at least 1 and max_categories at least 2",
                          parameter="bins" if bins < 1 else "max_categories")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(f"column {missing[0]!r} is not in the data; available columns: "
                          f"{', '.join(map(str, frame.columns))}", column=missing[0], parameter="columns")
    target_name = y_true if isinstance(y_true, str) else None
    yt = _resolve(frame, y_true, "y_true")
    yp = _resolve(frame, y_pred, "y_pred")
    if task == "binary":
        yt, yp = _binary_inputs(yt, yp, positive_label, target_name, labels)
        fn = _binary_fn(metric, threshold)
    elif task == "regression":
        yt, yp = _regression_inputs(yt, yp, target_name)
        fn = _regression_fn(metric)
    else:
        yt, yp = _check_lengths(yt, yp, "y_pred", target_name)
        if labels is not None:
            unknown = sorted(set(pd.unique(yt).tolist()) - set(np.asarray(labels).tolist()), key=str)
            if unknown:
                raise DataError(f"target has labels not in labels: {', '.join(map(repr, unknown[:5]))}; pass the "
                                f"model's classes_", column=target_name, parameter="labels")
        fn = _multiclass_fn(metric)

    def clean(v: float) -> float | None:
        return None if math.isnan(v) else float(v)

    n = len(yt)
    overall = clean(fn(yt, yp))
    result_columns = []
    for name in columns:
        codes, labels, kind = _slice_codes(frame[name], bins, max_categories)
        groups = pd.Series(codes).groupby(codes).indices  # slice code -> row positions
        rows = []
        for k, label in enumerate(labels):
            idx = groups.get(k, np.empty(0, dtype=np.int64))
            size = len(idx)
            value = clean(fn(yt[idx], yp[idx])) if size else None
            diff = None if value is None or overall is None else value - overall
            flagged = bool(diff is not None and size >= min_size and info.worse_by(value, overall) >= gap - 1e-12)
            rows.append(SliceRow(label=label, n=int(size), share=size / n, value=value, difference=diff,
                                 flagged=flagged))
        result_columns.append(ColumnSlices(column=str(name), kind=kind, slices=tuple(rows)))
    return SliceResult(metric=metric, task=task, direction=info.direction, overall=overall, n=int(n),
                       min_size=min_size, gap=gap, columns=tuple(result_columns))
