"""Reference profiles: the statistics drift needs from the training data, computed once and saved.

A profile replaces the raw reference data when checking later batches (which
may be too large to keep, or not allowed in production). It is a JSON file:

``format``, ``version``
    ``"mltoolkit.reference-profile"`` and the format version (:data:`PROFILE_VERSION`).
``created_at``, ``mltoolkit_version``, ``source``
    When, by which mltoolkit, from what data.
``n_rows``, ``fingerprint``, ``schema``
    Row count, the data's fingerprint (``content_hash``: two 64-bit sums of the
    rows' hashes, the same for any batching or order of the rows;
    ``schema_hash``) and the column kinds.
``exact``
    True when built from data in memory (edges from exact quantiles); False
    when streamed (edges from a mergeable quantile sketch, ``rank_error`` bound).
``columns``
    Per column: ``name``, ``kind``, ``n`` (finite values), ``n_missing``;
    numeric and datetime (as POSIX seconds) columns add ``mean``, ``std``
    (population), ``min``, ``max``, ``grid`` (the reference's quantiles at 1,001
    evenly spaced probabilities and 501 evenly spaced values from minimum to
    maximum, repeated values dropped) with ``grid_counts``
    (values below, between and at/after the grid points) and ``grid_sums``
    (their sums), ``js_edges`` /
    ``js_counts`` (30 equal-width bins over the 0.5-99.5% range) and
    ``psi_edges`` / ``psi_counts`` (10 quantile bins); categorical and boolean
    columns add ``categories``: ``[value, count]`` pairs in order of first
    appearance. Identifier and text columns carry counts only.
``checksum``
    SHA-256 of everything else, to catch a corrupted or edited file.

Drift against a profile uses the same tests as against raw data. The binned
and categorical measures (PSI, Jensen-Shannon, chi-square, z-test, total
variation) are identical to those from the raw reference when the profile was
built in memory; KS and Wasserstein are computed on the quantile grid, within
about 0.002 of the raw statistic (see :mod:`mltoolkit.drift.profile_compare`).
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mltoolkit.data.schema import ColumnSchema, Schema, check_unique_columns, infer_schema
from mltoolkit.drift import stats as st
from mltoolkit.drift.batch_counts import (
    BatchCounts,
    NumericEdges,
    count_batch,
    numeric_values,
    row_hash_sums,
)
from mltoolkit.errors import ConfigError, DataError, SchemaError
from mltoolkit.stream import Moments, QuantileSketch, dask_head, first_rows, is_dask, is_streamable, map_reduce

__all__ = ["kind_changed", "ReferenceProfile", "ColumnReference", "build_reference", "load_reference", "open_reference", "PROFILE_FORMAT",
           "PROFILE_VERSION", "GRID_POINTS", "is_profile_path"]

PROFILE_FORMAT = "mltoolkit.reference-profile"
PROFILE_VERSION = 1
#: Quantile points of the grid on which KS and Wasserstein are computed from a profile.
GRID_POINTS = 1001
#: Evenly spaced points added to the grid between the reference's minimum and maximum.
EVEN_POINTS = 501
_NUMERIC = ("numeric", "datetime")
_CATEGORICAL = ("categorical", "boolean")


@dataclasses.dataclass(frozen=True)
class ColumnReference:
    """The reference statistics of one column (see the module docstring for the fields)."""

    name: str
    kind: str
    n: int
    n_missing: int
    mean: float | None = None
    std: float | None = None
    min: float | None = None
    max: float | None = None
    grid: tuple[float, ...] = ()
    grid_counts: tuple[int, ...] = ()
    grid_sums: tuple[float, ...] = ()
    js_edges: tuple[float, ...] = ()
    js_counts: tuple[int, ...] = ()
    psi_edges: tuple[float, ...] = ()
    psi_counts: tuple[int, ...] = ()
    categories: tuple[tuple[str, int], ...] = ()

    @property
    def has_values(self) -> bool:
        return self.n > 0

    def edges(self) -> NumericEdges:
        return NumericEdges(np.asarray(self.grid), np.asarray(self.js_edges), np.asarray(self.psi_edges))


@dataclasses.dataclass(frozen=True)
class ReferenceProfile:
    """Saved reference statistics; compare batches with ``detect_drift(profile, batch)``."""

    n_rows: int
    columns: tuple[ColumnReference, ...]
    schema: Schema
    fingerprint: dict[str, Any]
    exact: bool
    rank_error: float
    source: str = ""
    created_at: str = ""
    mltoolkit_version: str = ""

    def column(self, name: str) -> ColumnReference:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def to_dict(self) -> dict[str, Any]:
        body = {
            "format": PROFILE_FORMAT, "version": PROFILE_VERSION, "created_at": self.created_at,
            "mltoolkit_version": self.mltoolkit_version, "source": self.source, "n_rows": self.n_rows,
            "exact": self.exact, "rank_error": self.rank_error, "fingerprint": self.fingerprint,
            "schema": self.schema.to_dict(),
            "columns": [_column_dict(c) for c in self.columns],
        }
        body["checksum"] = _checksum(body)
        return body

    def save(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write the profile as JSON (atomically: a temporary file renamed into place).

        Raises
        ------
        ConfigError
            The file exists and ``overwrite`` is False.
        """
        path = Path(path)
        if path.exists() and not overwrite:
            raise ConfigError(f"{path} exists; pass overwrite=True (--overwrite) to replace it", path=str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.to_dict(), allow_nan=False, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)
        return path


def _column_dict(c: ColumnReference) -> dict[str, Any]:
    out: dict[str, Any] = {"name": c.name, "kind": c.kind, "n": c.n, "n_missing": c.n_missing}
    if c.kind in _NUMERIC and c.n:
        out.update(mean=c.mean, std=c.std, min=c.min, max=c.max, grid=list(c.grid), grid_counts=list(c.grid_counts),
                   grid_sums=list(c.grid_sums),
                   js_edges=list(c.js_edges), js_counts=list(c.js_counts), psi_edges=list(c.psi_edges),
                   psi_counts=list(c.psi_counts))
    elif c.kind in _CATEGORICAL:
        out["categories"] = [list(pair) for pair in c.categories]
    return out


def _checksum(body: Mapping[str, Any]) -> str:
    content = {k: v for k, v in body.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(content, sort_keys=True, allow_nan=False).encode()).hexdigest()


def open_reference(source: str | Path, **load_kwargs: Any) -> ReferenceProfile | pd.DataFrame:
    """The reference for monitoring: a saved profile (``.json``) or data read with :func:`mltoolkit.data.load`."""
    if is_profile_path(source):
        return load_reference(source)
    from mltoolkit.data import load

    return load(source, **load_kwargs)


def is_profile_path(obj: object) -> bool:
    """Whether ``obj`` names a saved profile (a ``.json`` file)."""
    return isinstance(obj, (str, Path)) and str(obj).lower().endswith(".json")


def load_reference(path: str | Path) -> ReferenceProfile:
    """Read a profile written by :meth:`ReferenceProfile.save`.

    Raises
    ------
    DataError
        The file is missing, not JSON, not a profile, corrupted (checksum
        mismatch), or of another format version (with how to rebuild it).
    """
    path = Path(path)
    rebuild = f"rebuild it from the reference data with `mltoolkit reference DATA --out {path}`"
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"reference profile {path} does not exist; {rebuild}", path=str(path)) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"reference profile {path} is corrupted (not valid JSON: {exc}); {rebuild}",
                        path=str(path)) from None
    if not isinstance(body, dict) or body.get("format") != PROFILE_FORMAT:
        raise DataError(f"{path} is not an mltoolkit reference profile (no format {PROFILE_FORMAT!r}); {rebuild}",
                        path=str(path))
    version = body.get("version")
    if version != PROFILE_VERSION:
        newer = isinstance(version, int) and version > PROFILE_VERSION
        hint = ("upgrade mltoolkit to read it" if newer else
                f"profiles changed format since; {rebuild}")
        raise DataError(f"reference profile {path} has format version {version} (written by mltoolkit "
                        f"{body.get('mltoolkit_version', '?')}); this mltoolkit reads version {PROFILE_VERSION}: "
                        f"{hint}", path=str(path))
    if body.get("checksum") != _checksum(body):
        raise DataError(f"reference profile {path} is corrupted or was edited (checksum mismatch); {rebuild}",
                        path=str(path))
    try:
        columns = tuple(ColumnReference(
            name=c["name"], kind=c["kind"], n=int(c["n"]), n_missing=int(c["n_missing"]),
            mean=c.get("mean"), std=c.get("std"), min=c.get("min"), max=c.get("max"),
            grid=tuple(c.get("grid", ())), grid_counts=tuple(c.get("grid_counts", ())),
            grid_sums=tuple(c.get("grid_sums", ())),
            js_edges=tuple(c.get("js_edges", ())), js_counts=tuple(c.get("js_counts", ())),
            psi_edges=tuple(c.get("psi_edges", ())), psi_counts=tuple(c.get("psi_counts", ())),
            categories=tuple((str(v), int(n)) for v, n in c.get("categories", ())),
        ) for c in body["columns"])
        return ReferenceProfile(
            n_rows=int(body["n_rows"]), columns=columns, schema=Schema.from_dict(body["schema"]),
            fingerprint=dict(body["fingerprint"]), exact=bool(body["exact"]), rank_error=float(body["rank_error"]),
            source=str(body.get("source", "")), created_at=str(body.get("created_at", "")),
            mltoolkit_version=str(body.get("mltoolkit_version", "")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError(f"reference profile {path} is corrupted (missing or bad field: {exc}); {rebuild}",
                        path=str(path)) from None


# ----------------------------------------------------------------------------- building


def _grid(quantiles: np.ndarray) -> np.ndarray:
    """Quantile points plus evenly spaced points between the extremes, repeated values dropped.

    Quantile points bound the reference mass between neighbours (1/1,000);
    the evenly spaced ones bound the width, which keeps the Wasserstein
    distance accurate where current data lands in a region the reference
    hardly covers (long tails, shifted data).
    """
    lo, hi = quantiles[0], quantiles[-1]
    return np.unique(np.concatenate([quantiles, np.linspace(lo, hi, EVEN_POINTS)]))


def _psi_edges(values: np.ndarray) -> np.ndarray:
    edges = np.unique(np.quantile(values, np.linspace(0, 1, 11)))
    return edges if edges.size >= 2 else np.array([edges[0] - 0.5, edges[0] + 0.5])


def _edges_from_quantiles(grid: np.ndarray, js_lo_hi: tuple[float, float], psi: np.ndarray) -> NumericEdges:
    lo, hi = js_lo_hi
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    psi = np.unique(psi)
    if psi.size < 2:
        psi = np.array([psi[0] - 0.5, psi[0] + 0.5])
    return NumericEdges(_grid(grid), np.linspace(lo, hi, 31), psi)


def _exact_edges(values: np.ndarray) -> NumericEdges:
    """Edges from the exact quantiles, computed as :mod:`mltoolkit.drift.stats` does on raw data."""
    return NumericEdges(_grid(np.quantile(values, np.linspace(0, 1, GRID_POINTS))), st.numeric_bins(values),
                        _psi_edges(values))


def _fingerprint(schema: Schema, n_rows: int, sums: tuple[int, int]) -> dict[str, Any]:
    content = hashlib.sha256(f"rows={n_rows};h1={sums[0]};h2={sums[1]}".encode()).hexdigest()
    schema_hash = hashlib.sha256(json.dumps(schema.to_dict(), sort_keys=True).encode()).hexdigest()
    return {"content_hash": content, "schema_hash": schema_hash, "n_rows": n_rows,
            "n_columns": len(schema.columns), "short": hashlib.sha256((content + schema_hash).encode()).hexdigest()[:12]}


def _columns(edges: Mapping[str, NumericEdges], counts: BatchCounts, kinds: Mapping[str, str],
             moments: Mapping[str, tuple[float, float, float, float]], names: Sequence[str],
             missing: Mapping[str, int], n_rows: int) -> tuple[ColumnReference, ...]:
    out = []
    for name in names:
        kind = kinds[name]
        if name in counts.numeric:
            c, e = counts.numeric[name], edges[name]
            mean, std, lo, hi = moments[name]
            out.append(ColumnReference(name, kind, c.n, c.n_missing, mean, std, lo, hi, tuple(e.grid.tolist()),
                                       tuple(c.grid.tolist()), tuple(c.grid_sums.tolist()), tuple(e.js.tolist()), tuple(c.js.tolist()),
                                       tuple(e.psi.tolist()), tuple(c.psi.tolist())))
        elif name in counts.categorical:
            miss, cats = counts.categorical[name]
            out.append(ColumnReference(name, kind, sum(cats.values()), miss, categories=tuple(cats.items())))
        else:  # identifier or text column, or a numeric column without a single value: counts only
            out.append(ColumnReference(name, kind, int(n_rows - missing[name]), int(missing[name])))
    return tuple(out)


def _pass_one(batch: pd.DataFrame, numeric: dict[str, str]) -> dict[str, Any]:
    X = np.column_stack([numeric_values(batch[c], k) for c, k in numeric.items()]) if numeric \
        else np.empty((len(batch), 0))
    return {"rows": len(batch), "hash": row_hash_sums(batch), "sketch": QuantileSketch.of(X, GRID_POINTS),
            "moments": Moments.of(X),
            "missing": {str(c): int(v) for c, v in batch.isna().sum().items()}}


def _merge_one(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    return {"rows": a["rows"] + b["rows"],
            "hash": ((a["hash"][0] + b["hash"][0]) % 2**64, (a["hash"][1] + b["hash"][1]) % 2**64),
            "sketch": a["sketch"].merge(b["sketch"]), "moments": a["moments"].merge(b["moments"]),
            "missing": {k: v + b["missing"][k] for k, v in a["missing"].items()}}


def build_reference(
    data: Any,
    *,
    columns: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    schema: Schema | None = None,
    schema_overrides: Mapping[str, str] | None = None,
    batch_rows: int | None = None,
    progress: bool = False,
    source: str = "",
) -> ReferenceProfile:
    """Compute the reference profile of ``data``.

    Parameters
    ----------
    data : DataFrame, Parquet path, pyarrow dataset or Dask DataFrame
        The reference (training) data. A DataFrame is profiled exactly; other
        sources are streamed in two passes (first moments and a mergeable
        quantile sketch to fix the bin edges, then exact counts on them), with
        memory bounded by ``batch_rows``.
    columns, exclude : sequence of str, optional
        Columns to keep / leave out (default: all).
    schema, schema_overrides : optional
        Column kinds; inferred (from the first 10,000 rows when streaming).
    batch_rows : int, optional
        Rows per batch when streaming.
    progress : bool, default False
        Progress bars over batches.
    source : str
        Where the data came from, recorded in the profile.

    Returns
    -------
    ReferenceProfile

    Raises
    ------
    DataError
        No rows, or an unreadable source.
    ConfigError
        Unknown columns.
    """
    from mltoolkit import __version__

    in_memory = isinstance(data, pd.DataFrame)
    if in_memory:
        check_unique_columns(data, "the reference data")
        head = data
    elif is_dask(data):
        head = dask_head(data)
    elif is_streamable(data):
        head = first_rows(data)
    else:
        raise ConfigError(f"cannot profile a {type(data).__name__}: pass a pandas DataFrame, a Parquet file or "
                          "directory, a pyarrow dataset or a Dask DataFrame", parameter="data")
    if len(head) == 0:
        raise DataError("the reference data has no rows; a profile needs data", parameter="data")
    names = [str(c) for c in head.columns]
    wanted = [c for c in (columns if columns is not None else names) if c not in set(exclude)]
    unknown = [c for c in [*wanted, *exclude] if c not in names]
    if unknown:
        raise ConfigError(f"column(s) {', '.join(map(repr, unknown))} are not in the reference data; columns are: "
                          f"{', '.join(names[:30])}", column=unknown[0], parameter="columns")
    if schema is None:
        schema = infer_schema(head[wanted], schema_overrides)
    else:
        schema = Schema(tuple(schema[c] if c in schema else ColumnSchema(c, "text", "object") for c in wanted))
    kinds = {c: schema.kind(c) for c in wanted}
    numeric = {c: k for c, k in kinds.items() if k in _NUMERIC}
    compared = {c: k for c, k in kinds.items() if k in _NUMERIC or k in _CATEGORICAL}

    if in_memory:
        frame = data[wanted]
        values = {c: numeric_values(frame[c], k) for c, k in numeric.items()}
        finite = {c: v[np.isfinite(v)] for c, v in values.items()}
        edges = {c: _exact_edges(v) for c, v in finite.items() if v.size}
        moments = {c: (float(np.mean(v)), float(np.std(v)), float(v.min()), float(v.max()))
                   for c, v in finite.items() if v.size}
        counts = count_batch(frame, compared, edges)
        sums = row_hash_sums(frame)
        n_rows, rank_error = len(frame), 0.0
        missing = {c: int(v) for c, v in frame.isna().sum().items()}
    else:
        first = map_reduce(data, partial(_pass_one, numeric=numeric), _merge_one, columns=wanted,
                           batch_rows=batch_rows, progress=progress, desc="reference: pass 1 of 2")
        sketch: QuantileSketch = first["sketch"]
        edges, moments = {}, {}
        probs = np.concatenate([np.linspace(0, 1, GRID_POINTS), [0.005, 0.995], np.linspace(0, 1, 11)])
        mom: Moments = first["moments"]
        std = mom.std(ddof=0)
        for j, c in enumerate(numeric):
            if mom.n[j] == 0:
                continue
            lo, hi = float(mom.min[j]), float(mom.max[j])
            q = sketch.quantiles(probs, j, lo, hi)
            edges[c] = _edges_from_quantiles(q[:GRID_POINTS], (q[GRID_POINTS], q[GRID_POINTS + 1]),
                                             q[GRID_POINTS + 2:])
            moments[c] = (float(mom.mean[j]), float(std[j]), lo, hi)
        counts = map_reduce(data, partial(count_batch, kinds=compared, edges=edges), BatchCounts.merge, columns=wanted,
                            batch_rows=batch_rows, progress=progress, desc="reference: pass 2 of 2")
        sums, n_rows, rank_error = first["hash"], first["rows"], sketch.rank_error
        missing = first["missing"]
    return ReferenceProfile(
        n_rows=int(n_rows), columns=_columns(edges, counts, kinds, moments, wanted, missing, n_rows), schema=schema, fingerprint=_fingerprint(schema, n_rows, sums),
        exact=in_memory, rank_error=float(rank_error), source=source,
        created_at=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"), mltoolkit_version=__version__,
    )


def kind_changed(before: str, after: str, values: pd.Series, numeric_kinds: Sequence[str]) -> bool:
    """Whether a column changed type between the reference (``before``) and a batch (``after``, its ``values``).

    The one rule of drift's schema checks (raw data and profiles): a change
    between a kind of ``numeric_kinds`` and another kind, except that
    identifiers and 0/1 flags read either way, and that numbers stay numbers:
    a count column holding only zeros in a batch is inferred boolean there,
    and is compared as the numeric column it is.
    """
    if (before in numeric_kinds) == (after in numeric_kinds):
        return False
    if (after if before in numeric_kinds else before) in ("identifier", "boolean"):
        return False
    return not (before in numeric_kinds and pd.api.types.is_numeric_dtype(values))


def check_batch_schema(profile: ReferenceProfile, head: pd.DataFrame, *, source: str = "the current data",
                       columns: Sequence[str] | None = None) -> list[str]:
    """Refuse a batch whose columns or kinds differ from the profile's; return the extra columns.

    Only ``columns`` (default: all of the profile's) are checked.

    Raises
    ------
    SchemaError
        Columns of the profile are missing from the batch, or a column's kind
        changed between numeric and categorical.
    """
    names = [str(c) for c in head.columns]
    checked = [profile.column(c) for c in (columns if columns is not None else profile.names)]
    missing = [c.name for c in checked if c.name not in names]
    problems = [f"missing column(s): {', '.join(map(repr, missing))}"] if missing else []
    present = [c.name for c in checked if c.name in names]
    if present and len(head):
        now = infer_schema(head[present])
        for col in checked:
            if col.name not in now or not head[col.name].notna().any() or col.n == 0:
                continue
            before, after = col.kind, now.kind(col.name)
            if kind_changed(before, after, head[col.name], _NUMERIC):
                problems.append(f"{col.name!r} was {before} in the reference and is {after} now "
                                f"({head[col.name].dtype})")
    if problems:
        raise SchemaError(f"{source} does not match the reference profile's schema: {'; '.join(problems)}. Fix the "
                          "batch, or rebuild the profile from data with the new schema (`mltoolkit reference`)",
                          column=(missing or [None])[0])
    return [c for c in names if c not in set(profile.names)]
