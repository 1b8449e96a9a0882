"""Batch prediction in chunks: bounded memory, every row stamped, no half-written output.

Input is read chunk by chunk (CSV with pandas' ``chunksize``, Parquet by record
batches with pyarrow), each chunk is checked against the package's input schema
and scored, and rows are appended to a temporary file renamed into place only
when every chunk succeeded. A few odd rows never stop a batch: numbers far
outside the training range and categories never seen in training are scored
(or, on request, set aside in a file of their own) and counted per column; only
a schema no row can be scored with (a missing column, a type that cannot be
converted) refuses the batch. A Dask DataFrame is scored on its cluster instead,
partition by partition (:mod:`mltoolkit.deploy.batch_dask`).
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from mltoolkit._serialize import to_jsonable
from mltoolkit.data import load
from mltoolkit.data.load import iter_sql
from mltoolkit.deploy.input_schema import CheckOutcome, check_odd_values, schema_warnings
from mltoolkit.deploy.package import ModelPackage, load_package
from mltoolkit.errors import ConfigError, DataError

if TYPE_CHECKING:
    import dask.dataframe as dd

__all__ = ["BatchResult", "predict_batch", "set_aside_path"]

#: What batch scoring does with odd values unless told otherwise: score them (and count them).
DEFAULT_ODD_VALUES = "score"


@dataclasses.dataclass(frozen=True)
class BatchResult:
    """What a batch run did: rows scored, odd values counted per column, rows set aside.

    ``rows`` counts the rows scored (written to ``output``); rows set aside
    (``odd_values="set_aside"``) are counted in ``set_aside_rows`` and written,
    with their row number and the reason, to ``set_aside_output``.
    """

    output: str
    rows: int
    chunks: int
    seconds: float
    model_version: str
    extra_columns: tuple[str, ...]
    unseen_categories: dict[str, int]
    new_missing: dict[str, int]
    out_of_range: dict[str, int] = dataclasses.field(default_factory=dict)  # numbers outside the plausible range
    odd_values: str = DEFAULT_ODD_VALUES
    set_aside_rows: int = 0
    set_aside_output: str | None = None

    @property
    def warnings(self) -> list[str]:
        out = schema_warnings(self.extra_columns, self.unseen_categories, self.new_missing, self.out_of_range,
                              set_aside=self.odd_values == "set_aside")
        if self.set_aside_rows:
            out.append(f"{self.set_aside_rows:,} rows set aside, not scored: {self.set_aside_output}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self) | {"warnings": self.warnings}


def set_aside_path(out: str | Path) -> Path:
    """Where the rows set aside from a batch written to ``out`` go: ``<name>.set_aside<suffix>`` beside it."""
    out = Path(out)
    return out.with_name(f"{out.stem}.set_aside{out.suffix}")


def _set_aside_frame(chunk: pd.DataFrame, outcome: CheckOutcome, keep_columns: tuple[str, ...],
                    first_row: int) -> pd.DataFrame:
    """The rows of ``chunk`` the check set aside: ``row`` (position in the input), ``keep_columns``, ``reason``."""
    positions = [i for i, _ in outcome.set_aside]
    frame = pd.DataFrame({"row": [first_row + i for i in positions]}, dtype="int64")
    for col in keep_columns:
        frame[col] = chunk[col].to_numpy()[positions]
    frame["reason"] = pd.Series([r for _, r in outcome.set_aside], dtype=object)
    return frame


def _scored_positions(n_rows: int, outcome: CheckOutcome) -> np.ndarray:
    """Positions of the rows of a checked chunk that were scored (all but those set aside)."""
    keep = np.ones(n_rows, dtype=bool)
    keep[[i for i, _ in outcome.set_aside]] = False
    return np.flatnonzero(keep)


def _scored_frame(pkg: ModelPackage, X: pd.DataFrame, chunk: pd.DataFrame, outcome: CheckOutcome,
                  keep_columns: tuple[str, ...], first_row: int, stamp: str) -> pd.DataFrame:
    """The output rows of a checked chunk: ``row``, ``keep_columns``, predictions, ``model_version``, ``scored_at``."""
    scored = _scored_positions(len(chunk), outcome)
    preds = pkg.score(X)
    frame = pd.DataFrame({"row": first_row + scored})
    for col in keep_columns:
        frame[col] = chunk[col].to_numpy()[scored]
    for col in preds.columns:
        frame[col] = preds[col].to_numpy()
    frame["model_version"] = pkg.version
    frame["scored_at"] = stamp
    return frame


def _write_set_aside(frames: list[pd.DataFrame], out: Path) -> str | None:
    """Write the rows set aside next to ``out`` (same format), or remove a stale file; the path written, or None."""
    target = set_aside_path(out)
    frames = [f for f in frames if len(f)]
    if not frames:
        target.unlink(missing_ok=True)  # from an earlier run: it would describe rows of another batch
        return None
    rows = pd.concat(frames, ignore_index=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        rows.to_csv(tmp, index=False) if target.suffix.lower() == ".csv" else rows.to_parquet(tmp, index=False)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return str(target)


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
                  keep_columns: tuple[str, ...] = (), progress: bool = False, overwrite: bool = False,
                  odd_values: str = DEFAULT_ODD_VALUES) -> BatchResult:
    """Score ``source`` with a model package and write predictions to ``out`` (.csv or .parquet).

    Every output row carries ``row`` (position in the input), any ``keep_columns``
    (for example an id), ``prediction`` (and ``score`` for classifiers),
    ``model_version`` and ``scored_at`` (UTC). The output appears only when the
    whole input was scored; on any error nothing is left behind. Odd values
    (numbers far outside the training range, categories never seen in
    training) never stop the batch: they are scored or set aside
    (``odd_values``) and counted per column in the result.

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
    odd_values : {"score", "set_aside", "refuse"}, default "score"
        Rows with a number outside the plausible range (see
        :func:`mltoolkit.deploy.input_schema.plausible_range`) or a category
        never seen in training are scored (``score``), or left out of ``out``
        and written with their ``row``, ``keep_columns`` and the reason to
        :func:`set_aside_path` (``set_aside``); ``refuse`` stops the batch at
        the first out-of-range number, as online requests do.

    Returns
    -------
    BatchResult
        Rows and chunks scored, the model version, odd values per column
        (``out_of_range``, ``unseen_categories``), rows set aside, and warnings.

    Raises
    ------
    SchemaError
        The input's schema is unusable: a column the model needs is missing, or
        holds values of the wrong type that cannot be converted (one line naming
        the columns).
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
        return predict_batch_dask(package, source, out, keep_columns=keep_columns, overwrite=overwrite,
                                  odd_values=odd_values)
    check_odd_values(odd_values)
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
    rows = n_chunks = n_input = 0
    extra: tuple[str, ...] = ()
    unseen: dict[str, int] = {}
    new_missing: dict[str, int] = {}
    out_of_range: dict[str, int] = {}
    set_aside: list[pd.DataFrame] = []
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
            X, outcome = pkg.schema.check(chunk, source=str(source), odd_values=odd_values)
            if outcome.set_aside:
                set_aside.append(_set_aside_frame(chunk, outcome, keep_columns, n_input))
            if len(X):  # a chunk whose every row was set aside has nothing to score
                frame = _scored_frame(pkg, X, chunk, outcome, keep_columns, n_input, stamp)
                if fmt == "csv":
                    frame.to_csv(tmp, mode="a", header=not tmp.exists(), index=False)
                else:
                    table_ = pa.Table.from_pandas(frame, preserve_index=False)
                    writer = writer or pq.ParquetWriter(tmp, table_.schema)
                    writer.write_table(table_)
                rows += len(frame)
            n_input += len(chunk)
            n_chunks += 1
            extra = outcome.extra_columns
            for total, counts in ((unseen, outcome.unseen_categories), (new_missing, outcome.new_missing),
                                  (out_of_range, outcome.out_of_range)):
                for k, v in counts.items():
                    total[k] = total.get(k, 0) + v
            if bar is not None:
                bar.update(len(chunk))
        if writer is not None:
            writer.close()
            writer = None
        if n_input == 0:
            raise DataError(f"input {source} has no rows; nothing to score", path=str(source))
        if rows == 0:  # every row set aside: an output with the columns and no rows, not a missing file
            empty = pd.DataFrame(columns=["row", *keep_columns, "prediction", "model_version", "scored_at"])
            empty.to_csv(tmp, index=False) if fmt == "csv" else empty.to_parquet(tmp, index=False)
        set_aside_output = _write_set_aside(set_aside, out)
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
                       new_missing=new_missing, out_of_range=out_of_range, odd_values=odd_values,
                       set_aside_rows=n_input - rows, set_aside_output=set_aside_output)
