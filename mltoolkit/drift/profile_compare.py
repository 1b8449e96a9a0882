"""Drift of a batch against a saved reference profile, from counts alone.

The current data is counted on the profile's edges (:mod:`mltoolkit.drift.batch_counts`),
in one go or batch by batch, and compared with the same tests as raw data:

- PSI, Jensen-Shannon (numeric, on the profile's bins), and every categorical
  measure use the same counts as the raw computation: identical results.
- ``ks``: the largest gap between the two cumulative distributions, read at the
  profile's 1,001-point quantile grid (and past its end). Between grid points
  the reference moves by at most 1/1,000 of its mass, so the statistic is at
  most about 0.001 below the exact one (plus the sketch's rank error for a
  streamed profile). The p-value follows the same rule as on raw data,
  :func:`mltoolkit.drift.stats.ks_from_counts`, with the grid intervals as
  cells: permutations of the pooled counts when one cell holds more than 1%
  of the values (a heavily tied column: counts, days), the asymptotic
  two-sample Kolmogorov distribution otherwise.
- ``wasserstein``: the area between the two cumulative distributions, from
  counts and sums per grid interval (exact on every interval where the two do
  not cross, see :func:`wasserstein_from_counts`), divided by the reference
  standard deviation. Tests check it against :func:`scipy.stats.wasserstein_distance`.
"""
from __future__ import annotations

import numpy as np

from mltoolkit.drift import stats as st
from mltoolkit.drift.batch_counts import NumericCounts
from mltoolkit.drift.reference import ColumnReference

__all__ = ["ks_cells", "ks_from_counts", "ks_p_value", "wasserstein_from_counts", "numeric_from_counts", "categorical_arrays"]


def _left_cdf(grid_counts: np.ndarray) -> np.ndarray:
    """Share of values below each grid point (``grid_counts`` has ``len(grid) + 1`` entries)."""
    total = grid_counts.sum()
    return np.cumsum(grid_counts)[:-1] / total if total else np.zeros(len(grid_counts) - 1)


def ks_cells(ref_counts: np.ndarray, cur: NumericCounts) -> tuple[np.ndarray, np.ndarray]:
    """Aligned reference and current counts on the grid's cells, in order.

    The grid's last cell (at or after the last point, the reference maximum)
    is split into the values at the maximum and those beyond it, which only
    the current data can have.
    """
    ref_counts = np.asarray(ref_counts, dtype=np.float64)
    cur_counts = cur.grid.astype(np.float64)
    at_last = cur_counts[-1] - cur.n_above
    return (np.concatenate([ref_counts, [0.0]]),
            np.concatenate([cur_counts[:-1], [at_last, float(cur.n_above)]]))


def ks_from_counts(ref_counts: np.ndarray, cur: NumericCounts) -> float:
    """Kolmogorov-Smirnov statistic from counts on the same grid.

    The gap is read just below each grid point and just past the last one
    (where the reference, whose maximum is the last point, has reached 1).
    """
    gaps = np.abs(_left_cdf(np.asarray(ref_counts, dtype=float)) - _left_cdf(cur.grid.astype(float)))
    return float(max(gaps.max(initial=0.0), cur.n_above / cur.n if cur.n else 0.0))


#: The asymptotic two-sided p-value of the two-sample KS statistic (kept under its former name).
ks_p_value = st.ks_asymptotic_p


def _areas(grid: np.ndarray, counts: np.ndarray, sums: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Area under the cumulative distribution on each grid interval, exact from counts and sums.

    Also returns the area beyond each end: below the first point (of ``F``)
    and above the last one (of ``1 - F``).
    """
    n = counts.sum()
    below = np.cumsum(counts)[:-2]  # values under each interval's left end
    width = np.diff(grid)
    inner = (below * width + counts[1:-1] * grid[1:] - sums[1:-1]) / n
    left = (counts[0] * grid[0] - sums[0]) / n
    right = (sums[-1] - counts[-1] * grid[-1]) / n
    return inner, float(left), float(right)


def wasserstein_from_counts(grid: np.ndarray, ref: ColumnReference, cur: NumericCounts) -> float:
    """Wasserstein-1 distance (in data units): the area between the two cumulative distributions.

    On each grid interval the area under each side's distribution is exact
    (from counts and sums); where the two do not cross inside the interval the
    area between them is the difference of the two. Where they cross (their
    order differs at the interval's ends), the gap is taken as linear across it.
    """
    ref_counts, ref_sums = np.asarray(ref.grid_counts, dtype=float), np.asarray(ref.grid_sums, dtype=float)
    cur_counts, cur_sums = cur.grid.astype(float), cur.grid_sums
    r_in, r_left, r_right = _areas(grid, ref_counts, ref_sums)
    c_in, c_left, c_right = _areas(grid, cur_counts, cur_sums)
    d = _left_cdf(ref_counts) - _left_cdf(cur_counts)
    d0, d1 = d[:-1], d[1:]
    width = np.diff(grid)
    cross = np.sign(d0) * np.sign(d1) < 0
    a0, a1 = np.abs(d0), np.abs(d1)
    with np.errstate(invalid="ignore", divide="ignore"):
        linear = np.where(a0 + a1 > 0, width * (d0 * d0 + d1 * d1) / (2 * (a0 + a1)), 0.0)
    exact = np.abs(r_in - c_in)
    inner = float(np.sum(np.where(cross, np.maximum(linear, exact), exact)))
    return inner + abs(r_left - c_left) + abs(r_right - c_right)


def numeric_from_counts(test: str, ref: ColumnReference, cur: NumericCounts,
                        seed: int = 0) -> tuple[float, float | None]:
    """Statistic and p-value (or None) of ``test`` between a profiled column and current counts.

    ``seed`` seeds the KS permutations of heavily tied columns (see
    :func:`mltoolkit.drift.stats.ks_from_counts`).
    """
    if test == "ks":
        return st.ks_from_counts(*ks_cells(np.asarray(ref.grid_counts), cur), seed=seed)
    if test == "wasserstein":
        d = wasserstein_from_counts(np.asarray(ref.grid), ref, cur)
        if not ref.std:
            return (0.0 if d == 0.0 else float("inf")), None
        return float(d / ref.std), None
    if test == "psi":
        return st.psi_shares(_shares(ref.psi_counts), _shares(cur.psi)), None
    return st.js_shares(_shares(ref.js_counts), _shares(cur.js)), None


def _shares(counts: object) -> np.ndarray:
    c = np.asarray(counts, dtype=np.float64)
    return c / c.sum() if c.sum() else c


def categorical_arrays(ref: ColumnReference, cur_counts: dict[str, int]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Categories (reference order, then new ones in order of appearance) and aligned counts."""
    labels = [v for v, _ in ref.categories]
    labels += [v for v in cur_counts if v not in dict(ref.categories)]
    ref_map = dict(ref.categories)
    c_ref = np.array([ref_map.get(v, 0) for v in labels], dtype=np.float64)
    c_cur = np.array([cur_counts.get(v, 0) for v in labels], dtype=np.float64)
    return labels, c_ref, c_cur
