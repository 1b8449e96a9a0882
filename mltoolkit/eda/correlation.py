"""Pairwise association with matrix algebra: Pearson, Spearman, Cramér's V, correlation ratio.

All families are computed for every pair at once from column matrices, never
with a Python loop over pairs of rows:

- Pearson uses pairwise-complete observations (like :meth:`pandas.DataFrame.corr`):
  with ``M`` the presence mask and ``X0`` the centred data with gaps set to 0,
  the pair sums are ``X0.T @ X0``, ``X0.T @ M`` and ``M.T @ M``. When few cells
  are missing, the terms with ``M`` come from a sparse matrix of the gaps, so
  wide data costs one dense product instead of four.
- Spearman is Pearson on average ranks computed once per column over its
  non-missing values (equal to :func:`scipy.stats.spearmanr` when no values are
  missing; with gaps, ranks are not recomputed per pair).
- Cramér's V (without bias correction, as
  ``scipy.stats.contingency.association(method="cramer")``) from a sparse
  contingency table per categorical pair, built with one ``bincount``.
- The correlation ratio η between a numeric and a categorical column from
  group sums ``G.T @ X0`` with a sparse one-hot matrix ``G``.

Every measure needs at least :data:`MIN_PAIR_ROWS` rows where both columns are
present; a pair with fewer gets no value (NaN), not a number read off a
handful of rows (a correlation ratio of 1.00 between a column that is 96%
missing and another said nothing about either). The correlation ratio also
needs more rows than groups: with one row per group it is 1 by construction.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp

__all__ = ["MIN_PAIR_ROWS", "pearson_matrix", "pearson_with", "pearson_pairs", "strongest_pairs", "spearman_matrix", "cramers_v_matrix", "correlation_ratio_matrix", "rank_columns"]


#: Rows where both columns are present below which a pair gets no association value (Pearson, Spearman,
#: Cramér's V, correlation ratio; in memory, streamed and against the target). With 30 rows the standard error
#: of a Pearson r near 0 is about 0.19: values from fewer rows are noise presented as a finding.
MIN_PAIR_ROWS = 30

#: Share of present cells from which the pair sums correct for the few gaps with a sparse matrix.
_SPARSE_GAPS_FROM = 0.8


def _pair_sums_dense(X0: np.ndarray, present: np.ndarray) -> tuple[np.ndarray, ...]:
    """Counts, sums, sums of squares and cross products over pairwise-complete rows, four dense products."""
    M = present.astype(X0.dtype)
    n = M.T @ M
    sx = X0.T @ M                # sx[i, j]: sum of column i over rows where j is present too
    sxy = X0.T @ X0
    sxx = np.square(X0).T @ M
    return n, sx, sxx, sxy


def _pair_sums_sparse_gaps(X0: np.ndarray, present: np.ndarray) -> tuple[np.ndarray, ...]:
    """The same sums when few cells are missing: one dense product and sparse corrections (``X0`` is overwritten).

    With ``Z`` the sparse indicator of missing cells (``M = 1 - Z``):
    ``M.T @ M = N - z - z.T + Z.T @ Z`` and ``X0.T @ M = colsum(X0) - X0.T @ Z``
    (``X0`` is 0 where missing), so only ``X0.T @ X0`` costs rows x columns²
    (and numpy computes it with a symmetric rank-k update).
    """
    n_rows = X0.shape[0]
    cols, rows = np.nonzero(~present.T)  # row-major walk of a column-major mask: transpose first
    Zt = sp.csr_matrix((np.ones(rows.size, dtype=X0.dtype), (cols, rows)), shape=(X0.shape[1], n_rows))
    z = np.bincount(cols, minlength=X0.shape[1]).astype(np.float64)
    n = n_rows - z[:, None] - z[None, :] + (Zt @ Zt.T).toarray().astype(np.float64)
    sx = X0.sum(axis=0)[:, None] - (Zt @ X0).T
    sxy = X0.T @ X0
    np.square(X0, out=X0)        # reuse the buffer: X0 now holds squares
    sxx = X0.sum(axis=0)[:, None] - (Zt @ X0).T
    return n, sx, sxx, sxy


def pearson_matrix(X: np.ndarray, *, dtype: type = np.float64) -> np.ndarray:
    """Pairwise-complete Pearson correlation of the columns of ``X`` (NaN = missing).

    ``dtype=numpy.float32`` computes the products in single precision (about
    five times faster here, error around 1e-5): for screening, see :func:`strongest_pairs`.
    """
    X = np.asarray(X, dtype=np.float64)
    present = ~np.isnan(X)
    if present.all():
        Xc = np.subtract(X, X.mean(axis=0), dtype=dtype)
        cov = (Xc.T @ Xc).astype(np.float64)
        d = np.sqrt(np.diag(cov))
        with np.errstate(invalid="ignore", divide="ignore"):
            r = cov / np.outer(d, d)
        if X.shape[0] < MIN_PAIR_ROWS:
            r[:] = np.nan
    else:
        counts = present.sum(axis=0)
        col_mean = np.where(counts > 0, np.nansum(X, axis=0) / np.maximum(counts, 1), 0.0)
        # Centred first (fewer rounding errors in the sums below), row-major for the sparse products.
        X0 = np.subtract(X, col_mean, order="C", dtype=dtype)
        X0[~present] = 0.0
        if counts.sum() >= _SPARSE_GAPS_FROM * X.size:
            sums = _pair_sums_sparse_gaps(X0, present)
        else:
            sums = _pair_sums_dense(X0, present)
        n, sx, sxx, sxy = (np.asarray(a, dtype=np.float64) for a in sums)
        del X0, present, sums
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = sxy - sx * sx.T / n
            var_i = sxx - sx * sx / n
            r = cov / np.sqrt(var_i * var_i.T)
            r[n < MIN_PAIR_ROWS] = np.nan
    r = np.clip(r, -1.0, 1.0)
    np.fill_diagonal(r, np.where(np.isnan(np.diag(r)), np.nan, 1.0))
    return r


def pearson_pairs(X: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Pairwise-complete Pearson r of the column pairs ``(i[k], j[k])`` of ``X``, in double precision."""
    out = np.full(len(i), np.nan)
    for k, (a, b) in enumerate(zip(i, j)):  # a few hundred pairs at most: each one vectorized over rows
        x, y = X[:, a], X[:, b]
        ok = ~(np.isnan(x) | np.isnan(y))
        if not ok.all():
            x, y = x[ok], y[ok]
        if x.size < MIN_PAIR_ROWS:
            continue
        xc, yc = x - x.mean(), y - y.mean()
        den = np.sqrt(np.dot(xc, xc) * np.dot(yc, yc))
        if den > 0:
            out[k] = np.clip(np.dot(xc, yc) / den, -1.0, 1.0)
    return out


def strongest_pairs(X: np.ndarray, limit: int, margin: float = 1e-3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``limit`` column pairs of ``X`` with the largest ``|Pearson r|``, their r exact.

    For wide data, where the full matrix is not kept: a single-precision matrix
    (error far below ``margin``) screens the pairs, and every pair within
    ``margin`` of the ``limit``-th strongest is recomputed in double precision
    (at most ``20 * limit`` of them) before the final choice.

    Returns
    -------
    i, j, r : numpy.ndarray
        Column indices (``i < j``) and exact correlations, strongest first.
    """
    approx = pearson_matrix(X, dtype=np.float32)
    i, j = np.triu_indices(approx.shape[0], k=1)
    values = np.abs(approx[i, j])
    del approx
    ok = np.isfinite(values)
    i, j, values = i[ok], j[ok], values[ok]
    if values.size == 0:
        return i, j, values
    order = np.argsort(-values, kind="stable")
    cut = values[order[min(limit, values.size) - 1]] - margin
    n_candidates = min(int(np.count_nonzero(values >= cut)), 20 * limit)
    cand = order[:max(n_candidates, min(limit, values.size))]
    r = pearson_pairs(X, i[cand], j[cand])
    keep = np.isfinite(r)
    cand, r = cand[keep], r[keep]
    best = np.argsort(-np.abs(r), kind="stable")[:limit]
    return i[cand[best]], j[cand[best]], r[best]


def pearson_with(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pairwise-complete Pearson r of each column of ``X`` with ``y`` (NaN = missing), without the full matrix.

    The same sums as :func:`pearson_matrix` restricted to the pairs with ``y``:
    a few matrix-vector products, linear in the size of ``X``.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    present = ~np.isnan(X)
    y_present = ~np.isnan(y)
    counts = present.sum(axis=0)
    X0 = X - np.where(counts > 0, np.nansum(X, axis=0) / np.maximum(counts, 1), 0.0)
    X0[~present] = 0.0
    y0 = np.where(y_present, y - (np.nanmean(y) if y_present.any() else 0.0), 0.0)
    yp = y_present.astype(np.float64)
    n = present.T @ yp
    sx = X0.T @ yp                   # sums of x over rows where y is present too
    sy = present.T @ y0              # sums of y over rows where x is present too
    sxy = X0.T @ y0
    sxx = np.square(X0).T @ yp
    syy = present.T @ (y0 * y0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (sxy - sx * sy / n) / np.sqrt((sxx - sx * sx / n) * (syy - sy * sy / n))
    r[n < MIN_PAIR_ROWS] = np.nan
    return np.clip(r, -1.0, 1.0)


def _rank_into(col: np.ndarray, out: np.ndarray) -> None:
    """Average ranks (1-based, ties averaged) of ``col`` written into ``out``; NaN stays NaN."""
    missing = np.isnan(col)
    # NaN sort last either way, but numpy's vectorized argsort takes only NaN-free input (a gap or two made
    # it four times slower); +inf stands in for NaN unless the column holds +inf itself.
    key = np.where(missing, np.inf, col) if missing.any() and not np.isposinf(col).any() else col
    order = np.argsort(key, kind="quicksort")
    n_valid = col.size - int(np.count_nonzero(missing))
    out.fill(np.nan)
    if n_valid == 0:
        return
    s = col[order[:n_valid]]
    new = np.empty(n_valid, dtype=bool)
    new[0] = True
    np.not_equal(s[1:], s[:-1], out=new[1:])
    if new.all():  # no ties (continuous values): the ranks are the positions
        out[order[:n_valid]] = np.arange(1.0, n_valid + 1.0)
        return
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
    # Category counts of the columns without gaps serve every pair they are in.
    complete = [bool(c.size == 0 or c.min() >= 0) for c in codes]
    counts = [np.bincount(c, minlength=s) if ok else None for c, s, ok in zip(codes, sizes, complete)]
    for i in range(k):
        for j in range(i + 1, k):
            margins = (counts[i], counts[j]) if complete[i] and complete[j] else None
            out[i, j] = out[j, i] = _cramers_v(codes[i], codes[j], sizes[i], sizes[j], margins)
    return out


def _cramers_v(a: np.ndarray, b: np.ndarray, ka: int, kb: int,
               margins: tuple[np.ndarray, np.ndarray] | None = None) -> float:
    if margins is None:
        both = (a >= 0) & (b >= 0)
        if not both.all():
            a, b = a[both], b[both]
    n = a.size
    if n < MIN_PAIR_ROWS or ka < 2 or kb < 2:
        return float("nan")
    key = a.astype(np.int64, copy=False) * kb
    key += b
    table = np.bincount(key, minlength=ka * kb)
    del key
    nz = np.flatnonzero(table)
    if margins is None:
        rows = np.bincount(a, minlength=ka).astype(np.float64)
        cols = np.bincount(b, minlength=kb).astype(np.float64)
    else:
        rows, cols = (m.astype(np.float64) for m in margins)
    r_used, c_used = np.count_nonzero(rows), np.count_nonzero(cols)
    if r_used < 2 or c_used < 2:
        return float("nan")
    observed = table[nz].astype(np.float64)
    expected_inv = n / (rows[nz // kb] * cols[nz % kb])
    chi2 = n * (float(np.dot(observed * observed, expected_inv)) / n - 1.0)
    return float(np.sqrt(max(chi2, 0.0) / (n * (min(r_used, c_used) - 1))))


def too_few_rows(n: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Where a correlation ratio gets no value: fewer than :data:`MIN_PAIR_ROWS` rows, or no more rows than groups."""
    return (n < MIN_PAIR_ROWS) | (n <= groups)


def correlation_ratio_matrix(X: np.ndarray, codes: list[np.ndarray], sizes: list[int]) -> np.ndarray:
    """Correlation ratio η of each numeric column (of ``X``) given each categorical column.

    Returns an array of shape (numeric, categorical); rows where either value is
    missing are left out of that pair, and a pair with too few rows left
    (:func:`too_few_rows`) is NaN.
    """
    X = np.asarray(X, dtype=np.float64)
    present = ~np.isnan(X)
    # Row-major: scipy's sparse @ dense would copy a column-major operand on every product.
    X0 = np.ascontiguousarray(np.where(present, X, 0.0))
    X0_sq = X0 * X0                            # once for every categorical column
    # Rows present per group and numeric column = group size - gaps of the group (gaps are few: sparse).
    gaps = sp.csc_matrix(~present).astype(np.float64) if not present.all() else None
    del present
    out = np.full((X.shape[1], len(codes)), np.nan)
    n_rows = X.shape[0]
    for j, (c, k) in enumerate(zip(codes, sizes)):
        ok = c >= 0
        if k < 2 or not ok.any():
            continue
        # One-hot rows straight into CSR (a row per data row, one entry or none): no COO conversion.
        indptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(ok, out=indptr[1:])
        G = sp.csr_matrix((np.ones(int(indptr[-1])), c[ok], indptr), shape=(n_rows, k))
        cnt = np.repeat(np.bincount(c[ok], minlength=k)[:, None].astype(np.float64), X.shape[1], axis=1)
        if gaps is not None:
            cnt -= (G.T @ gaps).toarray()      # (k, p): rows per group present in each numeric column
        s1 = np.asarray(G.T @ X0)              # group sums
        s2 = np.asarray(G.T @ X0_sq)           # group sums of squares
        n = cnt.sum(axis=0)
        total = s1.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            ss_total = s2.sum(axis=0) - total * total / n
            ss_between = np.nansum(np.where(cnt > 0, s1 * s1 / cnt, 0.0), axis=0) - total * total / n
            eta = np.sqrt(np.clip(ss_between / ss_total, 0.0, 1.0))
        eta[too_few_rows(n, (cnt > 0).sum(axis=0)) | ~(ss_total > 0)] = np.nan
        out[:, j] = eta
    return out
