"""Mergeable building blocks of the streaming profile: distinct-value sketches, keyed tables, row-hash sets.

Every structure here summarizes one batch with vectorized numpy/pandas
operations and merges with another summary of the same kind, so that the
statistics of a table are the merge of the statistics of its batches,
whichever way the batches were cut (Parquet record batches, DataFrame slices,
Dask partitions).

- :class:`DistinctSketch`: per column, the exact set of 64-bit value hashes
  while a column has at most ``limit`` distinct values; beyond, the ``limit``
  smallest hashes (a *k minimum values* sketch, Bar-Yossef et al. 2002), whose
  estimate ``(k - 1) / u_k`` has a relative standard error of about
  ``1 / sqrt(k - 2)`` (1.6% for the default ``k = 4096``).
- :class:`KeyedTable`: arrays indexed by values (category counts, group
  sums), merged by aligning their keys, first appearance first.
- :class:`Crosstab`: counts of value pairs keyed by value hashes, merged with
  one ``numpy.unique`` (thousands of pairs per batch stay cheap).
- :class:`RowHashSet`: distinct 64-bit row hashes for exact duplicate counts,
  given up (rather than being wrong) beyond a limit.
- :func:`sequence_hash`: an order-sensitive hash of the row hashes that does
  not depend on where the batches were cut.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from mltoolkit.eda.correlation import MIN_PAIR_ROWS

__all__ = ["DistinctSketch", "KeyedTable", "Crosstab", "value_hashes", "RowHashSet", "SequenceHash", "mix64", "float_hashes",
           "DISTINCT_LIMIT", "ROW_HASH_LIMIT"]

#: Distinct values per column counted exactly; beyond, an estimate (KMV sketch of this many hashes).
DISTINCT_LIMIT = 4096
#: Distinct rows whose hashes are kept to count exact duplicates (8 bytes each: 160 MB at the limit).
ROW_HASH_LIMIT = 20_000_000

_U64 = np.uint64
_TWO64 = float(2**64)


def mix64(bits: np.ndarray) -> np.ndarray:
    """SplitMix64 finalizer of 64-bit words: a well-mixed hash, vectorized (wraps modulo 2**64)."""
    z = np.asarray(bits, dtype=_U64) + _U64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> _U64(30))) * _U64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> _U64(27))) * _U64(0x94D049BB133111EB)
    return z ^ (z >> _U64(31))


def float_hashes(values: np.ndarray) -> np.ndarray:
    """Hashes of float64 values; 0.0 and -0.0 hash alike (NaN must be removed by the caller)."""
    v = np.ascontiguousarray(values, dtype=np.float64) + 0.0  # -0.0 + 0.0 == +0.0
    return mix64(v.view(_U64))


@dataclasses.dataclass
class DistinctSketch:
    """Distinct values of several columns: exact hash sets while small, KMV sketches beyond.

    Attributes
    ----------
    hashes : list of numpy.ndarray
        Per column, sorted distinct uint64 hashes (at most ``limit``).
    exact : numpy.ndarray of bool
        Per column, whether ``hashes`` is still the complete set.
    limit : int
    """

    hashes: list[np.ndarray]
    exact: np.ndarray
    limit: int = DISTINCT_LIMIT

    @classmethod
    def of(cls, per_column: list[np.ndarray], limit: int = DISTINCT_LIMIT) -> DistinctSketch:
        """Sketch of per-column arrays of value hashes (missing values already removed)."""
        kept, exact = [], np.ones(len(per_column), dtype=bool)
        for j, h in enumerate(per_column):
            u = np.unique(h)
            if u.size > limit:
                u, exact[j] = u[:limit], False
            kept.append(u)
        return cls(kept, exact, limit)

    def merge(self, other: DistinctSketch) -> DistinctSketch:
        """Sketch of the union of both batches' values."""
        kept, exact = [], self.exact & other.exact
        for j, (a, b) in enumerate(zip(self.hashes, other.hashes)):
            u = np.union1d(a, b)
            if u.size > self.limit:
                u, exact[j] = u[: self.limit], False
            kept.append(u)
        return DistinctSketch(kept, exact, self.limit)

    def counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Distinct count per column (exact, or the KMV estimate) and whether it is exact."""
        out = np.array([h.size for h in self.hashes], dtype=np.float64)
        for j in np.flatnonzero(~self.exact):
            u_k = (float(self.hashes[j][-1]) + 1.0) / _TWO64
            out[j] = (self.limit - 1) / u_k
        return np.rint(out).astype(np.int64), self.exact.copy()


@dataclasses.dataclass
class KeyedTable:
    """Rows of numbers indexed by values (or tuples of values), mergeable by key.

    ``values[i]`` belongs to ``keys[i]``; merging adds the rows of equal keys
    and keeps keys in order of first appearance (as :func:`pandas.factorize`).
    """

    keys: pd.Index
    values: np.ndarray

    def merge(self, other: KeyedTable) -> KeyedTable:
        """Rows of both tables, added where the keys agree."""
        if len(other.keys) == 0:
            return self
        if len(self.keys) == 0:
            return other
        if self.keys.equals(other.keys):
            return KeyedTable(self.keys, self.values + other.values)
        where = self.keys.get_indexer(other.keys)
        new = where < 0
        keys = self.keys.append(other.keys[new])
        values = np.concatenate([self.values, np.zeros((int(new.sum()),) + self.values.shape[1:],
                                                        dtype=self.values.dtype)])
        where[new] = np.arange(len(self.keys), len(keys))
        values[where] += other.values
        return KeyedTable(keys, values)

    def top(self, limit: int) -> KeyedTable:
        """The ``limit`` rows with the largest first value (ties in order of appearance)."""
        first = self.values.reshape(len(self.keys), -1)[:, 0]
        order = np.sort(np.argsort(-first, kind="stable")[:limit])
        return KeyedTable(self.keys[order], self.values[order])


@dataclasses.dataclass
class RowHashSet:
    """Distinct row hashes, or ``None`` once more than ``limit`` were seen (duplicates then not counted)."""

    parts: list[np.ndarray] | None
    size: int
    limit: int = ROW_HASH_LIMIT

    @classmethod
    def of(cls, row_hashes: np.ndarray, limit: int = ROW_HASH_LIMIT) -> RowHashSet:
        u = np.unique(row_hashes)
        return cls([u], int(u.size), limit) if u.size <= limit else cls(None, 0, limit)

    def merge(self, other: RowHashSet) -> RowHashSet:
        if self.parts is None or other.parts is None:
            return RowHashSet(None, 0, self.limit)
        parts = self.parts + other.parts
        pending = sum(p.size for p in parts)
        if pending > max(2 * self.size, 1_000_000):  # compact now and then: amortized linear work
            u = np.unique(np.concatenate(parts))
            if u.size > self.limit:
                return RowHashSet(None, 0, self.limit)
            return RowHashSet([u], int(u.size), self.limit)
        return RowHashSet(parts, max(self.size, other.size), self.limit)

    def distinct(self) -> int | None:
        """Number of distinct rows, or ``None`` when the limit was passed."""
        if self.parts is None:
            return None
        n = int(np.unique(np.concatenate(self.parts)).size)
        return n if n <= self.limit else None


# Two odd 64-bit bases: the sequence hash is a pair of polynomial hashes modulo 2**64.
_BASES = (np.uint64(0x100000001B3), np.uint64(0x9E3779B97F4A7C15 | 1))


@dataclasses.dataclass
class SequenceHash:
    """Order-sensitive hash of a sequence of 64-bit row hashes, mergeable across batches.

    ``H = sum_i mix(h_i) * B ** (n - 1 - i)`` modulo 2**64 for two bases ``B``;
    merging ``a`` then ``b`` is ``H_a * B ** n_b + H_b``, so the result does not
    depend on where the batches were cut.
    """

    values: tuple[int, int]
    n: int

    @classmethod
    def of(cls, row_hashes: np.ndarray) -> SequenceHash:
        h = mix64(row_hashes)
        n = h.size
        out = []
        with np.errstate(over="ignore"):
            for base in _BASES:
                powers = np.ones(n, dtype=_U64)
                if n > 1:
                    powers[1:] = np.cumprod(np.full(n - 1, base, dtype=_U64))
                out.append(int(np.sum(h * powers[::-1], dtype=_U64)))
        return cls((out[0], out[1]), int(n))

    def merge(self, other: SequenceHash) -> SequenceHash:
        mod = 2**64
        values = tuple((a * pow(int(base), other.n, mod) + b) % mod
                       for a, b, base in zip(self.values, other.values, _BASES))
        return SequenceHash(values, self.n + other.n)

    def hexdigest(self) -> str:
        return "".join(f"{v:016x}" for v in self.values)


@dataclasses.dataclass
class Crosstab:
    """Counts of pairs of values of two columns, keyed by 64-bit value hashes (no pandas index to align).

    Attributes
    ----------
    a, b : numpy.ndarray of uint64
        Hashes of the first and second column's value of each cell.
    counts : numpy.ndarray of float64
        Rows in each cell (only non-empty cells are kept).
    """

    a: np.ndarray
    b: np.ndarray
    counts: np.ndarray

    @classmethod
    def of(cls, codes_a: np.ndarray, hashes_a: np.ndarray, codes_b: np.ndarray, hashes_b: np.ndarray) -> Crosstab:
        """Crosstab of two factorized columns (code -1 = missing; the pair is then left out)."""
        ok = (codes_a >= 0) & (codes_b >= 0)
        kb = max(hashes_b.size, 1)
        cells = np.bincount(codes_a[ok].astype(np.int64) * kb + codes_b[ok], minlength=hashes_a.size * kb)
        nz = np.flatnonzero(cells)
        return cls(hashes_a[nz // kb], hashes_b[nz % kb], cells[nz].astype(np.float64))

    @property
    def size(self) -> int:
        return int(self.counts.size)

    def merge(self, other: Crosstab) -> Crosstab:
        a, b = np.concatenate([self.a, other.a]), np.concatenate([self.b, other.b])
        key = mix64(a ^ mix64(b))
        uniq, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        counts = np.bincount(inverse, weights=np.concatenate([self.counts, other.counts]), minlength=uniq.size)
        return Crosstab(a[first], b[first], counts)

    def cramers_v(self) -> float:
        """Cramér's V without bias correction, as ``scipy.stats.contingency.association(method="cramer")``."""
        ia = np.unique(self.a, return_inverse=True)[1]
        ib = np.unique(self.b, return_inverse=True)[1]
        n = self.counts.sum()
        rows = np.bincount(ia, weights=self.counts)
        cols = np.bincount(ib, weights=self.counts)
        r_used, c_used = np.count_nonzero(rows), np.count_nonzero(cols)
        if n < MIN_PAIR_ROWS or r_used < 2 or c_used < 2:
            return float("nan")
        chi2 = n * (float(np.sum(self.counts * self.counts / (rows[ia] * cols[ib]))) - 1.0)
        return float(np.sqrt(max(chi2, 0.0) / (n * (min(r_used, c_used) - 1))))


def value_hashes(values: pd.Index) -> np.ndarray:
    """64-bit hashes of distinct values (as :func:`pandas.util.hash_array`)."""
    return pd.util.hash_array(np.asarray(values, dtype=object))
