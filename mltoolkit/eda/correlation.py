"""Pairwise association with matrix algebra: Pearson, Spearman, Cramér's V, correlation ratio.

All families are computed for every pair at once from column matrices, never
with a Python loop over pairs of rows:

- Pearson uses pairwise-complete observations (like :meth:`pandas.DataFrame.corr`):
  with ``M`` the presence mask and ``X0`` the centred data with gaps set to 0,
  the pair sums are ``X0.T @ X0``, ``X0.T @ M`` and ``M.T @ M``.
- Spearman is Pearson on average ranks computed once per column over its
  non-missing values (equal to :func:`scipy.stats.spearmanr` when no values are
  missing; with gaps, ranks are not recomputed per pair).
- Cramér's V (without bias correction, as
  ``scipy.stats.contingency.association(method="cramer")``) from a sparse
  contingency table per categorical pair, built with one ``bincount``.
- The correlation ratio η between a numeric and a categorical column from
  group sums ``G.T @ X0`` with a sparse one-hot matrix ``G``.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp

__all__ = ["pearson_matrix", "spearman_matrix", "cramers_v_matrix", "correlation_ratio_matrix", "rank_columns"]


def pearson_matrix(X: np.ndarray) -> np.ndarray:
    """Pairwise-complete Pearson correlation of the columns of ``X`` (NaN = missing)."""
    X = np.asarray(X, dtype=np.float64)
    present = ~np.isnan(X)
    if present.all():
        Xc = X - X.mean(axis=0)
        cov = Xc.T @ Xc
        d = np.sqrt(np.diag(cov))
        with np.errstate(invalid="ignore", divide="ignore"):
            r = cov / np.outer(d, d)
    else:
        M = present.astype(np.float64)
        counts = present.sum(axis=0)
        col_mean = np.where(counts > 0, np.nansum(X, axis=0) / np.maximum(counts, 1), 0.0)
        X0 = X - col_mean            # centred first: fewer rounding errors in the sums below
        X0[~present] = 0.0
        del present
        n = M.T @ M
        sx = X0.T @ M                # sx[i, j]: sum of column i over rows where j is present too
        sxy = X0.T @ X0
        np.square(X0, out=X0)        # reuse the buffer: X0 now holds squares
        sxx = X0.T @ M
        del X0, M
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = sxy - sx * sx.T / n
            var_i = sxx - sx * sx / n
            r = cov / np.sqrt(var_i * var_i.T)
            r[n < 2] = np.nan
    r = np.clip(r, -1.0, 1.0)
    np.fill_diagonal(r, np.where(np.isnan(np.diag(r)), np.nan, 1.0))
    return r


def _rank_into(col: np.ndarray, out: np.ndarray) -> None:
    """Average ranks (1-based, ties averaged) of ``col`` written into ``out``; NaN stays NaN."""
    order = np.argsort(col, kind="quicksort")  # NaN sort last
    n_valid = int(np.count_nonzero(~np.isnan(col)))
    out.fill(np.nan)
    if n_valid == 0:
        return
    s = col[order[:n_valid]]
    new = np.empty(n_valid, dtype=bool)
    new[0] = True
    np.not_equal(s[1:], s[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], n_valid)
    out[order[:n_valid]] = np.repeat((starts + ends + 1) / 2.0, ends - starts)


def rank_columns(X: np.ndarray) -> np.ndarray:
    """Average ranks per column, NaN kept: one sort per column, columns sorted in parallel threads."""
    X = np.asarray(X, dtype=np.float64)
    ranks = np.empty_like(X, order="F")
    with ThreadPoolExecutor(max_workers=min(os.cpu_count() or 1, max(X.shape[1], 1))) as pool:
        list(pool.map(lambda j: _rank_into(np.ascontiguousarray(X[:, j]), ranks[:, j]), range(X.shape[1])))
    return ranks


def spearman_matrix(X: np.ndarray) -> np.ndarray:
    """Spearman correlation of the columns of ``X``: Pearson on ranks."""
    return pearson_matrix(rank_columns(X))


def cramers_v_matrix(codes: list[np.ndarray], sizes: list[int]) -> np.ndarray:
    """Cramér's V between categorical columns given as factorized codes (-1 = missing)."""
    k = len(codes)
    out = np.eye(k)
    for i in range(k):
        for j in range(i + 1, k):
            out[i, j] = out[j, i] = _cramers_v(codes[i], codes[j], sizes[i], sizes[j])
    return out


def _cramers_v(a: np.ndarray, b: np.ndarray, ka: int, kb: int) -> float:
    both = (a >= 0) & (b >= 0)
    if not both.all():
        a, b = a[both], b[both]
    n = a.size
    if n == 0 or ka < 2 or kb < 2:
        return float("nan")
    table = np.bincount(a.astype(np.int64) * kb + b, minlength=ka * kb)
    nz = np.flatnonzero(table)
    rows = np.bincount(a, minlength=ka).astype(np.float64)
    cols = np.bincount(b, minlength=kb).astype(np.float64)
    r_used, c_used = np.count_nonzero(rows), np.count_nonzero(cols)
    if r_used < 2 or c_used < 2:
        return float("nan")
    observed = table[nz].astype(np.float64)
    expected_inv = n / (rows[nz // kb] * cols[nz % kb])
    chi2 = n * (float(np.dot(observed * observed, expected_inv)) / n - 1.0)
    return float(np.sqrt(max(chi2, 0.0) / (n * (min(r_used, c_used) - 1))))


def correlation_ratio_matrix(X: np.ndarray, codes: list[np.ndarray], sizes: list[int]) -> np.ndarray:
    """Correlation ratio η of each numeric column (of ``X``) given each categorical column.

    Returns an array of shape (numeric, categorical); rows where either value is
    missing are left out of that pair.
    """
    X = np.asarray(X, dtype=np.float64)
    present = ~np.isnan(X)
    M = present.astype(np.float64)
    X0 = np.where(present, X, 0.0)
    out = np.full((X.shape[1], len(codes)), np.nan)
    n_rows = X.shape[0]
    for j, (c, k) in enumerate(zip(codes, sizes)):
        ok = c >= 0
        if k < 2 or not ok.any():
            continue
        G = sp.csr_matrix((np.ones(int(ok.sum())), (np.flatnonzero(ok), c[ok])), shape=(n_rows, k))
        cnt = np.asarray((G.T @ M))             # (k, p): rows per group present in each numeric column
        s1 = np.asarray((G.T @ X0))             # group sums
        s2 = np.asarray((G.T @ (X0 * X0)))      # group sums of squares
        n = cnt.sum(axis=0)
        total = s1.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            ss_total = s2.sum(axis=0) - total * total / n
            ss_between = np.nansum(np.where(cnt > 0, s1 * s1 / cnt, 0.0), axis=0) - total * total / n
            eta = np.sqrt(np.clip(ss_between / ss_total, 0.0, 1.0))
        eta[(n < 2) | ~(ss_total > 0)] = np.nan
        out[:, j] = eta
    return out
