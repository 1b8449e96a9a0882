"""Map a statistic over the batches of any source and merge the results.

The same two functions — ``fn(batch) -> stats`` and ``merge(a, b) -> stats`` —
run over a pandas DataFrame (in row slices), a Parquet file, directory or
pyarrow dataset (in record batches, so memory follows the batch size), or a
Dask DataFrame (per partition on the cluster's workers, merged in a tree there:
only the small statistics travel).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import pandas as pd
from tqdm.auto import tqdm

from mltoolkit.errors import ConfigError, DataError
from mltoolkit.stream.batches import dataset_rows, default_batch_rows, is_dask, is_streamable, iter_batches

__all__ = ["map_reduce", "dask_head"]

S = TypeVar("S")


def map_reduce(source: Any, fn: Callable[[pd.DataFrame], S], merge: Callable[[S, S], S], *,
               columns: Sequence[str] | None = None, batch_rows: int | None = None, progress: bool = False,
               desc: str = "batches") -> S:
    """``merge`` of ``fn`` over the batches of ``source``.

    Parameters
    ----------
    source : DataFrame, Parquet path, pyarrow dataset or Dask DataFrame
    fn : callable
        Statistics of one batch (a pandas DataFrame). Must be picklable (a
        module-level function or a ``functools.partial`` of one) for Dask.
    merge : callable
        Associative combination of two results.
    columns : sequence of str, optional
        Columns to read.
    batch_rows : int, optional
        Rows per batch for DataFrames and Parquet data.
    progress : bool, default False
        Progress bar over batches (Dask shows its own dashboard instead).

    Raises
    ------
    DataError
        The source is empty, or a Dask cluster failed the computation (lost
        workers); nothing is written in either case.
    """
    if is_dask(source):
        return _dask_reduce(source if columns is None else source[list(columns)], fn, merge)
    if isinstance(source, pd.DataFrame):
        frame = source if columns is None else source[list(columns)]
        rows = batch_rows or default_batch_rows(frame.shape[1])
        starts = range(0, len(frame), rows)
        batches = (frame.iloc[i:i + rows] for i in starts)
        total = len(starts)
    elif is_streamable(source):
        n_cols = len(columns) if columns is not None else None
        rows = batch_rows or default_batch_rows(n_cols or 1)
        batches = iter_batches(source, columns=columns, batch_rows=batch_rows)
        total = math.ceil(dataset_rows(source) / rows) if progress else None
    else:
        raise ConfigError(f"cannot read data from a {type(source).__name__}: pass a pandas DataFrame, a Parquet file "
                          "or directory, a pyarrow dataset or a Dask DataFrame", parameter="data")
    result: Any = None
    for batch in tqdm(batches, total=total, desc=desc, unit="batch", disable=not progress):
        stats = fn(batch)
        result = stats if result is None else merge(result, stats)
    if result is None:
        raise DataError("the data has no rows", parameter="data")
    return result


def _tree(items: list, merge: Callable) -> Any:
    import dask

    while len(items) > 1:
        items = [dask.delayed(merge)(items[i], items[i + 1]) if i + 1 < len(items) else items[i]
                 for i in range(0, len(items), 2)]
    return items[0]


def _lost_workers(exc: BaseException) -> DataError | None:
    name = type(exc).__name__
    if name in ("KilledWorker", "CommClosedError", "FutureCancelledError", "CancelledError") \
            or "worker" in str(exc).lower():
        return DataError(f"the Dask cluster failed the computation ({name}: {exc}); workers were lost more often "
                         "than the scheduler retries (distributed.scheduler.allowed-failures). Nothing was written;"
                         " check the workers' memory limits and run again", parameter="data")
    return None


def dask_head(ddf: Any, n: int = 10_000) -> pd.DataFrame:
    """The first ``n`` rows of a Dask DataFrame (to infer a schema), with lost workers as a clear error."""
    try:
        return ddf.head(n, npartitions=-1)
    except Exception as exc:  # noqa: BLE001 - distributed raises several types for lost workers
        error = _lost_workers(exc)
        if error is None:
            raise
        raise error from None


def _dask_reduce(ddf: Any, fn: Callable, merge: Callable) -> Any:
    import dask

    parts = ddf.to_delayed()
    if not parts:
        raise DataError("the Dask DataFrame has no partitions", parameter="data")
    total = _tree([dask.delayed(fn)(p) for p in parts], merge)
    try:
        return total.compute()
    except Exception as exc:  # noqa: BLE001 - distributed raises several types for lost workers
        error = _lost_workers(exc)
        if error is None:
            raise
        raise error from None
