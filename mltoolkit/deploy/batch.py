"""Batch prediction in chunks: bounded memory, every row stamped, no half-written output.

Input is read chunk by chunk (CSV with pandas' ``chunksize``, Parquet by record
batches with pyarrow), each chunk is checked against the package's input schema
and scored, and rows are appended to a temporary file renamed into place only
when every chunk succeeded. A Dask DataFrame is scored on its cluster instead,
partition by partition (:mod:`mltoolkit.deploy.batch_dask`).
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from mltoolkit._serialize import to_jsonable
from mltoolkit.data import load
from mltoolkit.data.load import iter_sql
from mltoolkit.deploy.package import ModelPackage, load_package
from mltoolkit.errors import ConfigError, DataError

if TYPE_CHECKING:
    import dask.dataframe as dd

__all__ = ["BatchResult", "predict_batch"]


@dataclasses.dataclass(frozen=True)
class BatchResult:
    output: str
    rows: int
    chunks: int
    seconds: float
    model_version: str
    extra_columns: tuple[str, ...]
    unseen_categories: dict[str, int]
    new_missing: dict[str, int]

    @property
    def warnings(self) -> list[str]:
        out = [f"ignored extra columns: {', '.join(self.extra_columns)}"] if self.extra_columns else []
        out += [f"{n:,} values of '{c}' never seen in training (scored as infrequent)"
                for c, n in self.unseen_categories.items()]
        out += [f"{n:,} missing values in '{c}', which had none in training (imputed)"
                for c, n in self.new_missing.items()]
        return out

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self) | {"warnings": self.warnings}


def _chunks(source: str, chunk_rows: int, table: str | None, query: str | None) -> Iterator[pd.DataFrame]:
    path = Path(source)
    suffix = path.suffix.lower()
    if not str(source).startswith(("demo://", "sqlite:", "postgresql", "mysql")) and not path.exists():
        raise DataError(f"input {source} does not exist", path=str(source))
    if suffix in (".csv", ".tsv", ".txt"):
        try:
            yield from pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", chunksize=chunk_rows)
        except pd.errors.EmptyDataError:
            raise DataError(f"input {source} is empty; nothing to score", path=str(source)) from None
    elif suffix == ".parquet":
        pf = pq.ParquetFile(path)
        for batch in pf.iter_batches(batch_size=chunk_rows):
            yield batch.to_pandas()
    elif table is not None or query is not None or suffix in (".db", ".sqlite", ".sqlite3") or "://" in source \
            and not str(source).startswith("demo://"):
        yield from iter_sql(str(source), table=table, query=query, chunk_rows=chunk_rows)
    else:  # demo:// data is generated in memory anyway: read once, then slice
        frame = load(source, table=table, query=query)
        for start in range(0, len(frame), chunk_rows):
            yield frame.iloc[start:start + chunk_rows]


def predict_batch(package: str | Path | ModelPackage, source: str | dd.DataFrame, out: str | Path, *,
                  chunk_rows: int = 100_000, table: str | None = None, query: str | None = None,
                  keep_columns: tuple[str, ...] = (), progress: bool = False, overwrite: bool = False) -> BatchResult:
    """Score ``source`` with a model package and write predictions to ``out`` (.csv or .parquet).

    Every output row carries ``row`` (position in the input), any ``keep_columns``
    (for example an id), ``prediction`` (and ``score`` for classifiers),
    ``model_version`` and ``scored_at`` (UTC). The output appears only when the
    whole input was scored; on any error nothing is left behind.

    Parameters
    ----------
    package : path or ModelPackage
        Model package folder, or a package loaded from one.
    source : str or dask.dataframe.DataFrame
        CSV/Parquet path, SQLite file or SQLAlchemy URL (with ``table`` or
        ``query``), ``demo://`` data, or a Dask DataFrame. A Dask DataFrame is
        scored partition by partition on its cluster by
        :func:`mltoolkit.deploy.predict_batch_dask`, which writes ``out`` as a
        folder of Parquet files (``chunk_rows`` and ``progress`` do not apply).
    out : path
        Output file (.csv or .parquet); for a Dask source, an output folder.
    chunk_rows : int, default 100_000
        Rows read and scored at a time (bounds memory).
    table, query : str, optional
        SQL sources: the table, or a SELECT query, to read.
    keep_columns : tuple of str
        Input columns copied to the output (for example an id).
    progress : bool, default False
        Progress bar over the rows.
    overwrite : bool, default False
        Dask sources: replace an existing output folder. An output file is
        always replaced (once the new one is complete).

    Returns
    -------
    BatchResult
        Rows and chunks scored, the model version, and the schema check's warnings.

    Raises
    ------
    SchemaError
        A chunk does not fit the model's input schema (the message names the column).
    DataError
        The input is missing, empty or unreadable.
    ConfigError
        An invalid ``chunk_rows`` or output name.
    """
    import time

    from mltoolkit.stream import is_dask

    if is_dask(source):
        from mltoolkit.deploy.batch_dask import predict_batch_dask

        if table is not None or query is not None:
            raise ConfigError("table and query read SQL sources; a Dask DataFrame is scored as it is",
                              parameter="table" if table is not None else "query")
        return predict_batch_dask(package, source, out, keep_columns=keep_columns, overwrite=overwrite)
    if chunk_rows < 1:
        raise ConfigError("chunk_rows must be at least 1", parameter="chunk_rows")
    pkg = package if isinstance(package, ModelPackage) else load_package(package)
    out = Path(out)
    fmt = {".csv": "csv", ".parquet": "parquet"}.get(out.suffix.lower())
    if fmt is None:
        raise ConfigError(f"output {out} must end in .csv or .parquet", parameter="out")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.partial")
    t0 = time.perf_counter()
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = n_chunks = 0
    extra: tuple[str, ...] = ()
    unseen: dict[str, int] = {}
    new_missing: dict[str, int] = {}
    writer = None
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(unit="rows", desc="scoring")
    try:
        for chunk in _chunks(source, chunk_rows, table, query):
            if chunk.empty:
                continue
            missing_keep = [c for c in keep_columns if c not in chunk.columns]
            if missing_keep:
                raise DataError(f"keep_columns {missing_keep} are not columns of {source}", column=missing_keep[0])
            preds, outcome = pkg.predict_frame(chunk, source=str(source))
            frame = pd.DataFrame({"row": range(rows, rows + len(chunk))})
            for col in keep_columns:
                frame[col] = chunk[col].to_numpy()
            for col in preds.columns:
                frame[col] = preds[col].to_numpy()
            frame["model_version"] = pkg.version
            frame["scored_at"] = stamp
            if fmt == "csv":
                frame.to_csv(tmp, mode="a", header=n_chunks == 0, index=False)
            else:
                table_ = pa.Table.from_pandas(frame, preserve_index=False)
                writer = writer or pq.ParquetWriter(tmp, table_.schema)
                writer.write_table(table_)
            rows += len(chunk)
            n_chunks += 1
            extra = outcome.extra_columns
            for k, v in outcome.unseen_categories.items():
                unseen[k] = unseen.get(k, 0) + v
            for k, v in outcome.new_missing.items():
                new_missing[k] = new_missing.get(k, 0) + v
            if bar is not None:
                bar.update(len(chunk))
        if writer is not None:
            writer.close()
            writer = None
        if rows == 0:
            raise DataError(f"input {source} has no rows; nothing to score", path=str(source))
        tmp.replace(out)
    except BaseException:  # leave nothing half-written, whatever went wrong
        if writer is not None:
            writer.close()
        tmp.unlink(missing_ok=True)
        raise
    finally:
        if bar is not None:
            bar.close()
    return BatchResult(output=str(out), rows=rows, chunks=n_chunks, seconds=time.perf_counter() - t0,
                       model_version=pkg.version, extra_columns=extra, unseen_categories=unseen,
                       new_missing=new_missing)
