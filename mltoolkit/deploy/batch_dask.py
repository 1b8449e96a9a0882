"""Batch prediction over the partitions of a Dask DataFrame, on the cluster's workers.

Each partition is checked against the package's input schema and scored on a
worker, which loads the package once (cached by folder and manifest checksum),
and is written as one Parquet file into a staging folder next to the output.
Rows are numbered by their position in the input, as in
:func:`mltoolkit.deploy.predict_batch`: a partition's first row number is the
sum of the lengths of the partitions before it, passed along a chain of small
tasks, so the input is read once (a scored partition, only the output columns,
waits in a worker's memory until the partitions before it have been scored). The staging folder is renamed into place only
when every partition succeeded and the files share one schema; on any error it
is removed. Workers must see the package folder and the output's parent folder
at the same paths as the client (the same machine, or shared storage).
"""
from __future__ import annotations

import collections
import datetime as _dt
import hashlib
import os
import shutil
import threading
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from mltoolkit.deploy.batch import BatchResult, _scored_frame, _set_aside_frame, _write_set_aside
from mltoolkit.deploy.input_schema import check_odd_values
from mltoolkit.deploy.package import ModelPackage, load_package
from mltoolkit.errors import ConfigError, DataError, MLToolkitError, ModelPackageError, SchemaError
from mltoolkit.stream import is_dask, open_dataset

if TYPE_CHECKING:
    import dask.dataframe as dd

__all__ = ["predict_batch_dask"]

#: Packages kept loaded per worker process (a worker rarely scores with more than one or two).
_CACHE_SIZE = 4
_PACKAGES: collections.OrderedDict[tuple[str, str], ModelPackage] = collections.OrderedDict()
_PACKAGES_LOCK = threading.Lock()
#: How many times this process loaded each (folder, checksum); tests read it on the workers.
_LOADS: collections.Counter[tuple[str, str]] = collections.Counter()
_LOST_WORKER_ERRORS = ("KilledWorker", "CommClosedError", "FutureCancelledError", "CancelledError")


def _manifest_digest(directory: Path) -> str:
    return hashlib.sha256((directory / "package.json").read_bytes()).hexdigest()


def _worker_package(directory: str, digest: str) -> ModelPackage:
    """The package at ``directory``, loaded and verified once per process and manifest checksum."""
    key = (directory, digest)
    with _PACKAGES_LOCK:  # held while loading: the worker's other threads wait instead of loading it again
        pkg = _PACKAGES.get(key)
        if pkg is not None:
            _PACKAGES.move_to_end(key)
            return pkg
        path = Path(directory)
        if not (path / "package.json").exists():
            raise ModelPackageError(f"model package {directory} is not visible on worker (pid {os.getpid()}); put it "
                                    "on storage every worker reads at the same path", path=directory)
        if _manifest_digest(path) != digest:
            raise ModelPackageError(f"model package {directory} changed while it was being used for scoring; "
                                    "run again once the package is final", path=directory)
        pkg = load_package(path)
        _PACKAGES[key] = pkg
        _LOADS[key] += 1
        while len(_PACKAGES) > _CACHE_SIZE:
            _PACKAGES.popitem(last=False)
        return pkg


def _load_counts() -> dict[tuple[str, str], int]:
    """Package loads in this process, by (folder, manifest checksum)."""
    return dict(_LOADS)


def _score_partition(part: pd.DataFrame, index: int, directory: str, digest: str, keep_columns: tuple[str, ...],
                     stamp: str, odd_values: str = "score") -> tuple[pd.DataFrame, dict[str, Any]]:
    """Check and score one partition; the output rows numbered from 0 within it, and the check outcome.

    The outcome holds the partition's input rows and, with ``odd_values="set_aside"``,
    its rows set aside (numbered from 0 within it, like the output rows).
    """
    pkg = _worker_package(directory, digest)
    if part.empty:
        return pd.DataFrame(), {"rows": 0, "extra": (), "unseen": {}, "new_missing": {}, "out_of_range": {},
                                "set_aside": None}
    X, outcome = pkg.schema.check(part, source=f"partition {index} of the Dask DataFrame", odd_values=odd_values)
    frame = _scored_frame(pkg, X, part, outcome, keep_columns, 0, stamp) if len(X) else pd.DataFrame()
    set_aside = _set_aside_frame(part, outcome, keep_columns, 0) if outcome.set_aside else None
    return frame, {"rows": len(part), "extra": outcome.extra_columns, "unseen": outcome.unseen_categories,
                   "new_missing": outcome.new_missing, "out_of_range": outcome.out_of_range, "set_aside": set_aside}


def _rows(outcome: dict[str, Any]) -> int:
    """Input rows of a partition (scored or set aside): the next partition's rows are numbered after them."""
    return int(outcome["rows"])


def _next_offset(offset: int, rows: int) -> int:
    return offset + rows


def _write_partition(scored: pd.DataFrame, offset: int, index: int, staging: str) -> int:
    """Write one scored partition as ``part.<index>.parquet`` in ``staging``; returns its rows.

    Written under a temporary name and renamed, so a task rerun after a lost
    worker replaces the file whole. No folder is created here: once a failed run
    has removed the staging folder, late tasks fail instead of writing.
    """
    if scored.empty:
        return 0
    frame = scored.copy()  # the scored partition may be reused by a rerun of this task: leave it as it was
    frame["row"] += offset
    target = Path(staging) / f"part.{index:05d}.parquet"
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return len(scored)


def _remove(path: Path) -> None:
    """Remove a file or folder; a folder is renamed first, so tasks still running cannot write into it any more."""
    if path.is_file():
        path.unlink(missing_ok=True)
        return
    if not path.exists():
        return
    trash = path.with_name(f"{path.name}.{uuid.uuid4().hex[:8]}.removing")
    try:
        path.rename(trash)
    except OSError:
        trash = path
    shutil.rmtree(trash, ignore_errors=True)


def _check_output(out: Path, overwrite: bool) -> None:
    if out.suffix.lower() == ".csv":
        raise ConfigError(f"output {out}: predictions of a Dask DataFrame are written as a folder of Parquet files "
                          "(one per partition); name it for example predictions.parquet", parameter="out")
    if not out.exists():
        return
    if not overwrite:
        raise ConfigError(f"output {out} already exists; choose another path or pass overwrite=True (--force) to "
                          "replace it", path=str(out))
    others = [p.name for p in out.iterdir() if p.suffix != ".parquet"] if out.is_dir() else []
    if others or (out.is_file() and out.suffix.lower() != ".parquet"):
        raise ConfigError(f"output {out} holds other files than Parquet ({', '.join(others[:5]) or out.name}); "
                          "it is not replaced: choose another path", path=str(out))


def _lost_worker(exc: BaseException) -> bool:
    return type(exc).__name__ in _LOST_WORKER_ERRORS or "worker" in str(exc).lower()


def predict_batch_dask(package: str | Path | ModelPackage, source: dd.DataFrame, out: str | Path, *,
                       keep_columns: tuple[str, ...] = (), overwrite: bool = False,
                       odd_values: str = "score") -> BatchResult:
    """Score a Dask DataFrame partition by partition on its cluster; write a folder of Parquet files.

    Output rows are those of :func:`mltoolkit.deploy.predict_batch`: ``row``
    (position in the input), any ``keep_columns``, ``prediction`` (and ``score``
    for classifiers), ``model_version`` and ``scored_at`` (UTC, one time for
    the whole run). ``out`` becomes a folder with one ``part.<n>.parquet`` per
    non-empty partition; it appears only when every partition was scored.

    Parameters
    ----------
    package : path or ModelPackage
        Model package folder (or a package loaded from one). Workers load it
        from this folder, once per worker process.
    source : dask.dataframe.DataFrame
        The rows to score, typically ``dask.dataframe.read_parquet(folder)``.
        The computation runs on the active ``distributed.Client`` if there is
        one, else on Dask's default scheduler.
    out : path
        Output folder (for example ``predictions.parquet``), in a folder the
        workers can write to at the same path.
    keep_columns : tuple of str
        Input columns copied to the output (for example an id).
    overwrite : bool, default False
        Replace an existing output (only a file or folder of Parquet files).
    odd_values : {"score", "set_aside", "refuse"}, default "score"
        As in :func:`mltoolkit.deploy.predict_batch`; rows set aside are
        written to one Parquet file beside ``out``
        (:func:`mltoolkit.deploy.batch.set_aside_path`).

    Returns
    -------
    BatchResult
        Rows, partitions scored (``chunks``), odd values per column, rows set
        aside, and the schema check's warnings summed over partitions.

    Raises
    ------
    SchemaError
        A partition's schema is unusable (a column of the wrong type that
        cannot be converted); the message names the partition and the column.
        Nothing is written.
    DataError
        No rows, or the cluster lost workers more often than the scheduler
        retries. Nothing is written.
    ConfigError
        The output exists (and ``overwrite`` is False) or is named ``.csv``.

    Examples
    --------
    >>> import dask.dataframe as dd  # doctest: +SKIP
    >>> result = predict_batch_dask("package", dd.read_parquet("new_rows/"), "predictions.parquet")  # doctest: +SKIP
    >>> result.rows, result.chunks  # doctest: +SKIP
    (1000000, 12)
    """
    import dask

    if not is_dask(source):
        raise ConfigError(f"source must be a Dask DataFrame, got a {type(source).__name__}", parameter="source")
    check_odd_values(odd_values)
    directory = Path(package.directory if isinstance(package, ModelPackage) else package).resolve()
    pkg = package if isinstance(package, ModelPackage) else load_package(directory)
    digest = _manifest_digest(directory)
    out = Path(out).resolve()
    _check_output(out, overwrite)
    columns = [str(c) for c in source.columns]
    missing_keep = [c for c in keep_columns if c not in columns]
    if missing_keep:
        raise DataError(f"keep_columns {missing_keep} are not columns of the Dask DataFrame (it has: "
                        f"{', '.join(columns[:30])})", column=missing_keep[0])
    missing = [c for c in pkg.schema.names if c not in columns]
    if missing:  # known from the DataFrame's metadata: refuse before any partition is computed
        raise SchemaError(f"the Dask DataFrame lacks column(s) {missing} the model needs (it needs: "
                          f"{', '.join(pkg.schema.names)})", column=missing[0])

    t0 = time.perf_counter()
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.partial")
    score = dask.delayed(_score_partition, nout=2, pure=True)
    writes, outcomes, offsets = [], [], []
    offset: Any = 0
    for i, part in enumerate(source.to_delayed()):
        scored, outcome = score(part, i, str(directory), digest, tuple(keep_columns), stamp, odd_values)
        writes.append(dask.delayed(_write_partition, pure=True)(scored, offset, i, str(staging)))
        outcomes.append(outcome)
        offsets.append(offset)
        offset = dask.delayed(_next_offset, pure=True)(offset, dask.delayed(_rows, pure=True)(outcome))
    staging.mkdir()
    try:
        try:
            written, checks, firsts = dask.compute(writes, outcomes, offsets)
        except MLToolkitError as exc:  # raised on a worker: the same error, without the remote traceback
            raise type(exc)(exc.message, **exc.facts) from None
        except Exception as exc:
            if _lost_worker(exc):
                raise DataError(f"the Dask cluster failed the computation ({type(exc).__name__}: {exc}); workers "
                                "were lost more often than the scheduler retries (distributed.scheduler."
                                "allowed-failures). Nothing was written; check the workers' memory limits and run "
                                "again", parameter="source") from None
            raise
        rows = sum(written)
        n_input = sum(check["rows"] for check in checks)
        if n_input == 0:
            raise DataError("the Dask DataFrame has no rows; nothing to score", parameter="source")
        for leftover in staging.glob(".*.tmp"):  # from attempts on workers that were lost mid-write
            leftover.unlink(missing_ok=True)
        if rows:
            open_dataset(staging)  # every partition's file is readable and they share one schema
        set_aside_output = _write_set_aside(
            [check["set_aside"].assign(row=check["set_aside"]["row"] + first)
             for check, first in zip(checks, firsts) if check["set_aside"] is not None], out)
        if out.exists():  # overwrite=True, checked above
            _remove(out)
        staging.rename(out)
    except BaseException:  # leave nothing half-written, whatever went wrong
        _remove(staging)
        raise
    extra: dict[str, None] = {}
    unseen: dict[str, int] = {}
    new_missing: dict[str, int] = {}
    out_of_range: dict[str, int] = {}
    for check in checks:
        extra.update(dict.fromkeys(check["extra"]))
        for total, counts in ((unseen, check["unseen"]), (new_missing, check["new_missing"]),
                              (out_of_range, check["out_of_range"])):
            for k, v in counts.items():
                total[k] = total.get(k, 0) + v
    return BatchResult(output=str(out), rows=rows, chunks=sum(1 for n in written if n),
                       seconds=time.perf_counter() - t0, model_version=pkg.version, extra_columns=tuple(extra),
                       unseen_categories=unseen, new_missing=new_missing, out_of_range=out_of_range,
                       odd_values=odd_values, set_aside_rows=n_input - rows, set_aside_output=set_aside_output)
