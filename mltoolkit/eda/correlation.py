"""Rules shared by every association measure, Cramér's V, and the pair sums of the streamed profile.

The numeric measures of an in-memory profile (Pearson, Spearman, the
correlation ratio) are computed from the centred numeric block, see
:mod:`mltoolkit.eda.numeric_block`; the streamed profile merges the pair sums
of :func:`_pair_sums_dense` / :func:`_pair_sums_sparse_gaps` over batches
(:mod:`mltoolkit.eda.stream_assoc`). Pearson uses pairwise-complete
observations (like :meth:`pandas.DataFrame.corr`): with ``M`` the presence
mask and ``X0`` the centred data with gaps set to 0, the pair sums are
``X0.T @ X0``, ``X0.T @ M`` and ``M.T @ M``; when few cells are missing the
terms with ``M`` are the column totals less the few gap rows.

Cramér's V (without bias correction, as
``scipy.stats.contingency.association(method="cramer")``) comes from a sparse
contingency table per categorical pair, built with one ``bincount``.

Every measure needs at least :data:`MIN_PAIR_ROWS` rows where both columns are
present; a pair with fewer gets no value (NaN), not a number read off a
handful of rows (a correlation ratio of 1.00 between a column that is 96%
missing and another said nothing about either). The correlation ratio also
needs more rows than groups (:func:`too_few_rows`): with one row per group it
is 1 by construction.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["MIN_PAIR_ROWS", "cramers_v_matrix", "too_few_rows"]


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
    key = np.multiply(a, kb, dtype=np.int64)
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
