"""Reading data larger than memory: Parquet files, directories and pyarrow datasets in record batches.

A *streamable source* is a path to a Parquet file or to a directory of Parquet
files, or a :class:`pyarrow.dataset.Dataset`. :func:`open_dataset` opens one
and checks that every file has the same schema (a directory mixing schemas is
refused, naming the file and the columns); :func:`iter_batches` yields pandas
DataFrames of at most ``batch_rows`` rows, so peak memory follows the batch
size, not the data size.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from mltoolkit.errors import DataError, SchemaError

__all__ = ["is_streamable", "is_dask", "open_dataset", "iter_batches", "default_batch_rows", "dataset_rows", "first_rows",
           "TARGET_BATCH_CELLS"]

#: Cells (rows x columns) per batch by default: about 80 MB of float64.
TARGET_BATCH_CELLS = 10_000_000
_PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")


def is_dask(obj: object) -> bool:
    """Whether ``obj`` is a Dask DataFrame (without importing Dask when it is not)."""
    return type(obj).__module__.startswith("dask") and hasattr(obj, "to_delayed") and hasattr(obj, "npartitions")


def is_streamable(obj: object) -> bool:
    """Whether ``obj`` is read in batches: a pyarrow dataset, or a path to Parquet data."""
    if isinstance(obj, pads.Dataset):
        return True
    if isinstance(obj, (str, Path)) and not str(obj).startswith("demo://"):
        path = Path(obj)
        return path.suffix.lower() in _PARQUET_SUFFIXES or path.is_dir()
    return False


def default_batch_rows(n_columns: int) -> int:
    """Rows per batch so that a batch holds about :data:`TARGET_BATCH_CELLS` cells."""
    return max(1_000, TARGET_BATCH_CELLS // max(1, n_columns))


def open_dataset(source: str | Path | pads.Dataset) -> pads.Dataset:
    """Open Parquet data as a pyarrow dataset, refusing files whose schemas differ.

    Raises
    ------
    DataError
        The path does not exist or holds no Parquet data.
    SchemaError
        Files of a directory disagree on column names or types.
    """
    if isinstance(source, pads.Dataset):
        dataset = source
        label = "the dataset"
    else:
        path = Path(source)
        label = str(path)
        if not path.exists():
            raise DataError(f"{path} does not exist; pass a Parquet file or a directory of Parquet files",
                            path=str(path))
        try:
            dataset = pads.dataset(path, format="parquet", exclude_invalid_files=False)
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataError(f"cannot read Parquet data {path}: {exc}", path=str(path)) from None
    fragments = list(dataset.get_fragments())
    if not fragments:
        raise DataError(f"{label} holds no Parquet files", path=label)
    first = fragments[0]
    try:
        expected = first.physical_schema
        for frag in fragments[1:]:
            schema = frag.physical_schema
            if not schema.equals(expected, check_metadata=False):
                raise SchemaError(_schema_difference(first.path, expected, frag.path, schema), path=frag.path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(f"cannot read Parquet data in {label}: {exc}", path=label) from None
    return dataset


def _schema_difference(path_a: str, a: pa.Schema, path_b: str, b: pa.Schema) -> str:
    fields_a = {f.name: f.type for f in a}
    fields_b = {f.name: f.type for f in b}
    problems = [f"{n!r} missing" for n in fields_a if n not in fields_b]
    problems += [f"{n!r} extra" for n in fields_b if n not in fields_a]
    problems += [f"{n!r} is {fields_b[n]} there but {t} in {Path(path_a).name}" for n, t in fields_a.items()
                 if n in fields_b and fields_b[n] != t]
    return (f"the Parquet files do not share one schema: {path_b} differs from {path_a} "
            f"({'; '.join(problems[:10]) or 'column order'}); rewrite them with one schema or read them separately")


def iter_batches(source: str | Path | pads.Dataset, *, columns: Sequence[str] | None = None,
                 batch_rows: int | None = None) -> Iterator[pd.DataFrame]:
    """Yield the rows of ``source`` as DataFrames of at most ``batch_rows`` rows.

    Parameters
    ----------
    source : path or pyarrow.dataset.Dataset
        A Parquet file, a directory of Parquet files, or a dataset.
    columns : sequence of str, optional
        Columns to read (default: all).
    batch_rows : int, optional
        Rows per batch (default: :func:`default_batch_rows`).
    """
    dataset = open_dataset(source)
    names = dataset.schema.names
    if columns is not None:
        missing = [c for c in columns if c not in names]
        if missing:
            raise SchemaError(f"column(s) {', '.join(map(repr, missing))} are not in {source}; "
                              f"columns are: {', '.join(names[:30])}", column=missing[0])
    n_cols = len(columns) if columns is not None else len(names)
    rows = batch_rows or default_batch_rows(n_cols)
    wanted = list(columns) if columns is not None else None
    files = dataset.files if isinstance(dataset, pads.FileSystemDataset) else []
    if files and set(dataset.schema.names) <= set(next(iter(dataset.get_fragments())).physical_schema.names):
        # File by file, without pre-buffering whole row groups: peak memory follows the batch (measured on
        # 1M x 1,000 columns: 0.46 GB instead of 1.5 GB through the dataset scanner, and 2.5x faster).
        for path in files:
            with dataset.filesystem.open_input_file(path) as handle:
                reader = pq.ParquetFile(handle, pre_buffer=False, buffer_size=1 << 20)
                for batch in reader.iter_batches(batch_size=rows, columns=wanted, use_threads=False):
                    if batch.num_rows:
                        yield batch.to_pandas()
        return
    # Other datasets (partition columns from directory names, in-memory): the scanner, without decode-ahead
    # threads, which buffer batches while we compute (1.6 GB instead of 0.45 GB resident on 20 columns).
    scanner = dataset.scanner(columns=wanted, batch_size=rows, batch_readahead=0, fragment_readahead=0,
                              use_threads=False)
    for batch in scanner.to_batches():
        if batch.num_rows:
            yield batch.to_pandas()


def dataset_rows(source: str | Path | pads.Dataset) -> int:
    """Number of rows, from the files' metadata."""
    return int(open_dataset(source).count_rows())


def first_rows(source: str | Path | pads.Dataset, n: int = 10_000, columns: Any = None) -> pd.DataFrame:
    """The first ``n`` rows, to infer a schema (read like the batches: no decode-ahead of the whole dataset)."""
    parts, total = [], 0
    for batch in iter_batches(source, columns=columns, batch_rows=n):
        parts.append(batch.iloc[: n - total])
        total += len(parts[-1])
        if total >= n:
            break
    if not parts:
        return open_dataset(source).schema.empty_table().to_pandas()
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
