"""``profile``: the whole EDA of a table in one call."""
from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from mltoolkit.data.fingerprint import fingerprint
from mltoolkit.data.schema import Schema, check_unique_columns, infer_schema
from mltoolkit.eda.alert_rules import find_alerts
from mltoolkit.eda.column_stats import is_plain_numeric, profile_column
from mltoolkit.eda.correlation import cramers_v_matrix
from mltoolkit.eda.numeric_block import NumericBlock, profile_numeric_block
from mltoolkit.eda.result import (
    CorrelationMatrix,
    CorrelationPair,
    Correlations,
    Overview,
    ProfileResult,
)
from mltoolkit.eda.target_analysis import (
    analyze_target,
    check_target_present,
    target_task,
)
from mltoolkit.errors import ConfigError, DataError
from mltoolkit.stream import is_dask, is_streamable

__all__ = ["profile"]

#: Categorical columns with more categories than this are left out of Cramér's V.
MAX_CRAMERS_CATEGORIES = 1000
_TOP_PAIRS_PER_METHOD = 30
#: Rows hashed at a time for duplicates and the fingerprint.
_HASH_ROWS = 1 << 17
#: Numeric columns from which BLAS keeps its threads (the pair products then cost columns² per row).
_THREADED_BLAS_FROM = 64


def _one_blas_thread(n_numeric: int) -> contextlib.AbstractContextManager:
    """BLAS on one thread while products are thin (rows x a few dozen columns).

    They are memory-bound, so threads gain nothing, and on a busy machine
    OpenBLAS's threads spin waiting for each other: a 100,000-row profile took
    1.2 s instead of 0.45 s. Wide data keeps the threads for its large products.
    """
    return threadpool_limits(1, user_api="blas") if n_numeric < _THREADED_BLAS_FROM else contextlib.nullcontext()


def profile(
    df: pd.DataFrame,
    target: str | None = None,
    *,
    schema: Schema | None = None,
    schema_overrides: Mapping[str, str] | None = None,
    sample: int | None = None,
    bins: int = 30,
    top_categories: int = 20,
    matrix_limit: int = 50,
    correlation_threshold: float = 0.9,
    progress: bool = False,
    seed: int = 0,
    batch_rows: int | None = None,
) -> ProfileResult:
    """Profile a table: overview, per-column statistics, correlations, target analysis, alerts.

    Parameters
    ----------
    df : pandas.DataFrame, Parquet path, pyarrow dataset or Dask DataFrame
        The data. Column names must be unique. A path to a Parquet file or
        directory, a :class:`pyarrow.dataset.Dataset` or a Dask DataFrame is
        profiled in batches by :func:`mltoolkit.eda.streaming.profile_stream`
        (memory bounded by the batch, not the data; see there for what is
        estimated rather than exact).
    target : str, optional
        Target column; adds class balance (or distribution) and each feature's
        association with it, and enables the imbalance and leakage alerts.
    schema : Schema, optional
        Column kinds; inferred when not given (see :func:`mltoolkit.data.infer_schema`).
    schema_overrides : mapping, optional
        Kinds forced for some columns, e.g. ``{"zip": "categorical"}``.
    sample : int, optional
        Compute column statistics, correlations and target analysis on a random
        sample of this many rows; the overview (rows, duplicates, missing cells)
        always covers every row.
    bins : int, default 30
        Histogram bins.
    top_categories : int, default 20
        Most frequent categories kept per categorical column.
    matrix_limit : int, default 50
        Full correlation matrices are kept while a family has at most this many
        columns; beyond, only the strongest pairs (matrix algebra either way).
    correlation_threshold : float, default 0.9
        Pairs at or above this strength raise a ``high_correlation`` alert.
    progress : bool, default False
        Show a progress bar over the columns (over the batches when streaming).
    seed : int, default 0
        Seed of the row sample.
    batch_rows : int, optional
        Streamed data only: rows per batch (default about two million cells).

    Returns
    -------
    ProfileResult

    Raises
    ------
    DataError
        The table is empty, or the target column has no value.
    ConfigError
        ``target`` is not a column, or an argument is out of range.
    SchemaError
        Column names repeat.

    Examples
    --------
    >>> from mltoolkit.data import make_trial_conversion
    >>> result = profile(make_trial_conversion(500), target="converted")
    >>> result.overview.n_rows, result.target.task
    (500, 'classification')
    """
    t0 = time.perf_counter()
    if not isinstance(df, pd.DataFrame) and (is_streamable(df) or is_dask(df)):
        if sample is not None:
            raise ConfigError("sample is for in-memory DataFrames: streamed data is profiled over every row; "
                              "leave sample out", parameter="sample")
        # Streaming builds on this module's helpers: imported here, not at the top.
        from mltoolkit.eda.streaming import profile_stream

        return profile_stream(df, target, schema=schema, schema_overrides=schema_overrides, bins=bins,
                              top_categories=top_categories, matrix_limit=matrix_limit,
                              correlation_threshold=correlation_threshold, progress=progress, batch_rows=batch_rows)
    if not isinstance(df, pd.DataFrame):
        raise ConfigError(f"profile() takes a pandas DataFrame, a Parquet file or directory, a pyarrow dataset or a "
                          f"Dask DataFrame, got {type(df).__name__}; read other files with mltoolkit.data.load first",
                          parameter="df")
    check_unique_columns(df)
    if df.shape[1] == 0 or len(df) == 0:
        raise DataError(f"the table is empty ({len(df)} rows x {df.shape[1]} columns); nothing to profile")
    if target is not None and target not in df.columns:
        raise ConfigError(f"target column {target!r} is not in the data; columns are: "
                          f"{', '.join(map(str, df.columns[:30]))}{' ...' if df.shape[1] > 30 else ''}",
                          column=target, parameter="target")
    if target is not None:
        check_target_present(target, int(df[target].notna().sum()), len(df))
    if sample is not None and (not isinstance(sample, (int, np.integer)) or sample < 1):
        raise ConfigError(f"sample must be a positive number of rows, got {sample!r}", parameter="sample")
    if not 0 < correlation_threshold <= 1:
        raise ConfigError(f"correlation_threshold must be in (0, 1], got {correlation_threshold}",
                          parameter="correlation_threshold")
    schema = schema or infer_schema(df, schema_overrides)
    df = df.rename(columns=str) if not all(isinstance(c, str) for c in df.columns) else df

    row_hashes = _row_hashes(df)
    n_dupes = int(row_hashes.duplicated().sum())
    n_rows, n_cols = df.shape
    n_missing_cells = int(df.isna().sum().sum())
    kinds = {c.name: c.kind for c in schema.columns}
    overview = Overview(
        n_rows=n_rows, n_columns=n_cols, memory_bytes=int(df.memory_usage(deep=True, index=False).sum()),
        n_duplicate_rows=n_dupes, duplicate_share=n_dupes / n_rows, n_missing_cells=n_missing_cells,
        missing_cell_share=n_missing_cells / (n_rows * n_cols),
        kinds={k: sum(1 for v in kinds.values() if v == k) for k in
               ("numeric", "categorical", "boolean", "datetime", "text", "identifier")},
    )
    data = df.sample(sample, random_state=seed) if sample is not None and sample < n_rows else df

    # Numeric columns stored as numbers are profiled together from one float block (one sort per column gives
    # statistics and ranks); the block, centred, then serves every association measure.
    block_names = [c.name for c in schema.columns if c.kind == "numeric" and is_plain_numeric(data[c.name].dtype)]
    with _one_blas_thread(len(block_names)):
        block_profiles, block = profile_numeric_block(data, block_names, bins, ranks=len(block_names) >= 2)
        in_block = dict(zip(block_names, block_profiles))
        codes: dict[str, tuple[np.ndarray, pd.Index]] = {}
        if target in in_block:
            codes[target] = _factorize(data[target])
        columns = []
        # A disabled bar still makes tqdm's multiprocessing lock on its first use: no bar object unless asked.
        bar = tqdm(schema.columns, desc="profiling columns", unit="col") if progress else schema.columns
        for col in bar:
            if col.name in in_block:
                columns.append(in_block[col.name])
                continue
            s = data[col.name]
            if col.kind == "datetime" and col.name != target and pd.api.types.is_datetime64_any_dtype(s.dtype):
                columns.append(profile_column(s, col.kind, mixed_types=col.mixed_types, bins=bins))  # one sort, no hash
                continue
            codes[col.name] = _factorize(s)
            columns.append(profile_column(s, col.kind, mixed_types=col.mixed_types, bins=bins, top=top_categories,
                                          codes=codes[col.name]))
        columns = tuple(columns)

        correlations, known = _correlations(data, kinds, codes, columns, matrix_limit, block, target)
        target_result = (analyze_target(data, target, kinds, codes, bins, block=block, known=known)
                         if target is not None else None)
        del block
    alerts = find_alerts(overview, columns, correlations.top_pairs, target_result, correlation_threshold)
    return ProfileResult(
        overview=overview, columns=columns, correlations=correlations, target=target_result, alerts=alerts,
        sampled_rows=len(data) if data is not df else None, elapsed_seconds=time.perf_counter() - t0,
        fingerprint=fingerprint(df, schema, row_hashes=row_hashes),
    )


def _factorize(s: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """:func:`pandas.factorize` (-1 = missing) with the codes as 32-bit integers when they fit.

    Every categorical column's codes are kept until the associations are done:
    half the memory, which a fresh process pays for page by page.
    """
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return (codes.astype(np.int32) if len(uniques) < 2**31 - 1 else codes), uniques


def _row_hashes(df: pd.DataFrame) -> pd.Series:
    """``pandas.util.hash_pandas_object(df, index=False)``, computed a slice of rows at a time.

    A row's hash depends on that row alone, so the slices give the same values;
    the hashing's dozen passes per column then run over data held in cache.
    """
    if len(df) <= _HASH_ROWS:
        return pd.util.hash_pandas_object(df, index=False)
    out = np.empty(len(df), dtype=np.uint64)
    for start in range(0, len(df), _HASH_ROWS):
        out[start:start + _HASH_ROWS] = pd.util.hash_pandas_object(df.iloc[start:start + _HASH_ROWS], index=False)
    return pd.Series(out, index=df.index, copy=False)


def _top_pairs(matrix: np.ndarray, names: list[str], method: str, *, symmetric: bool = True,
               col_names: list[str] | None = None, limit: int = _TOP_PAIRS_PER_METHOD) -> list[CorrelationPair]:
    if matrix.size == 0:
        return []
    if symmetric:
        i, j = np.triu_indices(len(names), k=1)
        values = matrix[i, j]
    else:
        i, j = np.indices(matrix.shape).reshape(2, -1)
        values = matrix.ravel()
    ok = np.isfinite(values)
    i, j, values = i[ok], j[ok], values[ok]
    order = np.argsort(-np.abs(values), kind="stable")[:limit]
    cols = col_names if col_names is not None else names
    return [CorrelationPair(names[i[k]], cols[j[k]], method, float(values[k])) for k in order]


def _strongest(block: NumericBlock, method: str) -> list[CorrelationPair]:
    i, j, r = block.strongest_pairs(_TOP_PAIRS_PER_METHOD, ranks=method == "spearman")
    return [CorrelationPair(block.names[a], block.names[b], method, float(v)) for a, b, v in zip(i, j, r)]


def _matrix(method: str, names: list[str], values: np.ndarray) -> CorrelationMatrix:
    rows = tuple(tuple(None if not np.isfinite(v) else float(v) for v in row) for row in values)
    return CorrelationMatrix(method, tuple(names), rows)


def _correlations(data: pd.DataFrame, kinds: dict[str, str], codes: dict, columns: tuple, matrix_limit: int,
                  block: NumericBlock, target: str | None) -> tuple[Correlations, dict[str, tuple[str, float]]]:
    """Correlations, and the association of each feature with ``target`` they computed on the way.

    The second item maps a feature to ``(method, value)`` as
    :func:`mltoolkit.eda.target_analysis.analyze_target` measures it (the same
    function on the same codes), so the target analysis does not compute it again.
    """
    by_name = {c.name: c for c in columns}
    numeric = [c for c, k in kinds.items() if k == "numeric" and by_name[c].n_distinct > 1]
    categorical = [c for c, k in kinds.items() if k in ("categorical", "boolean") and 1 < by_name[c].n_distinct]
    notes = []
    too_many = [c for c in categorical if by_name[c].n_distinct > MAX_CRAMERS_CATEGORIES]
    if too_many:
        notes.append(f"left out of categorical correlations (more than {MAX_CRAMERS_CATEGORIES:,} categories): "
                     + ", ".join(too_many))
        categorical = [c for c in categorical if c not in too_many]
    matrices, pairs = [], []
    known: dict[str, tuple[str, float]] = {}
    if len(categorical) > matrix_limit:
        notes.append(f"{len(categorical)} categorical columns exceed matrix_limit={matrix_limit}: Cramér's V computed "
                     f"for the first {matrix_limit}")
        categorical = categorical[:matrix_limit]
    cat_codes = [codes[c][0] for c in categorical]
    cat_sizes = [len(codes[c][1]) for c in categorical]
    # The target analysis measures classification targets against categorical codes and numeric features by
    # the correlation ratio, as here: a target among the categorical columns reads its values from these results.
    classed_target = target in categorical and target_task(data[target], kinds[target]) == "classification"
    if numeric:
        # Numbers held as text are not in the profile's block: then a block of exactly these columns.
        sub = (block.columns(numeric) if all(c in block.names for c in numeric)
               else profile_numeric_block(data, numeric, ranks=True)[1])
        if categorical:
            eta = sub.correlation_ratio(cat_codes, cat_sizes)
            pairs += _top_pairs(eta, numeric, "correlation_ratio", symmetric=False, col_names=categorical)
            if classed_target:
                t = categorical.index(target)
                known.update((c, ("correlation_ratio", float(eta[i, t]))) for i, c in enumerate(numeric))
        if len(numeric) >= 2 and len(numeric) <= matrix_limit:
            m = sub.pearson()
            pairs += _top_pairs(m, numeric, "pearson")
            matrices.append(_matrix("pearson", numeric, m))
            m = sub.pearson(ranks=True)
            pairs += _top_pairs(m, numeric, "spearman")
            matrices.append(_matrix("spearman", numeric, m))
        elif len(numeric) > matrix_limit:
            # No matrix is kept: single-precision screening, the strongest pairs recomputed exactly.
            pairs += _strongest(sub, "pearson")
            pairs += _strongest(sub, "spearman")
            notes.append(f"{len(numeric)} numeric columns exceed matrix_limit={matrix_limit}: "
                         "only the strongest pairs are kept")
        del sub
    if len(categorical) >= 2:
        m = cramers_v_matrix(cat_codes, cat_sizes)
        pairs += _top_pairs(m, categorical, "cramers_v")
        matrices.append(_matrix("cramers_v", categorical, m))
        if classed_target:
            t = categorical.index(target)
            known.update((c, ("cramers_v", float(m[i, t]))) for i, c in enumerate(categorical) if c != target)
    pairs.sort(key=lambda p: -abs(p.value))
    return Correlations(tuple(matrices), tuple(pairs), matrix_limit, tuple(notes)), known
