"""Per-column statistics by kind, each computed in one vectorized pass over the column."""
from __future__ import annotations

import numpy as np
import pandas as pd

from mltoolkit.eda.result import (
    CategoricalStats,
    CategoryCount,
    ColumnProfile,
    DatetimeStats,
    Histogram,
    NumericStats,
    TextStats,
)

__all__ = ["profile_column", "numeric_stats", "categorical_stats", "as_float_array", "float_block",
           "is_plain_numeric"]

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
_SECONDS_PER_DAY = 86400.0


def _float_values(s: pd.Series) -> np.ndarray:
    """Column as float64 with missing values as NaN, possibly a read-only view of pandas' own buffer."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("float64").to_numpy()
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s.to_numpy(dtype="float64", na_value=np.nan)
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def as_float_array(s: pd.Series) -> np.ndarray:
    """Column as float64 with missing values as NaN (booleans as 0/1, text coerced)."""
    arr = _float_values(s)
    # pandas may hand out a read-only view of its own buffer; callers mask in place.
    return arr if arr.flags.writeable else arr.copy()


def is_plain_numeric(dtype: object) -> bool:
    """Numbers stored as numbers (not booleans, not text): what :func:`mltoolkit.eda.numeric_block.profile_numeric_block` handles."""
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def float_block(data: pd.DataFrame, names: list[str]) -> np.ndarray:
    """Columns ``names`` as one float64 matrix in column-major order (each column contiguous), missing as NaN."""
    out = np.empty((len(data), len(names)), dtype=np.float64, order="F")
    for j, name in enumerate(names):
        out[:, j] = _float_values(data[name])  # copied into the block: a view of pandas' buffer will do
    return out


def _histogram(values: np.ndarray, bins: int) -> Histogram:
    if values.size == 0:
        return Histogram((), ())
    lo, hi = float(values.min()), float(values.max())
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    counts, edges = np.histogram(values, bins=bins, range=(lo, hi))
    return Histogram(tuple(float(e) for e in edges), tuple(int(c) for c in counts))


#: Values per chunk of the moment sums: the deviations' temporaries stay in cache.
_MOMENT_CHUNK = 1 << 16


def _moments(values: np.ndarray) -> tuple[float, float | None, float | None, float | None]:
    """Mean, sample std, and bias-corrected skewness and excess kurtosis of non-empty finite values."""
    n = values.size
    mean = float(values.mean())
    s2 = s3 = s4 = 0.0
    for start in range(0, n, _MOMENT_CHUNK):
        dev = values[start:start + _MOMENT_CHUNK] - mean
        dev2 = dev * dev  # sums, not BLAS dots: no thread hand-off per chunk when BLAS runs threaded
        s2 += float(dev2.sum())
        s3 += float(np.multiply(dev2, dev, out=dev).sum())
        s4 += float(np.multiply(dev2, dev2, out=dev2).sum())
    m2 = s2 / n
    std = float(np.sqrt(m2 * n / (n - 1))) if n > 1 else None
    skew = kurt = None
    if n > 2 and m2 > 0:
        m3 = s3 / n
        skew = m3 / m2**1.5 * np.sqrt(n * (n - 1)) / (n - 2)
        if n > 3:
            g2 = s4 / n / m2**2 - 3.0
            kurt = ((n + 1) * g2 + 6.0) * (n - 1) / ((n - 2) * (n - 3))
    return mean, std, skew, kurt


def _sorted_quantiles(values: np.ndarray, q: tuple[float, ...]) -> np.ndarray:
    """``numpy.quantile(values, q)`` (its default linear method) of non-empty values already sorted.

    The same arithmetic as numpy's, read straight off the sorted values
    instead of partitioning a copy of them.
    """
    n = values.size
    virtual = (n - 1) * np.asarray(q, dtype=np.float64)
    below = np.floor(virtual)
    above = below + 1
    below[virtual >= n - 1] = -1
    above[virtual >= n - 1] = -1
    below, above = below.astype(np.intp), above.astype(np.intp)
    a, b = values[below], values[above]
    gamma = virtual - below
    diff = b - a
    out = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=out, where=gamma >= 0.5)
    return out


def numeric_stats(arr: np.ndarray, bins: int = 30) -> NumericStats:
    """Moments, quantiles, counts and histogram of the finite values of ``arr``.

    Skewness and kurtosis are the bias-corrected sample estimates (as pandas'
    ``Series.skew``/``Series.kurt`` and ``scipy.stats.skew/kurtosis(bias=False)``);
    kurtosis is excess kurtosis (0 for a normal distribution).
    """
    finite_mask = np.isfinite(arr)
    n_inf = int(np.isinf(arr).sum())
    values = arr[finite_mask]
    n = values.size
    if n == 0:
        return NumericStats(None, None, None, None, {f"{int(q * 100)}%": None for q in QUANTILES},
                            0, 0, n_inf, None, None, Histogram((), ()))
    mean, std, skew, kurt = _moments(values)
    quantiles = np.quantile(values, QUANTILES)
    return NumericStats(
        mean=mean, std=std, min=float(values.min()), max=float(values.max()),
        quantiles={f"{int(q * 100)}%": float(v) for q, v in zip(QUANTILES, quantiles)},
        n_zeros=int(np.count_nonzero(values == 0)), n_negative=int(np.count_nonzero(values < 0)),
        n_infinite=n_inf, skewness=None if skew is None else float(skew),
        kurtosis=None if kurt is None else float(kurt), histogram=_histogram(values, bins),
    )


def _sorted_stats(values: np.ndarray, n_inf: int, bins: int) -> NumericStats:
    """:func:`numeric_stats` of finite values already sorted: histogram by binary search of the edges."""
    n = values.size
    if n == 0:
        return NumericStats(None, None, None, None, {f"{int(q * 100)}%": None for q in QUANTILES},
                            0, 0, n_inf, None, None, Histogram((), ()))
    mean, std, skew, kurt = _moments(values)
    lo, hi = float(values[0]), float(values[-1])
    zero_lo, zero_hi = np.searchsorted(values, 0.0, side="left"), np.searchsorted(values, 0.0, side="right")
    return NumericStats(
        mean=mean, std=std, min=lo, max=hi,
        quantiles={f"{int(q * 100)}%": float(v) for q, v in zip(QUANTILES, _sorted_quantiles(values, QUANTILES))},
        n_zeros=int(zero_hi - zero_lo), n_negative=int(zero_lo), n_infinite=n_inf,
        skewness=None if skew is None else float(skew), kurtosis=None if kurt is None else float(kurt),
        histogram=_sorted_histogram(values, bins),
    )


def _sorted_histogram(values: np.ndarray, bins: int) -> Histogram:
    """:func:`_histogram` of non-empty values already sorted, by binary search of the edges (the same counts:
    numpy's bins are half-open on the same edges, the last one closed)."""
    lo, hi = float(values[0]), float(values[-1])
    e_lo, e_hi = (lo - 0.5, hi + 0.5) if lo == hi else (lo, hi)
    edges = np.linspace(e_lo, e_hi, bins + 1)  # as numpy.histogram(range=...) builds them
    pos = np.searchsorted(values, edges, side="left")
    pos[-1] = values.size  # the last bin is closed on the right
    return Histogram(tuple(float(e) for e in edges), tuple(int(c) for c in np.diff(pos)))


def categorical_stats(codes: np.ndarray, uniques: pd.Index | np.ndarray, top: int = 20) -> CategoricalStats:
    """Frequencies from ``pandas.factorize`` output (code -1 = missing)."""
    present = codes[codes >= 0] if codes.size and codes.min() < 0 else codes
    counts = np.bincount(present, minlength=len(uniques))
    total = int(present.size)
    k = min(top, len(counts))
    if k:
        idx = np.argpartition(-counts, k - 1)[:k] if len(counts) > k else np.arange(len(counts))
        idx = idx[np.lexsort((idx, -counts[idx]))]
    else:
        idx = np.array([], dtype=int)
    top_counts = tuple(CategoryCount(str(uniques[i]), int(counts[i]), float(counts[i] / total) if total else 0.0)
                       for i in idx)
    return CategoricalStats(
        cardinality=int(np.count_nonzero(counts)), top=top_counts,
        other_count=int(total - sum(c.count for c in top_counts)),
        mode=top_counts[0].value if top_counts else None,
    )


def _datetime_stats(s: pd.Series, bins: int) -> DatetimeStats:
    if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(s.dtype):
        parsed = s
    else:
        parsed = pd.to_datetime(s, errors="coerce", format="mixed")
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    valid = parsed.dropna()
    if valid.empty:
        return DatetimeStats(None, None, None, None, None, Histogram((), ()))
    seconds = valid.to_numpy().astype("datetime64[ns]").astype(np.int64) / 1e9
    distinct = np.unique(seconds)
    gaps = np.diff(distinct) / _SECONDS_PER_DAY
    return DatetimeStats(
        min=valid.min().isoformat(), max=valid.max().isoformat(),
        range_days=float((distinct[-1] - distinct[0]) / _SECONDS_PER_DAY),
        largest_gap_days=float(gaps.max()) if gaps.size else None,
        median_gap_days=float(np.median(gaps)) if gaps.size else None,
        histogram=_histogram(seconds, bins),
    )


def _datetime_profile(s: pd.Series, bins: int) -> tuple[int, int, DatetimeStats]:
    """Missing count, distinct count and statistics of a datetime64 column from one sort of its integers.

    The same numbers as :func:`pandas.factorize` (distinct and missing) and
    :func:`_datetime_stats` give, without a hash table: NaT is the smallest
    integer, so it sorts first, and the distinct seconds are the changes along
    the sorted values.
    """
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    values = np.sort(s.to_numpy().view(np.int64))
    n_missing = int(np.searchsorted(values, np.iinfo(np.int64).min, side="right"))
    valid = values[n_missing:]
    if valid.size == 0:
        return n_missing, 0, DatetimeStats(None, None, None, None, None, Histogram((), ()))
    n_distinct = int(np.count_nonzero(valid[1:] != valid[:-1])) + 1
    unit = np.datetime_data(s.dtype)[0]
    first, last = (pd.Timestamp(v.view(f"datetime64[{unit}]")).isoformat() for v in (valid[0], valid[-1]))
    # Temporaries released as soon as done with: a million dates would otherwise hold several copies at once.
    nanos = valid if unit == "ns" else valid.view(f"datetime64[{unit}]").astype("datetime64[ns]").view(np.int64)
    seconds = nanos / 1e9
    del nanos, values, valid
    change = np.empty(seconds.size, dtype=bool)
    change[0] = True
    np.not_equal(seconds[1:], seconds[:-1], out=change[1:])
    distinct = seconds[change]
    del change
    range_days = float((distinct[-1] - distinct[0]) / _SECONDS_PER_DAY)
    gaps = np.diff(distinct)
    del distinct
    np.divide(gaps, _SECONDS_PER_DAY, out=gaps)
    largest = float(gaps.max()) if gaps.size else None
    median = float(np.median(gaps, overwrite_input=True)) if gaps.size else None
    del gaps
    return n_missing, n_distinct, DatetimeStats(
        min=first, max=last, range_days=range_days, largest_gap_days=largest, median_gap_days=median,
        histogram=_sorted_histogram(seconds, bins),
    )


def _text_stats(s: pd.Series, bins: int) -> TextStats:
    text = s.dropna().astype(str)
    if text.empty:
        return TextStats(None, None, None, None, Histogram((), ()))
    lengths = text.str.len().to_numpy(dtype=float)
    words = text.str.count(r"\S+").to_numpy(dtype=float)
    return TextStats(float(lengths.mean()), int(lengths.min()), int(lengths.max()), float(words.mean()),
                     _histogram(lengths, bins))


def profile_column(s: pd.Series, kind: str, *, mixed_types: bool = False, bins: int = 30, top: int = 20,
                   codes: tuple[np.ndarray, pd.Index] | None = None) -> ColumnProfile:
    """Statistics of one column of the given kind.

    ``codes`` (from :func:`pandas.factorize`) may be passed when the caller
    already factorized the column, so it is hashed only once.
    """
    n = len(s)
    if kind == "datetime" and codes is None and pd.api.types.is_datetime64_any_dtype(s.dtype):
        n_missing, n_distinct, stats = _datetime_profile(s, bins)
        count = n - n_missing
        return ColumnProfile(
            name=str(s.name), kind=kind, dtype=str(s.dtype), count=count, n_missing=n_missing,
            missing_share=n_missing / n if n else 0.0, n_distinct=n_distinct,
            distinct_share=n_distinct / count if count else 0.0, mixed_types=mixed_types, datetime=stats,
        )
    if codes is None:
        codes = pd.factorize(s, use_na_sentinel=True)
    code_arr, uniques = codes
    n_missing = int(np.count_nonzero(code_arr < 0))
    count = n - n_missing
    n_distinct = len(uniques)
    block: dict[str, object] = {}
    if kind == "numeric":
        block["numeric"] = numeric_stats(as_float_array(s), bins)
    elif kind in ("categorical", "boolean"):
        block["categorical"] = categorical_stats(code_arr, uniques, top)
    elif kind == "datetime":
        block["datetime"] = _datetime_stats(s, bins)
    elif kind == "text":
        block["text"] = _text_stats(s, bins)
    return ColumnProfile(
        name=str(s.name), kind=kind, dtype=str(s.dtype), count=count, n_missing=n_missing,
        missing_share=n_missing / n if n else 0.0, n_distinct=n_distinct,
        distinct_share=n_distinct / count if count else 0.0, mixed_types=mixed_types, **block,
    )
