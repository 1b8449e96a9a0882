"""A mergeable quantile sketch, vectorized across columns.

Each batch is summarized, per column, by ``size`` values at evenly spaced ranks
of its sorted finite values (every value when there are fewer), each standing
for ``n / size`` values. Summaries merge by pooling their weighted points and,
when the pool grows past ``4 * size`` points, compressing it back to ``size``
points at evenly spaced cumulative weights. A quantile read from a sketch built
in one batch is off by at most ``1 / (2 * size)`` in rank; each compression adds
at most that again, so after ``c`` compressions the rank error is at most
``(c + 1) / (2 * size)``: with the default ``size = 1001`` and a few dozen
batches, well under 1% in rank. Minimum and maximum are kept exactly.

One sort per column per batch (``numpy.sort`` along the rows of the batch's
numeric block) is the only pass over the data.
"""
from __future__ import annotations

import dataclasses

import numpy as np

__all__ = ["QuantileSketch", "SKETCH_SIZE"]

SKETCH_SIZE = 1001


@dataclasses.dataclass
class QuantileSketch:
    """Weighted summary points per column.

    Attributes
    ----------
    points, weights : list of numpy arrays
        Per column, summary values and how many data values each stands for.
    size : int
        Points kept per column after compression.
    compressions : int
        How many times the pool was compressed (bounds the rank error).
    """

    points: list[np.ndarray]
    weights: list[np.ndarray]
    size: int = SKETCH_SIZE
    compressions: int = 0

    @classmethod
    def of(cls, X: np.ndarray, size: int = SKETCH_SIZE) -> QuantileSketch:
        """Sketch of the finite values of each column of ``X`` (rows x columns)."""
        X = np.asarray(X, dtype=np.float64)
        X = np.where(np.isfinite(X), X, np.nan)
        S = np.sort(np.asfortranarray(X), axis=0)  # NaN sorts last: one sort per column, each contiguous
        counts = (~np.isnan(S)).sum(axis=0)
        points, weights = [], []
        ranks = (np.arange(size) + 0.5) / size
        for j, n in enumerate(counts):
            if n <= size:
                points.append(S[:n, j].copy())
                weights.append(np.ones(n))
            else:
                idx = np.minimum((ranks * n).astype(np.int64), n - 1)
                points.append(S[idx, j])
                weights.append(np.full(size, n / size))
        return cls(points, weights, size)

    def merge(self, other: QuantileSketch) -> QuantileSketch:
        """Sketch of both batches together."""
        points, weights, compressed = [], [], 0
        for pa, wa, pb, wb in zip(self.points, self.weights, other.points, other.weights):
            p, w = np.concatenate([pa, pb]), np.concatenate([wa, wb])
            if p.size > 4 * self.size:
                p, w = _compress(p, w, self.size)
                compressed = 1
            points.append(p)
            weights.append(w)
        return QuantileSketch(points, weights, self.size, max(self.compressions, other.compressions) + compressed)

    def quantiles(self, probs: np.ndarray, j: int, lo: float | None = None, hi: float | None = None) -> np.ndarray:
        """Quantiles of column ``j`` at ``probs`` (linear interpolation; exact min/max when given).

        With fewer values than ``size`` (nothing compressed) the result equals
        ``numpy.quantile`` of the values.
        """
        p, w = self.points[j], self.weights[j]
        if p.size == 0:
            return np.full(len(probs), np.nan)
        order = np.argsort(p, kind="stable")
        p, w = p[order], w[order]
        if np.all(w == 1.0):
            return np.quantile(p, probs)
        cum = np.cumsum(w)
        pos = (cum - w / 2) / cum[-1]
        xs = np.concatenate([[0.0], pos, [1.0]])
        ys = np.concatenate([[p[0] if lo is None else lo], p, [p[-1] if hi is None else hi]])
        return np.interp(probs, xs, ys)

    @property
    def rank_error(self) -> float:
        """Upper bound on the rank error of a quantile read from this sketch."""
        return (self.compressions + 1) / (2 * self.size)


def _compress(points: np.ndarray, weights: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(points, kind="stable")
    p, w = points[order], weights[order]
    cum = np.cumsum(w)
    total = cum[-1]
    targets = (np.arange(size) + 0.5) * total / size
    idx = np.minimum(np.searchsorted(cum, targets, side="left"), p.size - 1)
    return p[idx], np.full(size, total / size)
