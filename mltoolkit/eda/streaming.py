"""``profile_stream``: the profile of data larger than memory, from merged per-batch statistics.

The data is read in batches (Parquet record batches, DataFrame slices or Dask
partitions, see :func:`mltoolkit.stream.map_reduce`) twice: pass 1 collects
mergeable statistics, pass 2 counts histograms on edges fixed from pass 1's
minimum and maximum. Peak memory follows the batch size (plus per-column
summaries), not the number of rows.

What differs from :func:`mltoolkit.eda.profile` on the same data in memory:

- Counts, missing values, category counts, minimum, maximum, zeros, negatives,
  infinities and histograms are identical; mean, standard deviation, skewness
  and kurtosis equal up to floating-point rounding; Pearson correlations,
  Cramér's V and correlation ratios are computed from merged sums and equal up
  to rounding.
- Quantiles come from :class:`mltoolkit.stream.QuantileSketch` and are within
  its documented rank error (exact while a column has at most ``SKETCH_SIZE``
  values).
- Distinct counts are exact up to ``distinct_limit`` distinct values per
  column (categorical columns: up to ``max_categories``); beyond, a KMV
  estimate (relative standard error about ``1 / sqrt(distinct_limit)``), named
  in ``ProfileResult.notes``.
- Spearman correlation needs global ranks and is left out (said in
  ``Correlations.notes``). Datetime gaps are computed while a column has at
  most ``distinct_limit`` distinct timestamps.
- Duplicate rows are counted exactly from 64-bit row hashes up to
  ``row_hash_limit`` distinct rows; beyond, ``n_duplicate_rows`` is ``None``.
- The schema is inferred from the first 10,000 rows.
- The fingerprint's content hash is an order-sensitive hash of the row hashes
  that does not depend on the batch size or the source kind, but differs from
  the in-memory fingerprint of the same rows (its schema hash is the same).
"""
from __future__ import annotations

import functools
import hashlib
import json
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from mltoolkit.data.fingerprint import DatasetFingerprint
from mltoolkit.data.schema import Schema, check_unique_columns, infer_schema
from mltoolkit.eda.alert_rules import find_alerts
from mltoolkit.eda.column_stats import QUANTILES
from mltoolkit.eda.profiling import MAX_CRAMERS_CATEGORIES
from mltoolkit.eda.result import (
    CategoricalStats, CategoryCount, ColumnProfile, DatetimeStats, Histogram, NumericStats, Overview, ProfileResult,
    TextStats,
)
from mltoolkit.eda.target_analysis import check_target_present
from mltoolkit.eda.stream_assoc import _category_order, _names, correlations_from_sums, target_from_sums
from mltoolkit.eda.stream_pass import (
    FirstPass, HistogramPlan, Histograms, StreamPlan, first_pass, numeric_block, second_pass,
)
from mltoolkit.eda.stream_stats import DISTINCT_LIMIT, ROW_HASH_LIMIT, KeyedTable
from mltoolkit.errors import ConfigError, DataError
from mltoolkit.stream import first_rows, is_dask, is_streamable, map_reduce

__all__ = ["profile_stream", "MAX_TRACKED_CATEGORIES", "SCHEMA_ROWS", "BATCH_CELLS"]

#: Category values counted per categorical column; beyond, only the most frequent are kept.
MAX_TRACKED_CATEGORIES = 100_000
#: Distinct timestamps kept per datetime column to compute gaps (8 bytes each).
DATETIME_VALUES_LIMIT = 1_000_000
#: Cells per batch by default: the per-batch statistics hold several temporary copies of the
#: numeric block (moments, sketch, sort, pair sums), so batches are smaller than for plain reading.
BATCH_CELLS = 2_000_000
#: Rows read to infer the schema.
SCHEMA_ROWS = 10_000
_MAX_CLASSES = 20  # as mltoolkit.eda.target_analysis
_SECONDS_PER_DAY = 86400.0
_KINDS = ("numeric", "categorical", "boolean", "datetime", "text", "identifier")
#: Cells of one crosstab or group-sum table kept; a larger one is dropped (and said so in the notes).
MAX_TABLE_CELLS = 5_000_000


def profile_stream(
    source: Any,
    target: str | None = None,
    *,
    schema: Schema | None = None,
    schema_overrides: Mapping[str, str] | None = None,
    bins: int = 30,
    top_categories: int = 20,
    matrix_limit: int = 50,
    correlation_threshold: float = 0.9,
    progress: bool = False,
    batch_rows: int | None = None,
    distinct_limit: int = DISTINCT_LIMIT,
    max_categories: int = MAX_TRACKED_CATEGORIES,
    row_hash_limit: int = ROW_HASH_LIMIT,
) -> ProfileResult:
    """Profile data read in batches: a Parquet file or directory, a pyarrow dataset, a Dask or pandas DataFrame.

    Parameters
    ----------
    source : path, pyarrow.dataset.Dataset, dask.dataframe.DataFrame or pandas.DataFrame
        The data. Parquet files of a directory must share one schema. A Dask
        DataFrame is reduced on its cluster (only the statistics travel).
    target, schema, schema_overrides, bins, top_categories, matrix_limit, correlation_threshold
        As in :func:`mltoolkit.eda.profile`. The schema is inferred from the
        first :data:`SCHEMA_ROWS` rows.
    progress : bool, default False
        Progress bars over the batches of each pass.
    batch_rows : int, optional
        Rows per batch (default: about :data:`BATCH_CELLS` cells per batch);
        peak memory grows with it, not with the number of rows.
    distinct_limit : int, default 4096
        Distinct values per column counted exactly; beyond, an estimate.
    max_categories : int, default 100,000
        Category values counted per categorical column; beyond, only the most
        frequent are kept (their counts then are lower bounds).
    row_hash_limit : int, default 20,000,000
        Distinct rows remembered (8 bytes each) to count exact duplicates;
        beyond, duplicates are not counted (``n_duplicate_rows`` is ``None``).

    Returns
    -------
    ProfileResult
        ``notes`` says what was estimated or left out.

    Raises
    ------
    DataError
        The source does not exist, is unreadable or has no rows; a Dask cluster lost its workers.
    SchemaError
        Parquet files disagree on the schema (the message names the file), or column names repeat.
    ConfigError
        ``target`` is not a column, or an argument is out of range.

    Examples
    --------
    >>> from mltoolkit.data import make_trial_conversion
    >>> df = make_trial_conversion(2000)
    >>> result = profile_stream(df, target="converted", batch_rows=500)
    >>> result.overview.n_rows, result.column("converted").n_missing
    (2000, 0)
    """
    t0 = time.perf_counter()
    head = _head(source)
    check_unique_columns(head)
    if head.shape[1] == 0 or len(head) == 0:
        raise DataError(f"the data is empty ({len(head)} rows x {head.shape[1]} columns); nothing to profile",
                        parameter="data")
    if not all(isinstance(c, str) for c in head.columns):
        raise ConfigError("streamed data needs string column names; rename the columns first", parameter="data")
    if target is not None and target not in head.columns:
        raise ConfigError(f"target column {target!r} is not in the data; columns are: "
                          f"{', '.join(map(str, head.columns[:30]))}{' ...' if head.shape[1] > 30 else ''}",
                          column=target, parameter="target")
    if not 0 < correlation_threshold <= 1:
        raise ConfigError(f"correlation_threshold must be in (0, 1], got {correlation_threshold}",
                          parameter="correlation_threshold")
    for name, value in (("bins", bins), ("distinct_limit", distinct_limit), ("max_categories", max_categories),
                        ("row_hash_limit", row_hash_limit)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ConfigError(f"{name} must be a positive integer, got {value!r}", parameter=name)
    schema = schema or infer_schema(head, schema_overrides)
    kinds = {c.name: c.kind for c in schema.columns}
    plan = _plan(head, kinds, target, matrix_limit, distinct_limit, max_categories, row_hash_limit)

    batch_rows = batch_rows or max(1_000, BATCH_CELLS // len(plan.names))
    stats: FirstPass = map_reduce(source, functools.partial(first_pass, plan), FirstPass.merge,
                                  batch_rows=batch_rows, progress=progress, desc="profiling, pass 1 of 2")
    hist_plan = _histogram_plan(plan, stats, bins)
    hist_cols = hist_plan.numeric + hist_plan.datetime + hist_plan.text
    hists = np.zeros((0, bins), dtype=np.int64)
    if hist_cols:
        hists = map_reduce(source, functools.partial(second_pass, hist_plan), Histograms.merge,
                           columns=list(hist_cols), batch_rows=batch_rows, progress=progress,
                           desc="profiling, pass 2 of 2 (histograms)").counts
    notes: list[str] = []
    columns = _columns(head, schema, plan, stats, hist_plan, hists, top_categories, notes)
    if target is not None:
        check_target_present(target, next(c.count for c in columns if c.name == target), stats.n_rows)
    overview = _overview(stats, columns, kinds, row_hash_limit, notes)
    correlations = correlations_from_sums(plan, stats, columns, kinds, matrix_limit)
    target_result = (target_from_sums(plan, stats, columns, kinds, target, head[target].dtype, notes)
                     if target is not None else None)
    alerts = find_alerts(overview, columns, correlations.top_pairs, target_result, correlation_threshold)
    return ProfileResult(
        overview=overview, columns=columns, correlations=correlations, target=target_result, alerts=alerts,
        sampled_rows=None, elapsed_seconds=time.perf_counter() - t0,
        fingerprint=_fingerprint(stats, schema, plan), notes=tuple(notes),
    )


def _head(source: Any) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source.head(SCHEMA_ROWS)
    if is_dask(source):
        return source.head(SCHEMA_ROWS, npartitions=-1, compute=True)
    if is_streamable(source):
        return first_rows(source, SCHEMA_ROWS)
    raise ConfigError(f"cannot profile a {type(source).__name__}: pass a pandas DataFrame, a Parquet file or "
                      "directory, a pyarrow dataset or a Dask DataFrame", parameter="data")


def _nunique(head: pd.DataFrame, name: str) -> int:
    return int(head[name].nunique(dropna=True))


def _is_class_candidate(head: pd.DataFrame, kinds: dict[str, str], name: str) -> bool:
    kind = kinds[name]
    return kind in ("categorical", "boolean") or (
        kind == "numeric" and pd.api.types.is_integer_dtype(head[name].dtype) and _nunique(head, name) <= _MAX_CLASSES)


def _plan(head: pd.DataFrame, kinds: dict[str, str], target: str | None, matrix_limit: int, distinct_limit: int,
          max_categories: int, row_hash_limit: int) -> StreamPlan:
    names = tuple(head.columns)
    numeric = tuple(c for c in names if kinds[c] == "numeric")
    categorical = tuple(c for c in names if kinds[c] in ("categorical", "boolean"))
    class_target = target is not None and _is_class_candidate(head, kinds, target)
    counted = categorical + ((target,) if class_target and target not in categorical else ())
    # Columns for Cramér's V and the correlation ratio, chosen as the in-memory profile does,
    # with the first rows standing in for the cardinality (checked again on all rows at the end).
    assoc = [c for c in categorical if 1 < _nunique(head, c) <= MAX_CRAMERS_CATEGORIES][:matrix_limit]
    pairs = [(a, b) for i, a in enumerate(assoc) for b in assoc[i + 1:]]
    groups = list(assoc)
    if target is not None:
        features = [c for c in categorical if c != target]
        if class_target:
            pairs += [(c, target) for c in features if (c, target) not in pairs and (target, c) not in pairs]
            groups += [target] if target not in groups else []
        elif kinds[target] == "numeric":
            groups += [c for c in features if c not in groups and _nunique(head, c) <= MAX_CRAMERS_CATEGORIES]
    shift = tuple(float(v) if np.isfinite(v) else 0.0 for v in _head_means(head, numeric))
    return StreamPlan(names=names, numeric=numeric, others=tuple(c for c in names if c not in numeric),
                      categorical=counted, datetime=tuple(c for c in names if kinds[c] == "datetime"),
                      text=tuple(c for c in names if kinds[c] == "text"), shift=shift, pairs=tuple(pairs),
                      groups=tuple(groups), distinct_limit=distinct_limit,
                      datetime_limit=max(distinct_limit, DATETIME_VALUES_LIMIT), max_categories=max_categories,
                      max_crosstab=MAX_TABLE_CELLS, row_hash_limit=row_hash_limit)


def _head_means(head: pd.DataFrame, numeric: tuple[str, ...]) -> np.ndarray:
    """Means of the first rows: subtracted from every batch before the pair sums, to keep them small."""
    X = numeric_block(head, numeric)
    finite = np.isfinite(X)
    n = finite.sum(axis=0)
    return np.where(n > 0, np.where(finite, X, 0.0).sum(axis=0) / np.maximum(n, 1), 0.0)


def _edges(lo: float, hi: float, bins: int) -> np.ndarray:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return np.full(bins + 1, np.nan)
    if lo == hi:  # as the in-memory histogram of a constant column
        lo, hi = lo - 0.5, hi + 0.5
    return np.linspace(lo, hi, bins + 1)


def _histogram_plan(plan: StreamPlan, stats: FirstPass, bins: int) -> HistogramPlan:
    m = stats.moments
    lo = list(np.where(m.n > 0, m.min, np.nan))
    hi = list(np.where(m.n > 0, m.max, np.nan))
    has_dt = stats.dt_min <= stats.dt_max
    lo += list(np.where(has_dt, stats.dt_min / 1e9, np.nan))
    hi += list(np.where(has_dt, stats.dt_max / 1e9, np.nan))
    lo += list(np.where(stats.text_n > 0, stats.text_min, np.nan))
    hi += list(np.where(stats.text_n > 0, stats.text_max, np.nan))
    edges = np.array([_edges(a, b, bins) for a, b in zip(lo, hi)]).reshape(len(lo), bins + 1)
    return HistogramPlan(plan.numeric, plan.datetime, plan.text, edges)


def _histogram(edges: np.ndarray, counts: np.ndarray) -> Histogram:
    if not np.isfinite(edges[0]) or counts.sum() == 0:
        return Histogram((), ())
    return Histogram(tuple(float(e) for e in edges), tuple(int(c) for c in counts))


def _none(v: float) -> float | None:
    return float(v) if np.isfinite(v) else None


def _numeric_stats(stats: FirstPass, j: int, hist: Histogram, shape: tuple[np.ndarray, ...]) -> NumericStats:
    m = stats.moments
    std, skewness, kurtosis = shape
    n_inf = int(m.n_infinite[j])
    if m.n[j] == 0:
        return NumericStats(None, None, None, None, {f"{int(q * 100)}%": None for q in QUANTILES},
                            0, 0, n_inf, None, None, Histogram((), ()))
    lo, hi = float(m.min[j]), float(m.max[j])
    q = stats.sketch.quantiles(np.asarray(QUANTILES), j, lo, hi)
    return NumericStats(
        mean=float(m.mean[j]), std=_none(std[j]), min=lo, max=hi,
        quantiles={f"{int(p * 100)}%": float(v) for p, v in zip(QUANTILES, q)},
        n_zeros=int(m.n_zero[j]), n_negative=int(m.n_negative[j]), n_infinite=n_inf,
        skewness=_none(skewness[j]), kurtosis=_none(kurtosis[j]), histogram=hist,
    )


def _categorical_stats(table: KeyedTable, count: int, n_distinct: int, top: int) -> CategoricalStats:
    idx = _category_order(table)[:top]
    top_counts = tuple(CategoryCount(str(table.keys[i]), int(table.values[i]),
                                     float(table.values[i] / count) if count else 0.0) for i in idx)
    return CategoricalStats(cardinality=n_distinct, top=top_counts,
                            other_count=int(count - sum(c.count for c in top_counts)),
                            mode=top_counts[0].value if top_counts else None)


def _datetime_stats(stats: FirstPass, k: int, hist: Histogram) -> DatetimeStats:
    if stats.dt_min[k] > stats.dt_max[k]:
        return DatetimeStats(None, None, None, None, None, Histogram((), ()))
    largest = median = None
    if stats.dt_values.exact[k]:
        distinct = np.unique(stats.dt_values.hashes[k] / 1e9)
        gaps = np.diff(distinct) / _SECONDS_PER_DAY
        if gaps.size:
            largest, median = float(gaps.max()), float(np.median(gaps))
    lo, hi = stats.dt_min[k] / 1e9, stats.dt_max[k] / 1e9
    return DatetimeStats(min=pd.Timestamp(int(stats.dt_min[k])).isoformat(),
                         max=pd.Timestamp(int(stats.dt_max[k])).isoformat(),
                         range_days=float((hi - lo) / _SECONDS_PER_DAY), largest_gap_days=largest,
                         median_gap_days=median, histogram=hist)


def _text_stats(stats: FirstPass, k: int, hist: Histogram) -> TextStats:
    n = stats.text_n[k]
    if n == 0:
        return TextStats(None, None, None, None, Histogram((), ()))
    return TextStats(float(stats.text_len[k] / n), int(stats.text_min[k]), int(stats.text_max[k]),
                     float(stats.text_words[k] / n), hist)


def _columns(head: pd.DataFrame, schema: Schema, plan: StreamPlan, stats: FirstPass, hist_plan: HistogramPlan,
             hists: np.ndarray, top: int, notes: list[str]) -> tuple[ColumnProfile, ...]:
    distinct, exact = stats.distinct.counts()
    order = plan.numeric + plan.others
    where = {c: i for i, c in enumerate(order)}
    hist_index = {c: i for i, c in enumerate(hist_plan.numeric + hist_plan.datetime + hist_plan.text)}
    counted = {c: i for i, c in enumerate(plan.categorical)}
    numeric_index = {c: j for j, c in enumerate(plan.numeric)}
    shape = (stats.moments.std(ddof=1), stats.moments.skewness(), stats.moments.kurtosis())
    estimated, truncated, no_gaps = [], [], []
    out = []
    for i, col in enumerate(schema.columns):
        name = col.name
        n_missing = int(stats.missing[i])
        count = stats.n_rows - n_missing
        n_distinct, is_exact = int(distinct[where[name]]), bool(exact[where[name]])
        block: dict[str, object] = {}
        h = hist_index.get(name)
        hist = _histogram(hist_plan.edges[h], hists[h]) if h is not None else None
        if col.kind == "numeric":
            block["numeric"] = _numeric_stats(stats, numeric_index[name], hist, shape)
        elif col.kind in ("categorical", "boolean"):
            c = counted[name]
            table = stats.counts[c]
            if not stats.truncated[c]:
                n_distinct, is_exact = len(table.keys), True
            else:
                truncated.append(name)
            block["categorical"] = _categorical_stats(table, count, n_distinct, top)
        elif col.kind == "datetime":
            k = plan.datetime.index(name)
            block["datetime"] = _datetime_stats(stats, k, hist)
            if stats.dt_values.exact[k]:
                n_distinct, is_exact = int(stats.dt_values.hashes[k].size), True
            else:
                no_gaps.append(name)
        elif col.kind == "text":
            block["text"] = _text_stats(stats, plan.text.index(name), hist)
        if not is_exact:
            estimated.append(name)
        out.append(ColumnProfile(
            name=name, kind=col.kind, dtype=str(head[name].dtype), count=count, n_missing=n_missing,
            missing_share=n_missing / stats.n_rows if stats.n_rows else 0.0, n_distinct=n_distinct,
            distinct_share=n_distinct / count if count else 0.0, mixed_types=col.mixed_types, **block,
        ))
    if estimated:
        notes.append(f"distinct counts are estimates (KMV sketch of {stats.distinct.limit:,} hashes, relative "
                     f"standard error about {100 / np.sqrt(stats.distinct.limit - 2):.1f}%) for columns with more "
                     f"than {stats.distinct.limit:,} distinct values: " + _names(estimated))
    if truncated:
        notes.append(f"more than {stats.max_categories:,} distinct values: only the most frequent were counted, "
                     "their counts are lower bounds and the cardinality is estimated, for: " + _names(truncated))
    if no_gaps:
        notes.append(f"gaps between timestamps not computed (more than {stats.dt_values.limit:,} distinct "
                     "timestamps) for: " + _names(no_gaps))
    notes.append(f"quantiles from a mergeable sketch: within {100 * stats.sketch.rank_error:.2f}% in rank of the "
                 "exact values (exact for columns with at most "
                 f"{stats.sketch.size:,} values)")
    return tuple(out)


def _overview(stats: FirstPass, columns: tuple[ColumnProfile, ...], kinds: dict[str, str], row_hash_limit: int,
              notes: list[str]) -> Overview:
    n_rows, n_cols = stats.n_rows, len(columns)
    distinct_rows = stats.rows.distinct()
    n_dupes = None if distinct_rows is None else n_rows - distinct_rows
    if n_dupes is None:
        notes.append(f"duplicate rows not counted: more than {row_hash_limit:,} distinct rows "
                     "(raise row_hash_limit, 8 bytes of memory per row)")
    n_missing = int(stats.missing.sum())
    return Overview(
        n_rows=n_rows, n_columns=n_cols, memory_bytes=stats.memory_bytes, n_duplicate_rows=n_dupes,
        duplicate_share=None if n_dupes is None else n_dupes / n_rows, n_missing_cells=n_missing,
        missing_cell_share=n_missing / (n_rows * n_cols),
        kinds={k: sum(1 for v in kinds.values() if v == k) for k in _KINDS},
    )


def _fingerprint(stats: FirstPass, schema: Schema, plan: StreamPlan) -> DatasetFingerprint:
    content = hashlib.sha256(b"mltoolkit-stream-1:" + stats.sequence.hexdigest().encode())
    content.update(json.dumps(list(plan.names)).encode())
    schema_blob = json.dumps(schema.to_dict(), sort_keys=True).encode()
    return DatasetFingerprint(content_hash=content.hexdigest(), schema_hash=hashlib.sha256(schema_blob).hexdigest(),
                              n_rows=stats.n_rows, n_columns=len(plan.names))
