"""The two passes of the streaming profile: what each batch contributes, and how contributions merge.

Pass 1 (:func:`first_pass`) summarizes a batch into :class:`FirstPass`: counts,
missing values, moments and quantile sketches of the numeric block, Pearson
pair sums, category counts, crosstabs, group sums for the correlation ratio,
datetime and text-length ranges, distinct-value sketches and row hashes.
Pass 2 (:func:`second_pass`) counts histograms on edges fixed from pass 1's
minimum and maximum, with the same bin rule as :func:`numpy.histogram`.

Both functions are module-level and take a picklable :class:`StreamPlan`, so
:func:`mltoolkit.stream.map_reduce` can run them on Dask workers.
"""
from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mltoolkit.eda.column_stats import as_float_array
from mltoolkit.eda.correlation import _SPARSE_GAPS_FROM, _pair_sums_dense, _pair_sums_sparse_gaps
from mltoolkit.eda.stream_stats import (
    Crosstab, DistinctSketch, KeyedTable, RowHashSet, SequenceHash, float_hashes, value_hashes,
)
from mltoolkit.stream import Moments, QuantileSketch

__all__ = ["StreamPlan", "FirstPass", "first_pass", "second_pass", "Histograms", "histogram_counts",
           "datetime_ns"]


@dataclasses.dataclass(frozen=True)
class StreamPlan:
    """Which columns get which statistics (fixed before the first batch is read)."""

    names: tuple[str, ...]
    numeric: tuple[str, ...]
    others: tuple[str, ...]               # every non-numeric column; distinct sketch order is numeric + others
    categorical: tuple[str, ...]          # categorical and boolean: value counts
    datetime: tuple[str, ...]
    text: tuple[str, ...]
    shift: tuple[float, ...]              # per numeric column: subtracted before pair sums
    pairs: tuple[tuple[str, str], ...]    # crosstabs (Cramér's V)
    groups: tuple[str, ...]               # categorical columns to group the numeric block by (η)
    distinct_limit: int
    datetime_limit: int                   # distinct timestamps kept per column (gaps)
    max_categories: int                   # category values tracked per column
    max_crosstab: int                     # cells of a crosstab or group table before it is dropped
    row_hash_limit: int


@dataclasses.dataclass
class FirstPass:
    """Merged statistics of pass 1 (see the module docstring)."""

    n_rows: int
    memory_bytes: int
    missing: np.ndarray                       # per column of ``plan.names``
    distinct: DistinctSketch                  # per column of ``plan.numeric + plan.others``
    rows: RowHashSet
    sequence: SequenceHash
    moments: Moments
    sketch: QuantileSketch
    pair_n: np.ndarray                        # pairwise-complete sums of the shifted numeric block
    pair_sx: np.ndarray
    pair_sxx: np.ndarray
    pair_sxy: np.ndarray
    counts: list[KeyedTable]                  # per categorical column
    truncated: np.ndarray                     # per categorical column: counts table was capped
    crosstabs: list[Crosstab | None]          # per pair; None once too large
    groups: list[KeyedTable | None]           # per group column: (k, 3, p) count, sum, sum of squares
    dt_min: np.ndarray                        # per datetime column, ns (int64 extremes when empty)
    dt_max: np.ndarray
    dt_values: DistinctSketch                 # exact distinct datetimes while few (gaps)
    text_n: np.ndarray                        # per text column: values, sum of lengths, words, min, max
    text_len: np.ndarray
    text_words: np.ndarray
    text_min: np.ndarray
    text_max: np.ndarray
    max_categories: int
    max_crosstab: int

    def merge(self, other: FirstPass) -> FirstPass:
        """Statistics of both batches together."""
        counts, truncated = [], self.truncated | other.truncated
        for i, (a, b) in enumerate(zip(self.counts, other.counts)):
            m = a.merge(b)
            if len(m.keys) > self.max_categories:
                m, truncated[i] = m.top(self.max_categories), True
            counts.append(m)
        return FirstPass(
            n_rows=self.n_rows + other.n_rows, memory_bytes=self.memory_bytes + other.memory_bytes,
            missing=self.missing + other.missing, distinct=self.distinct.merge(other.distinct),
            rows=self.rows.merge(other.rows), sequence=self.sequence.merge(other.sequence),
            moments=self.moments.merge(other.moments), sketch=self.sketch.merge(other.sketch),
            pair_n=self.pair_n + other.pair_n, pair_sx=self.pair_sx + other.pair_sx,
            pair_sxx=self.pair_sxx + other.pair_sxx, pair_sxy=self.pair_sxy + other.pair_sxy,
            counts=counts, truncated=truncated,
            crosstabs=[self._capped(a, b) for a, b in zip(self.crosstabs, other.crosstabs)],
            groups=[self._capped(a, b) for a, b in zip(self.groups, other.groups)],
            dt_min=np.minimum(self.dt_min, other.dt_min), dt_max=np.maximum(self.dt_max, other.dt_max),
            dt_values=self.dt_values.merge(other.dt_values),
            text_n=self.text_n + other.text_n, text_len=self.text_len + other.text_len,
            text_words=self.text_words + other.text_words, text_min=np.minimum(self.text_min, other.text_min),
            text_max=np.maximum(self.text_max, other.text_max), max_categories=self.max_categories,
            max_crosstab=self.max_crosstab,
        )

    def _capped(self, a: Any, b: Any) -> Any:
        if a is None or b is None:
            return None
        m = a.merge(b)
        return None if (m.size if isinstance(m, Crosstab) else m.values.size) > self.max_crosstab else m


def numeric_block(batch: pd.DataFrame, columns: tuple[str, ...]) -> np.ndarray:
    """The numeric columns as one float64 matrix (rows x columns), missing as NaN."""
    if not columns:
        return np.empty((len(batch), 0))
    frame = batch[list(columns)]
    if all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in frame.dtypes):
        X = frame.to_numpy(dtype=np.float64, na_value=np.nan)
        return X if X.flags.writeable else X.copy()  # Arrow-backed batches may hand out read-only views
    return np.column_stack([as_float_array(frame[c]) for c in columns])


def datetime_ns(s: pd.Series) -> np.ndarray:
    """Nanoseconds since the epoch of the parseable, non-missing values (UTC for aware ones)."""
    if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(s.dtype):
        parsed = s
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = pd.to_datetime(s, errors="coerce", format="mixed")
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed.dropna().to_numpy().astype("datetime64[ns]").astype(np.int64)


def _codes(s: pd.Series) -> tuple[np.ndarray, pd.Index]:
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return codes, pd.Index(np.asarray(uniques, dtype=object), dtype=object, tupleize_cols=False)


def _group_sums(codes: tuple[np.ndarray, pd.Index], present: np.ndarray, S0: np.ndarray) -> KeyedTable:
    c, uniques = codes
    ok = c >= 0
    G = sp.csr_matrix((np.ones(int(ok.sum())), (np.flatnonzero(ok), c[ok])), shape=(len(c), len(uniques)))
    out = np.stack([G.T @ present.astype(np.float64), G.T @ S0, G.T @ (S0 * S0)], axis=1)
    return KeyedTable(uniques, np.asarray(out))


def _pair_sums(S: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pairwise-complete sums of the shifted block ``S`` (NaN = missing): counts, sums, sums of squares, products."""
    present = ~np.isnan(S)
    p = S.shape[1]
    if present.all():
        n = np.full((p, p), float(S.shape[0]))
        sx = np.repeat(S.sum(axis=0)[:, None], p, axis=1)
        sxx = np.repeat((S * S).sum(axis=0)[:, None], p, axis=1)
        return n, sx, sxx, S.T @ S
    S0 = np.ascontiguousarray(np.where(present, S, 0.0))
    if present.sum() >= _SPARSE_GAPS_FROM * present.size:  # few gaps: one dense product, sparse corrections
        return _pair_sums_sparse_gaps(S0, present)
    return _pair_sums_dense(S0, present)


def first_pass(plan: StreamPlan, batch: pd.DataFrame) -> FirstPass:
    """Pass-1 statistics of one batch."""
    batch = batch[list(plan.names)]
    n = len(batch)
    row_hashes = pd.util.hash_pandas_object(batch, index=False).to_numpy()
    X = numeric_block(batch, plan.numeric)
    moments = Moments.of(X)
    # Distinct numeric values: one sort per column (NaN last; ±inf count as values, as in memory),
    # then hashes of the distinct values only.
    Xs = np.sort(X, axis=0)
    n_valid = (~np.isnan(Xs)).sum(axis=0)
    hashes = []
    for j, k in enumerate(n_valid):
        col = Xs[:k, j]
        keep = np.empty(k, dtype=bool)
        if k:
            keep[0] = True
            np.not_equal(col[1:], col[:-1], out=keep[1:])
        hashes.append(float_hashes(col[keep]))
    del Xs
    X[~np.isfinite(X)] = np.nan
    sketch = QuantileSketch.of(X)
    codes = {c: _codes(batch[c]) for c in dict.fromkeys(plan.categorical + plan.groups
                                                         + tuple(x for p in plan.pairs for x in p))}
    hashed = {c: value_hashes(codes[c][1]) for c in dict.fromkeys(x for p in plan.pairs for x in p)}
    for c in plan.others:
        hashes.append(pd.util.hash_pandas_object(batch[c].dropna(), index=False).to_numpy())
    S = X - np.asarray(plan.shift)
    present = ~np.isnan(S)
    S0 = np.where(present, S, 0.0)
    pair_n, pair_sx, pair_sxx, pair_sxy = _pair_sums(S)
    counts = []
    for c in plan.categorical:
        cc, uniques = codes[c]
        counts.append(KeyedTable(uniques, np.bincount(cc[cc >= 0], minlength=len(uniques)).astype(np.float64)))
    truncated = np.zeros(len(plan.categorical), dtype=bool)
    for i, t in enumerate(counts):
        if len(t.keys) > plan.max_categories:
            counts[i], truncated[i] = t.top(plan.max_categories), True
    dts = [datetime_ns(batch[c]) for c in plan.datetime]
    big, small = np.iinfo(np.int64).max, np.iinfo(np.int64).min
    texts = [batch[c].dropna().astype(str) for c in plan.text]
    lengths = [t.str.len().to_numpy(dtype=np.float64) for t in texts]
    return FirstPass(
        n_rows=n, memory_bytes=int(batch.memory_usage(deep=True, index=False).sum()),
        missing=batch.isna().sum().to_numpy(dtype=np.int64),
        distinct=DistinctSketch.of(hashes, plan.distinct_limit),
        rows=RowHashSet.of(row_hashes, plan.row_hash_limit), sequence=SequenceHash.of(row_hashes),
        moments=moments, sketch=sketch, pair_n=pair_n, pair_sx=pair_sx, pair_sxx=pair_sxx, pair_sxy=pair_sxy,
        counts=counts, truncated=truncated,
        crosstabs=[Crosstab.of(codes[a][0], hashed[a], codes[b][0], hashed[b]) for a, b in plan.pairs],
        groups=[_group_sums(codes[g], present, S0) for g in plan.groups],
        dt_min=np.array([d.min() if d.size else big for d in dts], dtype=np.int64),
        dt_max=np.array([d.max() if d.size else small for d in dts], dtype=np.int64),
        dt_values=DistinctSketch.of(dts, plan.datetime_limit),
        text_n=np.array([len(t) for t in texts], dtype=np.float64),
        text_len=np.array([v.sum() for v in lengths], dtype=np.float64),
        text_words=np.array([t.str.count(r"\S+").sum() for t in texts], dtype=np.float64),
        text_min=np.array([v.min() if v.size else np.inf for v in lengths]),
        text_max=np.array([v.max() if v.size else -np.inf for v in lengths]),
        max_categories=plan.max_categories, max_crosstab=plan.max_crosstab,
    )


@dataclasses.dataclass(frozen=True)
class HistogramPlan:
    """Histogram edges fixed after pass 1: one row of ``bins + 1`` edges per column (NaN = no values)."""

    numeric: tuple[str, ...]
    datetime: tuple[str, ...]
    text: tuple[str, ...]
    edges: np.ndarray


@dataclasses.dataclass
class Histograms:
    """Pass-2 counts, one row of ``bins`` per column of the histogram plan."""

    counts: np.ndarray

    def merge(self, other: Histograms) -> Histograms:
        return Histograms(self.counts + other.counts)


def histogram_counts(X: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts per bin of each column of ``X`` (NaN ignored) on its row of ``edges``, as :func:`numpy.histogram`.

    All columns at once: the bin index is computed for the whole block, then
    corrected against the edges as numpy does (bins closed on the left, the
    last one on both sides), then counted with one ``bincount`` over
    ``column * bins + bin``.
    """
    p, bins = X.shape[1], edges.shape[1] - 1
    lo, hi = edges[:, 0], edges[:, -1]
    with np.errstate(invalid="ignore", divide="ignore"):
        f = (X - lo) / (hi - lo) * bins
        ok = np.isfinite(f) & (X >= lo) & (X <= hi)
    rows, cols = np.nonzero(ok)
    x = X[rows, cols]
    idx = f[rows, cols].astype(np.intp)
    np.clip(idx, 0, bins - 1, out=idx)
    idx[x < edges[cols, idx]] -= 1
    idx[(x >= edges[cols, idx + 1]) & (idx != bins - 1)] += 1
    return np.bincount(cols * bins + idx, minlength=p * bins).reshape(p, bins)


def second_pass(plan: HistogramPlan, batch: pd.DataFrame) -> Histograms:
    """Pass-2 histogram counts of one batch."""
    blocks = [numeric_block(batch, plan.numeric)]
    n = len(batch)
    for c in plan.datetime:
        col = np.full(n, np.nan)
        ns = datetime_ns(batch[c])
        col[: ns.size] = ns / 1e9  # positions do not matter to a histogram
        blocks.append(col[:, None])
    for c in plan.text:
        s = batch[c]
        col = np.full(n, np.nan)
        notna = s.notna().to_numpy()
        col[notna] = s[notna].astype(str).str.len().to_numpy(dtype=np.float64)
        blocks.append(col[:, None])
    X = np.concatenate(blocks, axis=1)
    X[~np.isfinite(X)] = np.nan
    return Histograms(histogram_counts(X, plan.edges))
