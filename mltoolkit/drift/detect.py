"""``detect_drift``: does the current data still look like the reference data?"""
from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from mltoolkit.data.schema import Schema, check_unique_columns, infer_schema
from mltoolkit.drift import stats as st
from mltoolkit.drift.detect_profile import drift_from_profile
from mltoolkit.drift.reference import ReferenceProfile, build_reference, is_profile_path, kind_changed, load_reference
from mltoolkit.drift.result import ColumnDrift, DistributionSummary, DriftResult, SchemaChange
from mltoolkit.errors import ConfigError, DataError

__all__ = ["detect_drift", "choose_test", "compare_columns", "excluded_columns"]

_NUMERIC_KINDS = ("numeric",)
_CATEGORICAL_KINDS = ("categorical", "boolean")
_MAX_SUMMARY_CATEGORIES = 30
#: Fewer rows than this in the reference, or fewer distinct values, and no column is taken for a counter.
_COUNTER_MIN_ROWS = 20
_COUNTER_MIN_DISTINCT = 10


def _counter_reason(s: pd.Series) -> str | None:
    """Why ``s`` looks like an identifier or counter in the reference (row order or row numbers), or None."""
    if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
        return None
    values = s.dropna()
    if len(values) < _COUNTER_MIN_ROWS or values.nunique() < _COUNTER_MIN_DISTINCT:
        return None
    if values.is_monotonic_increasing or values.is_monotonic_decreasing:
        way = "increases" if values.is_monotonic_increasing else "decreases"
        return f"{way} row after row in the reference, like a counter or time index"
    whole = values.to_numpy(dtype=float)
    if values.is_unique and np.all(whole == np.round(whole)) and whole.max() - whole.min() < 2 * len(whole):
        return "holds a different whole number in every row of the reference, like row numbers or an id"
    return None


def excluded_columns(reference: pd.DataFrame | None, names: Sequence[str], *, time_column: str | None = None,
                     id_columns: Sequence[str] = (), keep: Sequence[str] = (),
                     kinds: Mapping[str, str] | None = None) -> dict[str, str]:
    """Columns of ``names`` left out of drift detection, with the reason (the one place this is decided).

    A time column and identifiers differ between any two periods by design,
    so comparing them (or letting a classifier learn from them) reports drift
    that says nothing about the data. Besides the declared ones, a numeric
    column of the ``reference`` that rises or falls row after row, or holds
    nearly consecutive whole numbers once each, is taken for an undeclared
    counter or id; columns in ``keep`` (a test asked for, the target) never are.

    Parameters
    ----------
    reference : pandas.DataFrame, optional
        The reference rows (None for a saved profile: declared columns only).
    names : sequence of str
        The columns under consideration.
    time_column : str, optional
    id_columns : sequence of str
    keep : sequence of str
        Columns never taken for counters.
    kinds : mapping, optional
        Kind of each reference column: only ``numeric`` ones can be counters
        (identifiers and times are left out by kind already).

    Returns
    -------
    dict
        Column name to the reason it is left out, in the order of ``names``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"day": range(100), "x": [1.0, 2.0] * 50, "customer": range(100, 0, -1)})
    >>> excluded_columns(df, list(df.columns), id_columns=["customer"])
    {'day': 'increases row after row in the reference, like a counter or time index; pass id_columns=[...] to say so, or tests={column: ...} to compare it anyway', 'customer': 'identifier (id_columns): not compared'}
    """
    out: dict[str, str] = {}
    for name in names:
        if name == time_column:
            out[name] = "time column (time_column): it moves between periods by design; not compared"
        elif name in id_columns:
            out[name] = "identifier (id_columns): not compared"
        elif reference is not None and name in reference.columns and name not in keep \
                and (kinds is None or kinds.get(name) == "numeric"):
            reason = _counter_reason(reference[name])
            if reason is not None:
                out[name] = f"{reason}; pass id_columns=[...] to say so, or tests={{column: ...}} to compare it anyway"
    return out


def choose_test(kind: str, n_reference: int, n_current: int, n_categories: int = 0, small_sample: int = 1000) -> str:
    """The automatic test for a column.

    Small samples (either side at most ``small_sample`` rows) get a p-value
    test: ``ks`` for numeric, ``ztest`` for two categories, ``chisquare`` for
    more. Larger samples get a distance, since with many rows p-values flag
    every trivial shift: ``wasserstein`` (normalized) for numeric,
    ``jensenshannon`` for categorical.
    """
    small = min(n_reference, n_current) <= small_sample
    if kind in _NUMERIC_KINDS:
        return "ks" if small else "wasserstein"
    if small:
        return "ztest" if n_categories == 2 else "chisquare"
    return "jensenshannon"


def _threshold(test: str, column: str, thresholds: Mapping[str, float], alpha: float, distance: float) -> float:
    if column in thresholds:
        return float(thresholds[column])
    return alpha if test in st.P_VALUE_TESTS else distance


def _numeric_drift(name: str, ref: pd.Series, cur: pd.Series, test: str | None, threshold_of, small: int,
                   seed: int) -> tuple[ColumnDrift, None]:
    r_all = pd.to_numeric(ref, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    c_all = pd.to_numeric(cur, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    # One sort per column and side; every statistic below reads the sorted values.
    r, c = np.sort(r_all[np.isfinite(r_all)]), np.sort(c_all[np.isfinite(c_all)])
    base = dict(column=name, kind="numeric", missing_reference=float(np.isnan(r_all).mean()) if r_all.size else 0.0,
                missing_current=float(np.isnan(c_all).mean()) if c_all.size else 0.0, n_reference=r.size, n_current=c.size)
    test = test or choose_test("numeric", r.size, c.size, small_sample=small)
    if test not in st.NUMERIC_TESTS:
        raise ConfigError(f"test {test!r} does not apply to numeric column {name!r}; use one of "
                          f"{', '.join(st.NUMERIC_TESTS)}", column=name, parameter="tests")
    threshold = threshold_of(test, name)
    if r.size == 0 or c.size == 0:
        side = "reference" if r.size == 0 else "current"
        return ColumnDrift(test=test, statistic=None, p_value=None, threshold=threshold, drifted=True, score=1.0,
                           reason=f"no values in {side} data (all missing)", **base), None
    edges = st.numeric_bins(r)
    summary = DistributionSummary(tuple(float(e) for e in edges), (), tuple(st.shares_sorted(r, edges).tolist()),
                                  tuple(st.shares_sorted(c, edges).tolist()))
    p_value = None
    if test == "ks":
        statistic, p_value = st.ks_test(r, c, seed)
    elif test == "wasserstein":
        statistic = st.wasserstein_norm(r, c, presorted=True)
    elif test == "psi":
        statistic = st.psi_numeric(r, c, presorted=True)
    else:
        statistic = st.js_numeric(r, c, edges, presorted=True)
    drifted, score = st.verdict(statistic, p_value, threshold)
    return ColumnDrift(test=test, statistic=statistic, p_value=p_value, threshold=threshold, drifted=drifted,
                       score=score, summary=summary, **base), None


def categorical_from_counts(name: str, kind: str, labels: list[str], c_ref: np.ndarray, c_cur: np.ndarray,
                            missing: tuple[float, float], test: str | None, threshold_of,
                            small: int) -> tuple[ColumnDrift, SchemaChange | None]:
    """Drift of a categorical column from aligned counts per category (raw data and profiles alike)."""
    k = len(labels)
    base = dict(column=name, kind=kind, missing_reference=missing[0], missing_current=missing[1],
                n_reference=int(c_ref.sum()), n_current=int(c_cur.sum()))
    new = [labels[i] for i in np.flatnonzero((c_ref == 0) & (c_cur > 0))]
    change = SchemaChange("new_categories", name, f"{len(new)} categor{'y' if len(new) == 1 else 'ies'} never seen in "
                          f"reference: {', '.join(repr(v) for v in new[:10])}{' ...' if len(new) > 10 else ''}") if new else None
    test = test or choose_test(kind, base["n_reference"], base["n_current"], k, small)
    if test not in st.CATEGORICAL_TESTS:
        raise ConfigError(f"test {test!r} does not apply to categorical column {name!r}; use one of "
                          f"{', '.join(st.CATEGORICAL_TESTS)}", column=name, parameter="tests")
    if test == "ztest" and k > 2:
        raise ConfigError(f"the z-test needs a binary column, but {name!r} has {k} categories; use 'chisquare'",
                          column=name, parameter="tests")
    threshold = threshold_of(test, name)
    if c_ref.sum() == 0 or c_cur.sum() == 0:
        side = "reference" if c_ref.sum() == 0 else "current"
        return ColumnDrift(test=test, statistic=None, p_value=None, threshold=threshold, drifted=True, score=1.0,
                           reason=f"no values in {side} data (all missing)", **base), change
    p_ref, p_cur = c_ref / c_ref.sum(), c_cur / c_cur.sum()
    order = np.argsort(-(c_ref + 1e-9 * c_cur), kind="stable")[:_MAX_SUMMARY_CATEGORIES]
    summary = DistributionSummary((), tuple(labels[i] for i in order), tuple(p_ref[order].tolist()),
                                  tuple(p_cur[order].tolist()))
    statistic, p_value = st.categorical_test(test, c_ref, c_cur)
    drifted, score = st.verdict(statistic, p_value, threshold)
    return ColumnDrift(test=test, statistic=statistic, p_value=p_value, threshold=threshold, drifted=drifted,
                       score=score, summary=summary,
                       reason=f"{len(new)} new categories" if new else "", **base), change


def _categorical_drift(name: str, kind: str, ref: pd.Series, cur: pd.Series, test: str | None, threshold_of,
                       small: int) -> tuple[ColumnDrift, SchemaChange | None]:
    n_r, n_c = len(ref), len(cur)
    pooled = pd.concat([ref, cur], ignore_index=True)
    if not (isinstance(ref.dtype, pd.StringDtype) and ref.dtype == cur.dtype):  # strings factorize as they are
        pooled = pooled.astype("object")  # mixed types: one category per value, whatever its side's dtype
    codes, uniques = pd.factorize(pooled, use_na_sentinel=True)
    k = len(uniques)
    r_codes, c_codes = codes[:n_r], codes[n_r:]
    c_ref = np.bincount(r_codes[r_codes >= 0], minlength=k).astype(np.float64)
    c_cur = np.bincount(c_codes[c_codes >= 0], minlength=k).astype(np.float64)
    missing = (float((r_codes < 0).mean()) if n_r else 0.0, float((c_codes < 0).mean()) if n_c else 0.0)
    return categorical_from_counts(name, kind, [str(u) for u in uniques], c_ref, c_cur, missing, test, threshold_of,
                                   small)


def _skipped(name: str, kind: str, ref: pd.Series, cur: pd.Series, reason: str, drifted: bool = False) -> ColumnDrift:
    return ColumnDrift(column=name, kind=kind, test="skipped", statistic=None, p_value=None, threshold=0.0,
                       drifted=drifted, score=1.0 if drifted else 0.0,
                       missing_reference=float(ref.isna().mean()) if len(ref) else 0.0,
                       missing_current=float(cur.isna().mean()) if len(cur) else 0.0,
                       n_reference=int(ref.notna().sum()), n_current=int(cur.notna().sum()), reason=reason)


def compare_columns(name: str, kind: str, ref: pd.Series, cur: pd.Series, *, test: str | None = None,
                    threshold: float | None = None, alpha: float = 0.05, distance_threshold: float = 0.1,
                    small_sample: int = 1000, seed: int = 0) -> tuple[ColumnDrift, SchemaChange | None]:
    """Drift of one column of a given kind (also for prediction and target drift)."""
    thresholds = {name: threshold} if threshold is not None else {}

    def threshold_of(t: str, col: str) -> float:
        return _threshold(t, col, thresholds, alpha, distance_threshold)

    if kind == "datetime":
        if test is None:
            return _skipped(name, kind, ref, cur, "time column: it moves between periods by design; "
                            "pass tests={column: 'ks'} to compare it as epoch seconds"), None
        # utc=True: zoned times compare as the same instants; naive ones are taken as UTC
        as_seconds = [pd.to_datetime(s, errors="coerce", utc=True).dt.tz_localize(None).astype("datetime64[ns]")
                      .astype("int64").where(s.notna()) / 1e9 for s in (ref, cur)]
        return _numeric_drift(name, as_seconds[0], as_seconds[1], test, threshold_of, small_sample, seed)
    if kind in ("identifier", "text"):
        return _skipped(name, kind, ref, cur, f"{kind} column: not compared"), None
    if kind in _NUMERIC_KINDS:
        return _numeric_drift(name, ref, cur, test, threshold_of, small_sample, seed)
    return _categorical_drift(name, kind, ref, cur, test, threshold_of, small_sample)


def _check_frame(df: object, which: str) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise ConfigError(f"the {which} data must be a pandas DataFrame, got {type(df).__name__}", parameter=which)
    check_unique_columns(df, f"the {which} data")
    if len(df) == 0 or df.shape[1] == 0:
        raise DataError(f"the {which} data is empty ({len(df)} rows x {df.shape[1]} columns); drift needs rows on "
                        "both sides", parameter=which)
    return df


def _check_declared(names: Sequence[str], target: str | None, time_column: str | None,
                    id_columns: Sequence[str]) -> None:
    for name, param in [(target, "target"), (time_column, "time_column"), *((c, "id_columns") for c in id_columns)]:
        if name is not None and name not in names:
            raise ConfigError(f"{param} {name!r} is in neither the reference nor the current data; columns are: "
                              f"{', '.join(map(str, names[:30]))}", column=name, parameter=param)


def _skipped_from_profile(profile: ReferenceProfile, name: str, reason: str) -> ColumnDrift:
    ref = profile.column(name)
    return ColumnDrift(column=name, kind=ref.kind, test="skipped", statistic=None, p_value=None, threshold=0.0,
                       drifted=False, score=0.0, missing_reference=ref.n_missing / profile.n_rows if profile.n_rows
                       else 0.0, missing_current=0.0, n_reference=ref.n, n_current=0, reason=reason)


def _check_tests(tests: Mapping[str, str]) -> None:
    bad_tests = {c: t for c, t in tests.items() if t not in set(st.NUMERIC_TESTS) | set(st.CATEGORICAL_TESTS)}
    if bad_tests:
        c, t = next(iter(bad_tests.items()))
        raise ConfigError(f"unknown test {t!r} for column {c!r}; tests are: "
                          f"{', '.join(sorted(set(st.NUMERIC_TESTS) | set(st.CATEGORICAL_TESTS)))}",
                          column=c, parameter="tests")


def detect_drift(
    reference: pd.DataFrame | ReferenceProfile | Any,
    current: pd.DataFrame | Any,
    *,
    columns: Sequence[str] | None = None,
    schema: Schema | None = None,
    current_schema: Schema | None = None,
    tests: Mapping[str, str] | None = None,
    thresholds: Mapping[str, float] | None = None,
    alpha: float = 0.05,
    distance_threshold: float = 0.1,
    drift_share: float = 0.5,
    small_sample: int = 1000,
    seed: int = 0,
    progress: bool = False,
    n_jobs: int = 2,
    batch_rows: int | None = None,
    target: str | None = None,
    time_column: str | None = None,
    id_columns: Sequence[str] = (),
) -> DriftResult:
    """Compare every column of ``current`` with ``reference``.

    Parameters
    ----------
    reference : DataFrame, ReferenceProfile, profile path, Parquet data or Dask DataFrame
        Training-time data, or its saved profile (:func:`build_reference`,
        ``mltoolkit reference``; a ``.json`` path is loaded).
    current : DataFrame, Parquet file or directory, pyarrow dataset or Dask DataFrame
        The batch to check. When both sides are DataFrames, statistics come from
        the raw values; otherwise the reference is (or becomes) a profile and
        the current data is counted on its bins, batch by batch (Parquet) or
        partition by partition on the cluster (Dask), with memory bounded by
        ``batch_rows`` (see :mod:`mltoolkit.drift.profile_compare` for how the
        two agree). A batch whose columns or kinds differ from a profile is
        refused with a :class:`SchemaError`.
    columns : sequence of str, optional
        Columns to compare (default: every column of either side).
    schema : Schema, optional
        Column kinds; inferred from the reference when not given.
    current_schema : Schema, optional
        The current data's kinds when already read (drift per chunk reads the
        whole batch once); inferred from ``current`` otherwise, keeping the
        kinds declared in ``schema``.
    tests : mapping, optional
        Test per column overriding the automatic choice (see
        :func:`choose_test` and :mod:`mltoolkit.drift.stats`).
    thresholds : mapping, optional
        Threshold per column: a p-value level for p-value tests, a distance otherwise.
    alpha : float, default 0.05
        Level of the p-value tests.
    distance_threshold : float, default 0.1
        Threshold of the distance measures.
    drift_share : float, default 0.5
        The dataset has drifted when at least this share of compared columns drifted.
    small_sample : int, default 1000
        Up to this many rows on either side, p-value tests are used.
    seed : int, default 0
        Seed of the KS tie-breaking.
    progress : bool, default False
        Progress bar over the columns.
    n_jobs : int, default 2
        Threads comparing columns in parallel (numpy releases the GIL while sorting).
    batch_rows : int, optional
        Rows per batch when streaming.
    target : str, optional
        The label column: compared like the others, but left out of the share
        of drifted columns and judged on its own (``DriftResult.target_drifted``).
    time_column : str, optional
        Left out (listed as skipped, with the reason): time moves between
        periods by design.
    id_columns : sequence of str
        Identifiers, left out likewise. Numeric columns of a raw reference that
        rise or fall row after row, or hold nearly consecutive whole numbers
        once each, are left out too, as undeclared counters or ids (see
        :func:`excluded_columns`); a test in ``tests`` keeps a column in.

    Returns
    -------
    DriftResult

    Raises
    ------
    DataError
        Either side is empty.
    ConfigError
        Unknown columns, tests or thresholds.

    Examples
    --------
    >>> from mltoolkit.data import make_trial_conversion
    >>> ref, cur = make_trial_conversion(3000), make_trial_conversion(3000, seed=1, drift=1.0)
    >>> sorted(detect_drift(ref, cur).drifted_columns)
    ['days_in_trial', 'location', 'website_visits']
    """
    t0 = time.perf_counter()
    if not 0 < alpha < 1:
        raise ConfigError(f"alpha must be between 0 and 1, got {alpha}", parameter="alpha")
    tests, thresholds, id_columns = dict(tests or {}), dict(thresholds or {}), list(id_columns)
    keep = [*tests, *([target] if target else [])]
    if not (isinstance(reference, pd.DataFrame) and isinstance(current, pd.DataFrame)):
        _check_tests(tests)
        if isinstance(reference, pd.DataFrame):
            _check_frame(reference, "reference")
        if isinstance(current, pd.DataFrame):
            _check_frame(current, "current")
        if isinstance(reference, ReferenceProfile):
            profile = reference
        elif is_profile_path(reference):
            profile = load_reference(reference)
        else:
            profile = build_reference(reference, schema=schema, batch_rows=batch_rows, progress=progress)
        wanted = list(columns) if columns is not None else profile.names
        _check_declared([*profile.names, *(map(str, current.columns) if isinstance(current, pd.DataFrame) else ())],
                        target, time_column, id_columns)
        left_out = excluded_columns(reference if isinstance(reference, pd.DataFrame) else None,
                                    [c for c in wanted if c in profile.names], time_column=time_column,
                                    id_columns=id_columns, keep=keep,
                                    kinds={c: profile.column(c).kind for c in profile.names})
        result = drift_from_profile(profile, current, columns=[c for c in wanted if c not in left_out], tests=tests,
                                    thresholds=thresholds, alpha=alpha, distance_threshold=distance_threshold,
                                    drift_share=drift_share, small_sample=small_sample, batch_rows=batch_rows,
                                    progress=progress)
        by_name = {c.column: c for c in result.columns}
        by_name.update((c, _skipped_from_profile(profile, c, reason)) for c, reason in left_out.items())
        return DriftResult.from_columns([by_name[c] for c in wanted if c in by_name], result.schema_changes, drift_share=drift_share,
                                        n_reference=result.n_reference, n_current=result.n_current, target=target,
                                        elapsed_seconds=time.perf_counter() - t0)
    reference, current = _check_frame(reference, "reference"), _check_frame(current, "current")
    all_cols = list(dict.fromkeys([*map(str, reference.columns), *map(str, current.columns)]))
    wanted = list(columns) if columns is not None else all_cols
    _check_declared(all_cols, target, time_column, id_columns)
    unknown = [c for c in [*wanted, *tests, *thresholds] if c not in all_cols]
    if unknown:
        raise ConfigError(f"column(s) {', '.join(map(repr, dict.fromkeys(unknown)))} are in neither the reference nor "
                          f"the current data; columns are: {', '.join(all_cols[:30])}", column=unknown[0],
                          parameter="columns")
    _check_tests(tests)
    changes: list[SchemaChange] = []
    common = [c for c in wanted if c in reference.columns and c in current.columns]
    for c in wanted:
        if c not in current.columns:
            changes.append(SchemaChange("removed", c, "in reference, missing from current data"))
        elif c not in reference.columns:
            changes.append(SchemaChange("added", c, "in current data, not in reference"))
    ref_schema = schema or infer_schema(reference[common])
    # Kinds the user declared (overrides in ``schema``) hold for the current data too; the rest is read as it comes,
    # so a real change of type shows.
    declared = {c.name: c.kind for c in (schema.columns if schema is not None else ())
                if c.overridden and c.name in common}
    cur_schema = current_schema if current_schema is not None else infer_schema(current[common], overrides=declared)
    left_out = excluded_columns(reference, common, time_column=time_column, id_columns=id_columns, keep=keep,
                                kinds={c: ref_schema.kind(c) for c in common})

    def one(name: str) -> tuple[ColumnDrift, SchemaChange | None]:
        kind, cur_kind = ref_schema.kind(name), cur_schema.kind(name)
        ref_s, cur_s = reference[name], current[name]
        if name in left_out:
            return _skipped(name, kind, ref_s, cur_s, left_out[name]), None
        if cur_s.notna().any() and ref_s.notna().any() and kind_changed(kind, cur_kind, cur_s, _NUMERIC_KINDS):
            detail = f"{kind} in reference, {cur_kind} in current ({cur_s.dtype})"
            return _skipped(name, kind, ref_s, cur_s, f"type changed: {detail}", drifted=True), \
                SchemaChange("type_changed", name, detail)
        return compare_columns(name, kind, ref_s, cur_s, test=tests.get(name), threshold=thresholds.get(name),
                               alpha=alpha, distance_threshold=distance_threshold, small_sample=small_sample, seed=seed)

    with ThreadPoolExecutor(max_workers=max(1, n_jobs)) as pool:
        results = list(tqdm(pool.map(one, common), total=len(common), desc="drift", unit="col", disable=not progress))
    changes += [r[1] for r in results if r[1] is not None]
    return DriftResult.from_columns([r[0] for r in results], changes, drift_share=drift_share,
                                    n_reference=len(reference), n_current=len(current), target=target,
                                    elapsed_seconds=time.perf_counter() - t0)
