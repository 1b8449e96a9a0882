"""Associations from merged sums: Pearson, correlation ratio and Cramér's V for the streaming profile.

- Pearson r from pairwise-complete sums (counts, sums, sums of squares and
  cross products of the shifted numeric block), as :meth:`mltoolkit.eda.numeric_block.NumericBlock.pearson`.
- The correlation ratio from per-category counts, sums and sums of squares.
- Cramér's V from merged crosstabs (:class:`mltoolkit.eda.stream_stats.Crosstab`).

Pairs with fewer than :data:`mltoolkit.eda.correlation.MIN_PAIR_ROWS` rows where
both are present get no value, as in memory.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mltoolkit.eda.correlation import MIN_PAIR_ROWS, too_few_rows
from mltoolkit.eda.profiling import MAX_CRAMERS_CATEGORIES, _matrix, _top_pairs
from mltoolkit.eda.result import CategoryCount, ColumnProfile, Correlations, FeatureAssociation, TargetAnalysis
from mltoolkit.eda.stream_pass import FirstPass, StreamPlan
from mltoolkit.eda.stream_stats import KeyedTable

__all__ = ["correlations_from_sums", "target_from_sums"]

_MAX_CLASSES = 20  # as mltoolkit.eda.target_analysis


def _names(names: list[str], limit: int = 20) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _category_order(table: KeyedTable) -> np.ndarray:
    """Most frequent first; ties in order of first appearance (as the in-memory profile)."""
    return np.argsort(-table.values, kind="stable")


def _pearson(stats: FirstPass, rows: list[int], cols: list[int]) -> np.ndarray:
    """Pairwise-complete Pearson r between numeric columns ``rows`` and ``cols`` from the merged pair sums."""
    ix = np.ix_(rows, cols)
    n, sx, sxy = stats.pair_n[ix], stats.pair_sx[ix], stats.pair_sxy[ix]
    sy = stats.pair_sx.T[ix]                  # sy[i, j]: sum of column j where column i is present too
    sxx, syy = stats.pair_sxx[ix], stats.pair_sxx.T[ix]
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy - sx * sy / n
        r = cov / np.sqrt((sxx - sx * sx / n) * (syy - sy * sy / n))
    r[n < MIN_PAIR_ROWS] = np.nan
    return np.clip(r, -1.0, 1.0)


def _eta(table: KeyedTable, cols: list[int]) -> np.ndarray:
    """Correlation ratio of numeric columns ``cols`` given the grouping of ``table`` (count, sum, sum of squares)."""
    cnt, s1, s2 = (table.values[:, i, :][:, cols] for i in range(3))
    n = cnt.sum(axis=0)
    total = s1.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ss_total = s2.sum(axis=0) - total * total / n
        ss_between = np.where(cnt > 0, s1 * s1 / np.where(cnt > 0, cnt, 1.0), 0.0).sum(axis=0) - total * total / n
        eta = np.sqrt(np.clip(ss_between / ss_total, 0.0, 1.0))
    eta[too_few_rows(n, (cnt > 0).sum(axis=0)) | ~(ss_total > 0)] = np.nan
    return eta


def correlations_from_sums(plan: StreamPlan, stats: FirstPass, columns: tuple[ColumnProfile, ...],
                           kinds: dict[str, str], matrix_limit: int) -> Correlations:
    """Pearson, correlation ratio and Cramér's V chosen as the in-memory profile does; Spearman left out (noted)."""
    by_name = {c.name: c for c in columns}
    numeric = [c for c in plan.numeric if by_name[c].n_distinct > 1]
    num_idx = [plan.numeric.index(c) for c in numeric]
    categorical = [c for c, k in kinds.items() if k in ("categorical", "boolean") and 1 < by_name[c].n_distinct]
    notes = ["Spearman correlation left out: it needs ranks over all rows, which streaming does not hold"]
    too_many = [c for c in categorical if by_name[c].n_distinct > MAX_CRAMERS_CATEGORIES]
    if too_many:
        notes.append(f"left out of categorical correlations (more than {MAX_CRAMERS_CATEGORIES:,} categories): "
                     + ", ".join(too_many))
        categorical = [c for c in categorical if c not in too_many]
    if len(categorical) > matrix_limit:
        notes.append(f"{len(categorical)} categorical columns exceed matrix_limit={matrix_limit}: Cramér's V computed "
                     f"for the first {matrix_limit}")
        categorical = categorical[:matrix_limit]
    groups = {g: t for g, t in zip(plan.groups, stats.groups)}
    unplanned = [c for c in categorical if groups.get(c) is None]
    if unplanned:
        notes.append("left out of correlation ratios and Cramér's V (too many categories for their tables, or "
                     "constant in the first rows used to plan them): " + _names(unplanned))
    matrices, pairs = [], []
    if numeric and categorical:
        eta = np.full((len(numeric), len(categorical)), np.nan)
        for j, c in enumerate(categorical):
            if groups.get(c) is not None:
                eta[:, j] = _eta(groups[c], num_idx)
        pairs += _top_pairs(eta, numeric, "correlation_ratio", symmetric=False, col_names=categorical)
    if len(numeric) >= 2:
        m = _pearson(stats, num_idx, num_idx)
        np.fill_diagonal(m, np.where(np.isnan(np.diag(m)), np.nan, 1.0))
        pairs += _top_pairs(m, numeric, "pearson")
        if len(numeric) <= matrix_limit:
            matrices.append(_matrix("pearson", numeric, m))
        else:
            notes.append(f"{len(numeric)} numeric columns exceed matrix_limit={matrix_limit}: "
                         "only the strongest pairs are kept")
    if len(categorical) >= 2:
        tables = {frozenset(p): t for p, t in zip(plan.pairs, stats.crosstabs)}
        m = np.eye(len(categorical))
        for i, a in enumerate(categorical):
            for j in range(i + 1, len(categorical)):
                t = tables.get(frozenset((a, categorical[j])))
                m[i, j] = m[j, i] = t.cramers_v() if t is not None else np.nan
        pairs += _top_pairs(m, categorical, "cramers_v")
        matrices.append(_matrix("cramers_v", categorical, m))
    pairs.sort(key=lambda p: -abs(p.value))
    return Correlations(tuple(matrices), tuple(pairs), matrix_limit, tuple(notes))


def target_from_sums(plan: StreamPlan, stats: FirstPass, columns: tuple[ColumnProfile, ...], kinds: dict[str, str],
                     target: str, target_dtype: Any, notes: list[str]) -> TargetAnalysis | None:
    """Target balance or distribution and each feature's association with it, from merged tables."""
    col = next(c for c in columns if c.name == target)
    kind = kinds[target]
    if kind not in ("numeric", "categorical", "boolean"):
        notes.append(f"target analysis left out: target {target!r} is a {kind} column")
        return None
    classification = kind != "numeric" or (pd.api.types.is_integer_dtype(target_dtype)
                                           and col.n_distinct <= _MAX_CLASSES)
    numeric = [c for c in plan.numeric if c != target]
    num_idx = [plan.numeric.index(c) for c in numeric]
    categorical = [c for c, k in kinds.items() if k in ("categorical", "boolean") and c != target]
    groups = {g: t for g, t in zip(plan.groups, stats.groups)}
    assoc: list[FeatureAssociation] = []
    balance: tuple[CategoryCount, ...] = ()
    minority = None
    target_stats = None
    left_out: list[str] = []
    if classification:
        k = plan.categorical.index(target)
        table = stats.counts[k]
        total = table.values.sum()
        order = _category_order(table)
        balance = tuple(CategoryCount(str(table.keys[i]), int(table.values[i]), float(table.values[i] / total))
                        for i in order)
        minority = float(table.values.min() / total) if total else None
        if stats.truncated[k]:
            notes.append(f"target {target!r} has more than {stats.max_categories:,} classes: balance shows the "
                         "most frequent only")
        if numeric:
            if groups.get(target) is not None:
                eta = _eta(groups[target], num_idx)
                assoc += [FeatureAssociation(c, "correlation_ratio", float(v)) for c, v in zip(numeric, eta)
                          if np.isfinite(v)]
            else:
                left_out += numeric
        tables = {frozenset(p): t for p, t in zip(plan.pairs, stats.crosstabs)}
        for c in categorical:
            t = tables.get(frozenset((c, target)))
            if t is None:
                left_out.append(c)
                continue
            v = t.cramers_v()
            if np.isfinite(v):
                assoc.append(FeatureAssociation(c, "cramers_v", v))
    else:
        target_stats = col.numeric
        t = plan.numeric.index(target)
        if numeric:
            r = _pearson(stats, num_idx, [t])[:, 0]
            assoc += [FeatureAssociation(c, "pearson", float(abs(v))) for c, v in zip(numeric, r) if np.isfinite(v)]
        for c in categorical:
            if groups.get(c) is None:
                left_out.append(c)
                continue
            v = _eta(groups[c], [t])[0]
            if np.isfinite(v):
                assoc.append(FeatureAssociation(c, "correlation_ratio", float(v)))
    if left_out:
        notes.append(f"association with target {target!r} left out (too many categories for a merged table): "
                     + _names(left_out))
    assoc.sort(key=lambda a: -a.value)
    return TargetAnalysis(column=target, task="classification" if classification else "regression", balance=balance,
                          minority_share=minority, numeric=target_stats, associations=tuple(assoc))
