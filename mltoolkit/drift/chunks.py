"""Drift over time: split the current data into chunks and compare each with the reference."""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from mltoolkit._serialize import to_jsonable
from mltoolkit.data.schema import infer_schema
from mltoolkit.drift.detect import detect_drift
from mltoolkit.drift.performance import actual_performance, estimate_performance
from mltoolkit.drift.reference import ReferenceProfile
from mltoolkit.errors import ConfigError

__all__ = ["ChunkDrift", "drift_by_chunk", "split_chunks"]


@dataclasses.dataclass(frozen=True)
class ChunkDrift:
    label: str
    start: str | None
    end: str | None
    n_rows: int
    share_drifted: float
    dataset_drift: bool
    drifted_columns: tuple[str, ...]
    scores: dict[str, float]  # per column drift score (see ColumnDrift.score)
    performance: dict[str, float | None] | None = None  # actual or estimated metrics of the chunk
    performance_estimated: bool = False
    target_drifted: bool = False  # the target's own verdict (see DriftResult.target_drifted)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def split_chunks(current: pd.DataFrame, time_column: str | None, freq: str | None,
                 chunk_size: int | None) -> Iterator[tuple[str, str | None, str | None, pd.DataFrame]]:
    """The chunks of ``current`` as ``(label, start, end, rows)``: by calendar period of ``time_column``, else by rows.

    The one chunking rule of monitoring: drift over time and performance over
    time cut the data the same way, so their chunks share labels.
    """
    if time_column is not None:
        if time_column not in current.columns:
            raise ConfigError(f"time column {time_column!r} is not in the current data; columns are: "
                              f"{', '.join(map(str, current.columns[:30]))}", column=time_column, parameter="time_column")
        times = pd.to_datetime(current[time_column], errors="coerce")
        if times.isna().all():
            raise ConfigError(f"time column {time_column!r} holds no readable dates", column=time_column,
                              parameter="time_column")
        periods = times.dt.to_period(freq or "W")
        for period, idx in current.groupby(periods, sort=True).groups.items():
            yield period.start_time.strftime("%Y-%m-%d"), period.start_time.isoformat(), period.end_time.isoformat(), \
                current.loc[idx]
        return
    size = chunk_size or max(1, len(current) // 10)
    for i, start in enumerate(range(0, len(current), size)):
        yield f"chunk {i + 1}", None, None, current.iloc[start:start + size]


def drift_by_chunk(
    reference: pd.DataFrame | ReferenceProfile,
    current: pd.DataFrame,
    *,
    time_column: str | None = None,
    freq: str = "W",
    chunk_size: int | None = None,
    min_rows: int = 30,
    target: str | None = None,
    proba_column: str | None = None,
    threshold: float = 0.5,
    **drift_kwargs: Any,
) -> list[ChunkDrift]:
    """Drift (and performance) of each chunk of ``current`` against ``reference``.

    Parameters
    ----------
    time_column, freq : str, optional
        Chunk by calendar period of this column (pandas frequency such as
        ``"D"``, ``"W"``, ``"M"``); otherwise by ``chunk_size`` rows (default:
        ten chunks).
    min_rows : int, default 30
        Chunks with fewer rows are left out (too few to test).
    target, proba_column : str, optional
        The target is judged apart from the features in each chunk
        (``target_drifted``). With a probability column, each chunk also gets
        its performance: actual when the target column has labels, estimated
        (CBPE) otherwise.
    **drift_kwargs
        Passed to :func:`mltoolkit.drift.detect_drift` (tests, thresholds,
        ``id_columns``, ...).
    """
    skip = [c for c in (time_column, proba_column) if c]
    profile = isinstance(reference, ReferenceProfile)
    ref_cols = [c for c in (reference.names if profile else reference.columns) if c not in skip]
    if not profile and drift_kwargs.get("schema") is None:
        # The reference is the same for every chunk: its kinds are read once, not once per chunk.
        drift_kwargs["schema"] = infer_schema(reference[ref_cols])
    if not profile and drift_kwargs.get("current_schema") is None:
        # So are the batch's: a change of type shows on the whole batch, the chunks only split it in time.
        # (Against a profile, the batch is read on the profile's bins: its kinds are not used.)
        schema = drift_kwargs.get("schema")
        declared = {c.name: c.kind for c in (schema.columns if schema is not None else ()) if c.overridden}
        cur_cols = [c for c in current.columns if c not in skip and c in ref_cols]
        drift_kwargs["current_schema"] = infer_schema(current[cur_cols], overrides={
            k: v for k, v in declared.items() if k in cur_cols})
    out = []
    for label, start, end, chunk in split_chunks(current, time_column, freq, chunk_size):
        if len(chunk) < min_rows:
            continue
        current_part = chunk[[c for c in chunk.columns if c not in skip]]
        chunk_target = target if target in current_part.columns else None
        result = detect_drift(reference, current_part, columns=[c for c in ref_cols if c in current_part.columns],
                              target=chunk_target, **drift_kwargs) if profile \
            else detect_drift(reference[ref_cols], current_part, target=chunk_target, **drift_kwargs)
        perf, estimated = None, False
        if proba_column is not None:
            proba = chunk[proba_column].to_numpy(dtype=float)
            labels = chunk[target] if target and target in chunk.columns else None
            if labels is not None and labels.notna().all():
                perf = actual_performance(labels.to_numpy(), proba, threshold)
            else:
                perf, estimated = estimate_performance(proba, threshold), True
        out.append(ChunkDrift(label, start, end, len(chunk), result.share_drifted, result.dataset_drift,
                              tuple(result.drifted_columns),
                              {c.column: float(c.score) for c in result.columns if np.isfinite(c.score)},
                              perf, estimated, result.target_drifted))
    return out
