"""How the target varies with one feature: rate or mean per bin or category."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from mltoolkit.data.schema import to_datetimes
from mltoolkit.eda.result import _Result
from mltoolkit.eda.target_analysis import check_target_present
from mltoolkit.errors import ConfigError

__all__ = ["FeatureTargetSummary", "feature_vs_target"]


@dataclasses.dataclass(frozen=True)
class FeatureTargetSummary(_Result):
    """Target rate (classification) or mean (regression) per group of a feature.

    Attributes
    ----------
    labels : tuple of str
        Bin ranges (numeric feature, quantile bins) or category values; missing
        values form their own group ``"(missing)"``.
    counts : tuple of int
        Rows per group.
    target_values : tuple of float or None
        Share of ``positive`` (classification) or mean target (regression) per group.
    overall : float or None
        The same figure over all rows, for reference.
    """

    feature: str
    target: str
    target_label: str
    positive: str | None
    labels: tuple[str, ...]
    counts: tuple[int, ...]
    target_values: tuple[float | None, ...]
    overall: float | None


def feature_vs_target(
    df: pd.DataFrame,
    feature: str,
    target: str,
    *,
    bins: int = 10,
    max_categories: int = 12,
    positive: object | None = None,
    kind: str | None = None,
) -> FeatureTargetSummary:
    """Summarize the target by quantile bins (numeric) or top categories of ``feature``.

    Parameters
    ----------
    df : pandas.DataFrame
    feature, target : str
        Column names.
    bins : int, default 10
        Quantile bins for a numeric feature (fewer when values repeat).
    max_categories : int, default 12
        Categories shown; the rest are grouped as ``"(other)"``.
    positive : optional
        Class whose rate is shown for a categorical target; by default the
        minority class of a binary target, the majority class otherwise.
    kind : str, optional
        The feature's kind as profiling decided it (``ColumnProfile.kind``):
        ``"datetime"`` reads text as dates (a CSV's date column), binned by time.

    Returns
    -------
    FeatureTargetSummary

    Raises
    ------
    ConfigError
        ``feature`` or ``target`` is not a column.
    DataError
        The target has no value.

    Examples
    --------
    >>> df = pd.DataFrame({"x": [1, 2, 3, 4], "y": [0, 0, 1, 1]})
    >>> feature_vs_target(df, "x", "y", bins=2).target_values
    (0.0, 1.0)
    """
    for name, param in ((feature, "feature"), (target, "target")):
        if name not in df.columns:
            raise ConfigError(f"column {name!r} is not in the data; columns are: {', '.join(map(str, df.columns))}",
                              column=name, parameter=param)
    y = df[target]
    keep = y.notna().to_numpy()
    check_target_present(str(target), int(keep.sum()), len(df))
    y = y[keep]
    x = df[feature][keep]
    if kind == "datetime":
        x = to_datetimes(x)
    is_regression = pd.api.types.is_float_dtype(y.dtype) and y.nunique() > 20
    if is_regression:
        yv = y.to_numpy(dtype=float)
        label, pos = f"mean {target}", None
    else:
        counts = y.value_counts()
        if positive is None:
            if len(counts) == 2 and set(counts.index.tolist()) <= {0, 1}:
                positive = 1  # 0/1 and False/True targets: the "1" class
            else:
                positive = counts.index[-1] if len(counts) == 2 else counts.index[0]
        yv = (y == positive).to_numpy(dtype=float)
        label, pos = f"share {target} = {positive}", str(positive)
    codes, labels = _groups(x, bins, max_categories)
    n_groups = len(labels)
    n = np.bincount(codes, minlength=n_groups)
    sums = np.bincount(codes, weights=yv, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / n
    shown = n > 0
    return FeatureTargetSummary(
        feature=str(feature), target=str(target), target_label=label, positive=pos,
        labels=tuple(np.asarray(labels, dtype=object)[shown].tolist()),
        counts=tuple(int(c) for c in n[shown]),
        target_values=tuple(None if np.isnan(m) else float(m) for m in means[shown]),
        overall=float(yv.mean()) if len(yv) else None,
    )


def _groups(x: pd.Series, bins: int, max_categories: int) -> tuple[np.ndarray, list[str]]:
    """Group code per row and group labels; the last group holds missing values."""
    is_time = isinstance(x.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(x.dtype)
    if is_time or (pd.api.types.is_numeric_dtype(x.dtype) and not pd.api.types.is_bool_dtype(x.dtype)):
        if is_time:
            seconds = x.to_numpy().astype("datetime64[s]").astype(np.int64).astype(float)
            values = np.where(x.isna().to_numpy(), np.nan, seconds)
            fmt = _fmt_date
        else:
            values = x.to_numpy(dtype=float)
            fmt = _fmt
        finite = np.isfinite(values)
        if finite.any():
            edges = np.unique(np.quantile(values[finite], np.linspace(0, 1, bins + 1)))
        else:
            edges = np.array([0.0])
        if len(edges) > 1:
            inner = np.searchsorted(edges[1:-1], values, side="right")
            labels = [f"{fmt(lo)}–{fmt(hi)}" for lo, hi in zip(edges[:-1], edges[1:])]
        else:
            inner = np.zeros(len(values), dtype=np.intp)
            labels = [fmt(edges[0])]
        codes = np.where(finite, inner, len(labels))
        return codes.astype(np.intp), labels + ["(missing)"]
    codes, uniques = pd.factorize(x, sort=False)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    order = np.argsort(-counts, kind="stable")[:max_categories]
    remap = np.full(len(uniques), len(order), dtype=np.intp)
    remap[order] = np.arange(len(order))
    labels = [str(uniques[i]) for i in order] + ["(other)"]
    grouped = np.where(codes >= 0, remap[np.maximum(codes, 0)], len(labels))
    return grouped.astype(np.intp), labels + ["(missing)"]


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def _fmt_date(seconds: float) -> str:
    return pd.Timestamp(int(seconds), unit="s").strftime("%Y-%m-%d")
