"""The statistical tests and distances of drift detection, each on plain numpy arrays.

Numeric columns (arrays of finite values):

- ``ks``: two-sample Kolmogorov-Smirnov, :func:`scipy.stats.ks_2samp`. Ties are
  broken at random (seeded) first: with ties KS is conservative, with random
  tie-breaking the pooled ranks are exchangeable under "no drift" and the test
  keeps its nominal level on discrete data (counts, days).
- ``wasserstein``: :func:`scipy.stats.wasserstein_distance` divided by the
  reference standard deviation (the distance in reference standard deviations).
- ``psi``: Population Stability Index on 10 reference-quantile bins,
  ``sum((c - r) * ln(c / r))`` with empty bins set to 1e-4.
- ``jensenshannon``: Jensen-Shannon distance (base 2, in [0, 1]) on 30 bins of
  equal width over the reference's 0.5-99.5% range (values outside fall in the
  outer bins), :func:`scipy.spatial.distance.jensenshannon`.

Categorical columns (counts per category, aligned arrays for reference and current):

- ``chisquare``: :func:`scipy.stats.chi2_contingency` on the 2 x K table.
- ``ztest``: two-proportion z-test for binary columns (pooled standard error).
- ``psi``, ``jensenshannon`` on category shares; ``tvd``: total variation distance
  ``0.5 * sum(|p - q|)``.
"""
from __future__ import annotations

import zlib

import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon

__all__ = [
    "NUMERIC_TESTS", "CATEGORICAL_TESTS", "P_VALUE_TESTS", "DEFAULT_THRESHOLDS",
    "ks_test", "wasserstein_norm", "wasserstein_sorted", "shares_sorted", "psi_numeric", "js_numeric", "numeric_bins",
    "chisquare_test", "ztest_binary", "categorical_test", "verdict", "psi_shares", "js_shares", "tvd_shares",
]

NUMERIC_TESTS = ("ks", "wasserstein", "psi", "jensenshannon")
CATEGORICAL_TESTS = ("chisquare", "ztest", "psi", "jensenshannon", "tvd")
P_VALUE_TESTS = ("ks", "chisquare", "ztest")
#: Drift when p < threshold (p-value tests) or statistic >= threshold (distances).
DEFAULT_THRESHOLDS = {"ks": 0.05, "chisquare": 0.05, "ztest": 0.05, "wasserstein": 0.1, "psi": 0.1,
                      "jensenshannon": 0.1, "tvd": 0.1}
_EPS = 1e-4


def ks_test(ref: np.ndarray, cur: np.ndarray, seed: int = 0) -> tuple[float, float]:
    """KS statistic and p-value, ties broken at random.

    The tie-breaking stream is seeded by ``seed`` and by a checksum of the data:
    the same data always give the same answer, and different batches get
    independent tie-breaking (one fixed stream reused for every batch would bias
    heavily tied columns the same way each time).
    """
    pooled = np.concatenate([ref, cur])
    if np.unique(pooled).size < pooled.size:
        rng = np.random.default_rng([seed, zlib.crc32(ref.tobytes()), zlib.crc32(cur.tobytes())])
        order = np.lexsort((rng.random(pooled.size), pooled))
        ranks = np.empty(pooled.size)
        ranks[order] = np.arange(pooled.size)
        ref, cur = ranks[: ref.size], ranks[ref.size:]
    res = stats.ks_2samp(ref, cur)
    return float(res.statistic), float(res.pvalue)


def wasserstein_sorted(ref: np.ndarray, cur: np.ndarray) -> float:
    """Wasserstein-1 distance between two *sorted* samples, exactly, without sorting again.

    ``W1 = integral over t in (0, 1) of |F_ref^-1(t) - F_cur^-1(t)|``: both
    quantile functions are steps at ``i / n`` and ``j / m``; the breakpoints are
    merged on the integer scale ``n * m`` (two sorted runs, merged in linear
    time), so the sum is exact. Equals :func:`scipy.stats.wasserstein_distance`.
    """
    n, m = ref.size, cur.size
    breaks = np.sort(np.concatenate([np.arange(n, dtype=np.int64) * m, np.arange(m, dtype=np.int64) * n]),
                     kind="stable")
    breaks = np.append(breaks, n * m)
    width = np.diff(breaks)
    keep = width > 0
    start = breaks[:-1][keep]
    i, j = start // m, start // n
    return float(np.dot(width[keep], np.abs(ref[i] - cur[j])) / (n * m))


def wasserstein_norm(ref: np.ndarray, cur: np.ndarray, *, presorted: bool = False) -> float:
    """Wasserstein-1 distance in units of the reference standard deviation."""
    d = wasserstein_sorted(ref, cur) if presorted else stats.wasserstein_distance(ref, cur)
    scale = float(np.std(ref))
    if scale == 0.0:
        return 0.0 if d == 0.0 else float("inf")
    return float(d / scale)


def numeric_bins(ref: np.ndarray, n: int = 30) -> np.ndarray:
    """Equal-width bin edges over the reference's 0.5-99.5% range (at least two edges)."""
    lo, hi = np.quantile(ref, [0.005, 0.995]) if ref.size else (0.0, 1.0)
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    return np.linspace(lo, hi, n + 1)


def _shares_on(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    # Outer bins are open-ended: values beyond the edges count in the first/last bin.
    idx = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(edges) - 2)
    counts = np.bincount(idx, minlength=len(edges) - 1).astype(np.float64)
    return counts / counts.sum() if counts.sum() else counts


def shares_sorted(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """As :func:`_shares_on` for *sorted* values: one binary search per edge, not per value."""
    inner = np.searchsorted(values, edges[1:-1], side="left")  # values below each inner edge
    counts = np.diff(np.concatenate([[0], inner, [values.size]])).astype(np.float64)
    return counts / counts.sum() if counts.sum() else counts


def psi_shares(p_ref: np.ndarray, p_cur: np.ndarray) -> float:
    r = np.where(p_ref > 0, p_ref, _EPS)
    c = np.where(p_cur > 0, p_cur, _EPS)
    return float(np.sum((c - r) * np.log(c / r)))


def psi_numeric(ref: np.ndarray, cur: np.ndarray, bins: int = 10, *, presorted: bool = False) -> float:
    """PSI on reference-quantile bins."""
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)))
    if edges.size < 2:
        edges = np.array([edges[0] - 0.5, edges[0] + 0.5])
    shares = shares_sorted if presorted else _shares_on
    return psi_shares(shares(ref, edges), shares(cur, edges))


def js_shares(p_ref: np.ndarray, p_cur: np.ndarray) -> float:
    if p_ref.sum() == 0 or p_cur.sum() == 0:
        return 1.0
    return float(jensenshannon(p_ref, p_cur, base=2))


def js_numeric(ref: np.ndarray, cur: np.ndarray, edges: np.ndarray | None = None, *, presorted: bool = False) -> float:
    edges = numeric_bins(ref) if edges is None else edges
    shares = shares_sorted if presorted else _shares_on
    return js_shares(shares(ref, edges), shares(cur, edges))


def tvd_shares(p_ref: np.ndarray, p_cur: np.ndarray) -> float:
    return float(0.5 * np.abs(p_ref - p_cur).sum())


def chisquare_test(c_ref: np.ndarray, c_cur: np.ndarray) -> tuple[float, float]:
    """Chi-square test of homogeneity on the 2 x K table (categories empty in both dropped)."""
    keep = (c_ref + c_cur) > 0
    table = np.vstack([c_ref[keep], c_cur[keep]])
    if table.shape[1] < 2:
        return 0.0, 1.0
    res = stats.chi2_contingency(table, correction=False)
    return float(res.statistic), float(res.pvalue)


def ztest_binary(c_ref: np.ndarray, c_cur: np.ndarray) -> tuple[float, float]:
    """Two-proportion z-test on the share of the first category (two categories)."""
    n1, n2 = c_ref.sum(), c_cur.sum()
    p1, p2 = c_ref[0] / n1, c_cur[0] / n2
    pooled = (c_ref[0] + c_cur[0]) / (n1 + n2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 0.0, 1.0 if p1 == p2 else 0.0
    z = (p1 - p2) / se
    return float(z), float(2 * stats.norm.sf(abs(z)))


def categorical_test(test: str, c_ref: np.ndarray, c_cur: np.ndarray) -> tuple[float, float | None]:
    """Statistic and p-value (None for distances) of ``test`` on aligned category counts."""
    if test == "chisquare":
        return chisquare_test(c_ref, c_cur)
    if test == "ztest":
        return ztest_binary(c_ref, c_cur) if len(c_ref) == 2 else (0.0, 1.0)
    p_ref, p_cur = c_ref / c_ref.sum(), c_cur / c_cur.sum()
    if test == "psi":
        return psi_shares(p_ref, p_cur), None
    if test == "tvd":
        return tvd_shares(p_ref, p_cur), None
    return js_shares(p_ref, p_cur), None


def verdict(statistic: float, p_value: float | None, threshold: float) -> tuple[bool, float]:
    """Whether a column drifted, and its score (``1 - p`` for p-value tests, the distance otherwise)."""
    if p_value is not None:
        return bool(p_value < threshold), float(1.0 - p_value)
    return bool(statistic >= threshold), float(statistic)
