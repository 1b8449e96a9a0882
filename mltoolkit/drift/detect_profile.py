"""``detect_drift`` against a reference profile, for current data of any size or engine."""
from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from mltoolkit.drift import stats as st
from mltoolkit.drift.batch_counts import BatchCounts, NumericCounts, count_batch
from mltoolkit.drift.profile_compare import categorical_arrays, numeric_from_counts
from mltoolkit.drift.reference import ColumnReference, ReferenceProfile, check_batch_schema
from mltoolkit.drift.result import ColumnDrift, DistributionSummary, DriftResult, SchemaChange
from mltoolkit.errors import ConfigError, DataError
from mltoolkit.stream import dask_head, first_rows, is_dask, is_streamable, map_reduce

__all__ = ["drift_from_profile", "count_current"]



def count_current(profile: ReferenceProfile, current: Any, columns: Sequence[str], *, batch_rows: int | None = None,
                  progress: bool = False, checked: Sequence[str] | None = None) -> tuple[BatchCounts, list[str]]:
    """Count ``current`` on the profile's edges; returns the counts and the extra columns ignored.

    Raises
    ------
    SchemaError
        The batch's columns or kinds do not match the profile.
    DataError
        The batch has no rows.
    """
    if isinstance(current, pd.DataFrame):
        head, label = current.head(10_000), "the current data"
    elif is_dask(current):
        head, label = dask_head(current), "the current Dask DataFrame"
    elif is_streamable(current):
        head, label = first_rows(current), str(current)
    else:
        raise ConfigError(f"cannot compare a {type(current).__name__}: pass a pandas DataFrame, a Parquet file or "
                          "directory, a pyarrow dataset or a Dask DataFrame", parameter="current")
    if len(head) == 0:
        raise DataError(f"{label} has no rows; drift needs rows on both sides", parameter="current")
    extra = check_batch_schema(profile, head, source=label, columns=checked if checked is not None else columns)
    cols = [profile.column(c) for c in columns]
    kinds = {c.name: c.kind for c in cols if c.kind in ("numeric", "datetime", "categorical", "boolean")}
    edges = {c.name: c.edges() for c in cols if c.kind in ("numeric", "datetime") and c.n > 0}
    counts = map_reduce(current, partial(count_batch, kinds=kinds, edges=edges), BatchCounts.merge, columns=list(kinds),
                        batch_rows=batch_rows, progress=progress, desc="current batches")
    return counts, extra


def _numeric(ref: ColumnReference, ref_rows: int, cur: NumericCounts, n_rows: int, test: str | None, threshold_of,
             small: int, seed: int = 0) -> ColumnDrift:
    from mltoolkit.drift.detect import choose_test

    base = dict(column=ref.name, kind="numeric", missing_reference=ref.n_missing / ref_rows,
                missing_current=cur.n_missing / n_rows if n_rows else 0.0, n_reference=ref.n, n_current=cur.n)
    test = test or choose_test("numeric", ref.n, cur.n, small_sample=small)
    if test not in st.NUMERIC_TESTS:
        raise ConfigError(f"test {test!r} does not apply to numeric column {ref.name!r}; use one of "
                          f"{', '.join(st.NUMERIC_TESTS)}", column=ref.name, parameter="tests")
    threshold = threshold_of(test, ref.name)
    if cur.n == 0:
        return ColumnDrift(test=test, statistic=None, p_value=None, threshold=threshold, drifted=True, score=1.0,
                           reason="no values in current data (all missing)", **base)
    summary = DistributionSummary(tuple(ref.js_edges), (), tuple((np.asarray(ref.js_counts) / ref.n).tolist()),
                                  tuple((cur.js / cur.n).tolist()))
    statistic, p_value = numeric_from_counts(test, ref, cur, seed)
    drifted, score = st.verdict(statistic, p_value, threshold)
    return ColumnDrift(test=test, statistic=statistic, p_value=p_value, threshold=threshold, drifted=drifted,
                       score=score, summary=summary, **base)


def _categorical(ref: ColumnReference, ref_rows: int, cur: tuple[int, dict[str, int]], n_rows: int, test: str | None,
                 threshold_of, small: int) -> tuple[ColumnDrift, SchemaChange | None]:
    from mltoolkit.drift.detect import categorical_from_counts

    n_missing, counts = cur
    labels, c_ref, c_cur = categorical_arrays(ref, counts)
    missing = (ref.n_missing / ref_rows, n_missing / n_rows if n_rows else 0.0)
    return categorical_from_counts(ref.name, ref.kind, labels, c_ref, c_cur, missing, test, threshold_of, small)


def _skipped(ref: ColumnReference, ref_rows: int, reason: str) -> ColumnDrift:
    return ColumnDrift(column=ref.name, kind=ref.kind, test="skipped", statistic=None, p_value=None, threshold=0.0,
                       drifted=False, score=0.0, missing_reference=ref.n_missing / ref_rows,
                       missing_current=0.0, n_reference=ref.n, n_current=0, reason=reason)


def drift_from_profile(profile: ReferenceProfile, current: Any, *, columns: Sequence[str] | None,
                       tests: Mapping[str, str], thresholds: Mapping[str, float], alpha: float,
                       distance_threshold: float, drift_share: float, small_sample: int,
                       batch_rows: int | None = None, progress: bool = False, seed: int = 0) -> DriftResult:
    """Drift of ``current`` against ``profile`` (see :func:`mltoolkit.drift.detect_drift`).

    ``seed`` seeds the KS permutations of heavily tied columns, as on raw data
    (:func:`mltoolkit.drift.stats.ks_from_counts` decides for both).
    """
    from mltoolkit.drift.detect import _threshold

    t0 = time.perf_counter()
    wanted = list(columns) if columns is not None else profile.names
    unknown = [c for c in [*wanted, *tests, *thresholds] if c not in profile.names]
    if unknown:
        raise ConfigError(f"column(s) {', '.join(map(repr, dict.fromkeys(unknown)))} are not in the reference profile;"
                          f" its columns are: {', '.join(profile.names[:30])}", column=unknown[0], parameter="columns")
    refs = [profile.column(c) for c in wanted]
    # Datetime columns are compared only when a test is asked for, as on raw data.
    compare = [r for r in refs if (r.kind in ("numeric", "categorical", "boolean")
                                   or (r.kind == "datetime" and r.name in tests)) and r.n > 0]
    counts, extra = count_current(profile, current, [r.name for r in compare], batch_rows=batch_rows,
                                  progress=progress, checked=wanted)

    def threshold_of(test: str, col: str) -> float:
        return _threshold(test, col, thresholds, alpha, distance_threshold)

    results: list[ColumnDrift] = []
    changes = [SchemaChange("added", c, "in current data, not in the reference profile (not compared)")
               for c in extra]
    for ref in refs:
        if ref.kind == "datetime" and ref.name not in tests:
            results.append(_skipped(ref, profile.n_rows, "time column: it moves between periods by design; pass tests={column: 'ks'}"
                                         " to compare it as epoch seconds"))
        elif ref.kind in ("identifier", "text"):
            results.append(_skipped(ref, profile.n_rows, f"{ref.kind} column: not compared"))
        elif ref.n == 0:
            results.append(_skipped(ref, profile.n_rows, "no values in the reference (all missing)"))
        elif ref.name in counts.numeric:
            results.append(_numeric(ref, profile.n_rows, counts.numeric[ref.name], counts.n_rows, tests.get(ref.name), threshold_of,
                                    small_sample, seed))
        else:
            col, change = _categorical(ref, profile.n_rows, counts.categorical[ref.name], counts.n_rows, tests.get(ref.name),
                                       threshold_of, small_sample)
            results.append(col)
            if change is not None:
                changes.append(change)
    tested = [c for c in results if c.test != "skipped" or c.drifted]
    n_drifted = sum(c.drifted for c in tested)
    share = n_drifted / len(tested) if tested else 0.0
    return DriftResult(columns=tuple(results), schema_changes=tuple(changes), share_drifted=share,
                       n_drifted=n_drifted, n_tested=len(tested), drift_share=drift_share,
                       dataset_drift=bool(tested) and share >= drift_share, n_reference=profile.n_rows,
                       n_current=counts.n_rows, elapsed_seconds=time.perf_counter() - t0)
