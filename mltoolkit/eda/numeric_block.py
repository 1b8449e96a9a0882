"""The numeric columns of a table as one centred float block: profiles, ranks and associations from one sort each.

:func:`profile_numeric_block` copies the numeric columns once into a
column-major float block and, per column (in parallel threads; numpy releases
the GIL), sorts it once (an ``argsort``): the sorted values give the column's
statistics, the order gives its average ranks for Spearman. The block is then
centred in place (each column minus the mean of its finite values, non-finite
cells set to 0), and so are the ranks (held in single precision, where they are
exact, up to 2**23 rows). Every association reads these two blocks and the rows
where each column is not finite (:attr:`NumericBlock.gaps`, usually few):

- Pearson with pairwise-complete rows (as :meth:`pandas.DataFrame.corr`), and
  Spearman as Pearson on ranks computed once per column over its finite
  values (:func:`scipy.stats.spearmanr` when nothing is missing): one product
  ``X0.T @ X0`` and, for the pair sums over rows where the other column is
  present, the column totals minus the few gap rows (see
  :mod:`mltoolkit.eda.correlation` for the algebra);
- the correlation ratio η against categorical columns from per-group sums
  (one ``bincount`` per pair);
- Pearson against one vector (a regression target), the same sums restricted
  to the pairs with it.

Infinite values are left out of every association, as missing ones are.
Centring first changes nothing but rounding (correlations are shift-invariant)
and keeps the sums well conditioned.
"""
from __future__ import annotations

import dataclasses
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mltoolkit.eda.column_stats import _sorted_stats, float_block
from mltoolkit.eda.correlation import (
    _SPARSE_GAPS_FROM,
    MIN_PAIR_ROWS,
    _pair_sums_sparse_gaps,
    too_few_rows,
)
from mltoolkit.eda.result import ColumnProfile

__all__ = ["NumericBlock", "profile_numeric_block"]

#: Cells (rows x columns) gathered at a time for the gap corrections of the pair sums.
_GATHER_CELLS = 1 << 22
#: Columns up to which the gap corrections gather the gap rows (beyond, sparse products on a row-major copy).
_GATHER_UP_TO_COLUMNS = 64
#: Cells widened to double precision at a time for the products of ranks held in single precision.
_GRAM_CELLS = 1 << 20
#: Ranks are held in single precision below this many rows: average ranks are multiples of 1/2 below 2**23,
#: exact in a float32 (half the memory of the second largest block).
_FLOAT32_RANKS_UP_TO = 1 << 23


@dataclasses.dataclass
class NumericBlock:
    """Numeric columns centred for association measures (see the module docstring).

    Attributes
    ----------
    names : list of str
        Column names, in block order.
    X0 : numpy.ndarray
        (rows, columns), column-major: value minus the column's mean over its
        finite values; 0 where the value is missing or infinite.
    R0 : numpy.ndarray or None
        The same for average ranks of the finite values (None when not asked for);
        single precision below 2**23 rows, where it holds them exactly.
    gaps : list of numpy.ndarray
        Per column, the sorted rows where it is missing or infinite.
    """

    names: list[str]
    X0: np.ndarray
    R0: np.ndarray | None
    gaps: list[np.ndarray]
    _counts: np.ndarray | None = dataclasses.field(default=None, repr=False)

    def columns(self, names: list[str]) -> NumericBlock:
        """The block restricted to ``names`` (no copy when they are all of it, in order)."""
        if names == self.names:
            return self
        where = {c: j for j, c in enumerate(self.names)}
        idx = [where[c] for c in names]
        return NumericBlock(list(names), self.X0[:, idx], None if self.R0 is None else self.R0[:, idx],
                            [self.gaps[j] for j in idx])

    def pearson(self, *, ranks: bool = False, dtype: type = np.float64) -> np.ndarray:
        """Pairwise-complete Pearson (Spearman with ``ranks=True``) matrix of the columns.

        ``dtype=numpy.float32`` computes the products in single precision, for screening.
        """
        X0 = self.R0 if ranks else self.X0
        if X0 is None:
            raise ValueError("this block holds no ranks; build it with ranks=True")
        n_rows, p = X0.shape
        z = np.array([g.size for g in self.gaps], dtype=np.float64)
        few_gaps = z.sum() <= (1 - _SPARSE_GAPS_FROM) * n_rows * p
        narrow = not z.any() or (few_gaps and p <= _GATHER_UP_TO_COLUMNS)
        if X0.dtype != dtype and not (narrow and dtype == np.float64):
            X0 = X0.astype(dtype, order="F")   # ranks held in single precision, read in double below when narrow
        if not narrow and few_gaps:
            # Wide: the gap rows times every column would be large; sparse products on a row-major copy.
            n, sx, sxx, sxy = (np.asarray(a, dtype=np.float64) for a in
                               _pair_sums_sparse_gaps(np.ascontiguousarray(X0), ~self._missing_mask()))
        else:
            sxy = _gram(X0)
            total = X0.sum(axis=0, dtype=np.float64)
            sx = np.repeat(total[:, None], p, axis=1)
            sxx = np.repeat(np.diag(sxy)[:, None], p, axis=1)
            if not z.any():
                n = np.full((p, p), float(n_rows))
            elif few_gaps:
                # The gap rows of a run of columns at once, every column of them: sums per gap owner subtracted
                # from the totals (runs bounded so the gathered rows stay small).
                for rows, starts, owners in self._gap_runs():
                    # Gathered along each (contiguous) column: a row-wise gather of a column-major block is slow.
                    sub = np.asarray(np.take(X0.T, rows, axis=1), dtype=np.float64)
                    sx[:, owners] -= np.add.reduceat(sub, starts, axis=1)
                    sxx[:, owners] -= np.add.reduceat(np.square(sub, out=sub), starts, axis=1)
                n = self._pair_counts()
            else:
                M = (~self._missing_mask()).astype(X0.dtype)
                n = np.asarray(M.T @ M, dtype=np.float64)
                sx = np.asarray(X0.T @ M, dtype=np.float64)
                sxx = np.asarray(np.square(X0).T @ M, dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = sxy - sx * sx.T / n
            var = sxx - sx * sx / n
            r = cov / np.sqrt(var * var.T)
        r[n < MIN_PAIR_ROWS] = np.nan
        r = np.clip(r, -1.0, 1.0)
        np.fill_diagonal(r, np.where(np.isnan(np.diag(r)), np.nan, 1.0))
        return r

    def pearson_pairs(self, i: np.ndarray, j: np.ndarray, *, ranks: bool = False) -> np.ndarray:
        """Pairwise-complete Pearson r of the column pairs ``(i[k], j[k])``, in double precision."""
        X0 = self.R0 if ranks else self.X0
        out = np.full(len(i), np.nan)
        for k, (a, b) in enumerate(zip(i, j)):  # a few hundred pairs at most: each one vectorized over rows
            x, y = X0[:, a].astype(np.float64, copy=False), X0[:, b].astype(np.float64, copy=False)
            if self.gaps[a].size or self.gaps[b].size:
                keep = np.ones(x.size, dtype=bool)
                keep[self.gaps[a]] = False
                keep[self.gaps[b]] = False
                x, y = x[keep], y[keep]
            if x.size < MIN_PAIR_ROWS:
                continue
            xc, yc = x - x.mean(), y - y.mean()
            den = np.sqrt(np.dot(xc, xc) * np.dot(yc, yc))
            if den > 0:
                out[k] = np.clip(np.dot(xc, yc) / den, -1.0, 1.0)
        return out

    def strongest_pairs(self, limit: int, *, ranks: bool = False,
                        margin: float = 1e-3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The ``limit`` pairs with the largest ``|r|``, screened in single precision, then exact.

        As :func:`mltoolkit.eda.correlation.strongest_pairs`: every pair within
        ``margin`` of the ``limit``-th strongest (at most ``20 * limit``) is
        recomputed in double precision before the final choice.
        """
        approx = self.pearson(ranks=ranks, dtype=np.float32)
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
        r = self.pearson_pairs(i[cand], j[cand], ranks=ranks)
        keep = np.isfinite(r)
        cand, r = cand[keep], r[keep]
        best = np.argsort(-np.abs(r), kind="stable")[:limit]
        return i[cand[best]], j[cand[best]], r[best]

    def correlation_ratio(self, codes: list[np.ndarray], sizes: list[int]) -> np.ndarray:
        """Correlation ratio η of each column given each categorical column (factorized codes, -1 = missing).

        Returns an array (columns, categorical); rows where either value is
        missing are left out of that pair, and a pair with too few rows left
        (:func:`mltoolkit.eda.correlation.too_few_rows`) is NaN.
        """
        X0 = self.X0
        p = X0.shape[1]
        out = np.full((p, len(codes)), np.nan)
        squares = np.einsum("ij,ij->j", X0, X0)
        with_gaps = [j for j in range(p) if self.gaps[j].size]
        for c_idx, (c, k) in enumerate(zip(codes, sizes)):
            ok = c >= 0
            if k < 2 or not ok.any():
                continue
            all_ok = bool(ok.all())
            # Missing categories go to an extra group k, dropped from the sums.
            cc = np.asarray(c if all_ok else np.where(ok, c, k), dtype=np.intp)  # bincount's own type, once
            s1 = np.empty((k, p))                                   # group sums of each column
            for j in range(p):
                s1[:, j] = np.bincount(cc, weights=X0[:, j], minlength=k + 1)[:k]
            cnt = np.repeat(np.bincount(cc, minlength=k + 1)[:k, None].astype(np.float64), p, axis=1)
            for j in with_gaps:                                     # rows per group where the column is finite
                cnt[:, j] -= np.bincount(cc[self.gaps[j]], minlength=k + 1)[:k]
            s2 = squares
            if not all_ok:
                lacking = np.take(X0.T, np.flatnonzero(~ok), axis=1)
                s2 = squares - np.einsum("ij,ij->i", lacking, lacking)
            n = cnt.sum(axis=0)
            total = s1.sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                ss_total = s2 - total * total / n
                ss_between = np.where(cnt > 0, s1 * s1 / np.maximum(cnt, 1), 0.0).sum(axis=0) - total * total / n
                eta = np.sqrt(np.clip(ss_between / ss_total, 0.0, 1.0))
            eta[too_few_rows(n, (cnt > 0).sum(axis=0)) | ~(ss_total > 0)] = np.nan
            out[:, c_idx] = eta
        return out

    def pearson_with(self, y: np.ndarray) -> np.ndarray:
        """Pairwise-complete Pearson r of each column with ``y`` (NaN or ±inf = missing)."""
        y = np.asarray(y, dtype=np.float64)
        y_present = np.isfinite(y)
        y0 = np.where(y_present, y - (y[y_present].mean() if y_present.any() else 0.0), 0.0)
        yp = y_present.astype(np.float64)
        X0 = self.X0
        y_lacking = np.flatnonzero(~y_present)
        sx = X0.T @ yp                          # sums of x over rows where y is present too
        sxy = X0.T @ y0
        sxx = np.einsum("ij,ij->j", X0, X0)
        if y_lacking.size:
            sub = np.take(X0.T, y_lacking, axis=1)
            sxx = sxx - np.einsum("ij,ij->i", sub, sub)
        n_y, s_y, s_yy = float(yp.sum()), float(y0.sum()), float(np.dot(y0, y0))
        n = np.array([n_y - yp[g].sum() for g in self.gaps])
        sy = np.array([s_y - y0[g].sum() for g in self.gaps])   # sums of y over rows where x is present too
        syy = np.array([s_yy - np.dot(y0[g], y0[g]) for g in self.gaps])
        with np.errstate(invalid="ignore", divide="ignore"):
            r = (sxy - sx * sy / n) / np.sqrt((sxx - sx * sx / n) * (syy - sy * sy / n))
        r[n < MIN_PAIR_ROWS] = np.nan
        return np.clip(r, -1.0, 1.0)

    def _gap_runs(self):
        """Runs of columns with gaps: their gap rows one column after another, where each column's rows start
        in them, and the columns; each run gathers at most about :data:`_GATHER_CELLS` cells."""
        p = self.X0.shape[1]
        owners = [j for j, g in enumerate(self.gaps) if g.size]
        run: list[int] = []
        size = 0
        for j in owners + [-1]:
            if run and (j < 0 or (size + self.gaps[j].size) * p > _GATHER_CELLS):
                sizes = np.array([self.gaps[i].size for i in run], dtype=np.intp)
                starts = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.intp)
                yield np.concatenate([self.gaps[i] for i in run]), starts, np.array(run, dtype=np.intp)
                run, size = [], 0
            if j >= 0:
                run.append(j)
                size += self.gaps[j].size

    def _pair_counts(self) -> np.ndarray:
        """Rows where both columns of each pair are finite (the same for values and ranks: computed once)."""
        if self._counts is None:
            n_rows, p = self.X0.shape
            z = np.array([g.size for g in self.gaps], dtype=np.float64)
            both = np.zeros((p, p))
            if z.any():
                # Sparse gap indicator, column j holding its gap rows: Z.T @ Z counts the rows two columns lack.
                indptr = np.concatenate(([0], np.cumsum(z))).astype(np.int64)
                Z = sp.csc_matrix((np.ones(int(indptr[-1])), np.concatenate(self.gaps), indptr), shape=(n_rows, p))
                both = (Z.T @ Z).toarray()
            self._counts = n_rows - z[:, None] - z[None, :] + both
        return self._counts

    def _missing_mask(self) -> np.ndarray:
        missing = np.zeros(self.X0.shape, dtype=bool, order="F")
        for j, rows in enumerate(self.gaps):
            missing[rows, j] = True
        return missing


def _gram(X: np.ndarray) -> np.ndarray:
    """``X.T @ X`` in double precision; single-precision ``X`` is widened a slice of rows at a time."""
    if X.dtype == np.float64:
        return X.T @ X
    out = np.zeros((X.shape[1], X.shape[1]))
    step = max(1024, _GRAM_CELLS // max(X.shape[1], 1))
    for start in range(0, X.shape[0], step):
        chunk = X[start:start + step].astype(np.float64)
        out += chunk.T @ chunk
    return out


def profile_numeric_block(data: pd.DataFrame, names: list[str], bins: int = 30, *,
                          ranks: bool = True) -> tuple[list[ColumnProfile], NumericBlock]:
    """Profiles of numeric columns stored as numbers, and the centred block for their associations.

    Each column is sorted once (an ``argsort`` when ``ranks``); the sorted
    finite values give the statistics of :func:`mltoolkit.eda.column_stats.profile_column`
    (quantiles, histogram by binary search), the missing count (NaN) and the
    distinct count (±inf count as values, as :func:`pandas.factorize` does).
    """
    X = float_block(data, names)
    rank_dtype = np.float32 if X.shape[0] < _FLOAT32_RANKS_UP_TO else np.float64
    R0 = np.empty(X.shape, dtype=rank_dtype, order="F") if ranks else None
    n = X.shape[0]
    gaps: list[np.ndarray] = [np.empty(0, dtype=np.intp)] * len(names)
    # Ranks 1..n: a column of m values without ties takes the first m, scattered to its rows in sorted order.
    positions = np.arange(1, n + 1, dtype=R0.dtype) if R0 is not None else None

    def one(j: int) -> ColumnProfile:
        x = X[:, j]
        finite = np.isfinite(x)
        n_finite = int(np.count_nonzero(finite))
        lacking = np.flatnonzero(~finite) if n_finite < n else None
        n_nan = int(np.count_nonzero(np.isnan(x[lacking]))) if lacking is not None else 0
        count = n - n_nan
        # NaN sort last either way, but numpy's vectorized sorts take only NaN-free input: +inf stands in.
        key = x.copy()   # its buffer then holds the sorted values
        if lacking is not None:
            key[lacking] = np.inf
        if R0 is not None:
            order = np.argsort(key)[:n_finite]
            values = np.take(x, order, out=key[:n_finite])
        else:
            key.sort()
            values = key[:n_finite]
        new = np.empty(n_finite, dtype=bool)   # where the sorted values change
        if n_finite:
            new[0] = True
            np.not_equal(values[1:], values[:-1], out=new[1:])
        distinct_finite = int(np.count_nonzero(new))
        distinct = distinct_finite
        if lacking is not None and count > n_finite:  # ±inf count as values
            distinct += int(bool((x[lacking] == -np.inf).any())) + int(bool((x[lacking] == np.inf).any()))
        stats = _sorted_stats(values, count - n_finite, bins)
        if R0 is not None and n_finite:
            ranks_j = R0[:, j]
            if distinct_finite == n_finite:   # no ties (continuous values): the ranks are the positions
                ranks_j[order] = positions[:n_finite]
            else:
                _tied_ranks_into(new, order, ranks_j)
            del order
            if lacking is not None:
                ranks_j[lacking] = 0.0        # not yet written: zero before the arithmetic, and again after it
            ranks_j -= (n_finite + 1) / 2.0   # centred: exact, multiples of 1/2
        np.subtract(x, stats.mean if stats.mean is not None else 0.0, out=x)
        if lacking is not None:
            x[lacking] = 0.0
            if R0 is not None:
                R0[lacking, j] = 0.0
            gaps[j] = lacking
        name = names[j]
        return ColumnProfile(
            name=str(name), kind="numeric", dtype=str(data[name].dtype), count=count, n_missing=n - count,
            missing_share=(n - count) / n if n else 0.0, n_distinct=distinct,
            distinct_share=distinct / count if count else 0.0, numeric=stats,
        )

    with ThreadPoolExecutor(max_workers=min(os.cpu_count() or 1, max(len(names), 1))) as pool:
        profiles = list(pool.map(one, range(len(names))))
    return profiles, NumericBlock(list(names), X, R0, gaps)


def _tied_ranks_into(new: np.ndarray, order: np.ndarray, out: np.ndarray) -> None:
    """Average ranks of sorted values with ties (``new`` marks where they change), written at rows ``order``."""
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], new.size)
    out[order] = np.repeat((starts + ends + 1) / 2.0, ends - starts)
