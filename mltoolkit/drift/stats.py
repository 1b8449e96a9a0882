"""The statistical tests and distances of drift detection, each on plain numpy arrays.

Numeric columns (arrays of finite values):

- ``ks``: two-sample Kolmogorov-Smirnov. The statistic is always the largest
  gap between the two empirical distribution functions (with ties, as
  :func:`scipy.stats.ks_2samp` computes it). The p-value follows one rule,
  :func:`ks_from_counts`, for raw data (cells: the distinct values) and for
  reference profiles (cells: the profile's grid intervals):

  * *heavily tied* data, where one cell holds more than :data:`TIED_SHARE`
    (1%) of the pooled values (counts, days, ratings): a permutation test on
    the cell counts. :data:`KS_PERMUTATIONS` random splits of the pooled
    counts (multivariate hypergeometric, seeded by ``seed`` and a checksum of
    the counts) give the statistic's distribution under "no drift" *given the
    ties*; splits whose statistic equals the observed one are counted at
    random, so the false-alarm rate is alpha exactly, not below it. The
    Kolmogorov distribution that scipy uses assumes continuous data: with
    heavy ties it gives p-values too large (0.5% false alarms at 5% on a
    count column with a few values), and breaking ties at random (what this
    module did before) is valid but blurs the statistic with noise.
    When the observed statistic beats every permutation, the p-value is the
    smaller of ``1 / (KS_PERMUTATIONS + 1)`` and the asymptotic one. Above
    :data:`KS_PERMUTATION_MAX` values on the smaller side the permutations
    would take seconds; the asymptotic p-value is used (conservative on ties).
  * otherwise (no value repeated, or light ties): scipy's p-value, exact for
    raw data (``ks_2samp``), asymptotic for profiles (``kstwo`` at
    ``n*m/(n+m)``, as ``ks_2samp``'s ``asymp`` method).
- ``wasserstein``: :func:`scipy.stats.wasserstein_distance` divided by the
  reference standard deviation (the distance in reference standard deviations).
- ``psi``: Population Stability Index on 10 reference-quantile bins,
  ``sum((c - r) * ln(c / r))`` with empty bins set to 1e-4.
- ``jensenshannon``: Jensen-Shannon distance (base 2, in [0, 1]) on 30 bins of
  equal width over the reference's 0.5-99.5% range (values outside fall in the
  outer bins): the formula of :func:`scipy.spatial.distance.jensenshannon`, in numpy
  (importing scipy.spatial and scipy.special for it costs a command 0.15 s; tests compare the two).

Categorical columns (counts per category, aligned arrays for reference and current):

- ``chisquare``: :func:`scipy.stats.chi2_contingency` on the 2 x K table.
- ``ztest``: two-proportion z-test for binary columns (pooled standard error).
- ``psi``, ``jensenshannon`` on category shares; ``tvd``: total variation distance
  ``0.5 * sum(|p - q|)``.
"""
from __future__ import annotations

import zlib

import numpy as np

from mltoolkit._lazy import LazyModule

# Imported on first use: comparing large samples needs only numpy, and a command comparing two files leaves the
# small-sample tests (drift over time) to a forked child that imports scipy.stats with scikit-learn anyway.
stats = LazyModule("scipy.stats")

__all__ = [
    "NUMERIC_TESTS", "CATEGORICAL_TESTS", "P_VALUE_TESTS", "DEFAULT_THRESHOLDS", "TIED_SHARE", "KS_PERMUTATIONS",
    "KS_PERMUTATION_MAX", "ks_test", "ks_from_counts", "ks_asymptotic_p", "heavily_tied", "wasserstein_norm", "wasserstein_sorted", "shares_sorted", "psi_numeric", "js_numeric", "numeric_bins",
    "chisquare_test", "ztest_binary", "categorical_test", "verdict", "psi_shares", "js_shares", "tvd_shares",
]

NUMERIC_TESTS = ("ks", "wasserstein", "psi", "jensenshannon")
CATEGORICAL_TESTS = ("chisquare", "ztest", "psi", "jensenshannon", "tvd")
P_VALUE_TESTS = ("ks", "chisquare", "ztest")
#: Drift when p < threshold (p-value tests) or statistic >= threshold (distances).
DEFAULT_THRESHOLDS = {"ks": 0.05, "chisquare": 0.05, "ztest": 0.05, "wasserstein": 0.1, "psi": 0.1,
                      "jensenshannon": 0.1, "tvd": 0.1}
_EPS = 1e-4


#: A numeric column is heavily tied when one value (one grid cell of a profile) holds more than this share of
#: the pooled values; its KS p-value then comes from permutations (see the module docstring).
TIED_SHARE = 0.01
#: Random splits of the pooled counts behind a heavily tied KS p-value (its Monte Carlo error at p = 0.05 is 0.007).
KS_PERMUTATIONS = 1000
#: Above this many values on the smaller side, heavily tied KS uses the asymptotic p-value.
KS_PERMUTATION_MAX = 50_000


def heavily_tied(pooled_counts: np.ndarray) -> bool:
    """Whether one cell holds more than :data:`TIED_SHARE` of the pooled values (the rule choosing the KS p-value)."""
    total = pooled_counts.sum()
    return bool(total > 0 and pooled_counts.max() > TIED_SHARE * total)


def ks_asymptotic_p(d: float, n_ref: int, n_cur: int) -> float:
    """Asymptotic two-sided p-value of the two-sample KS statistic ``d`` (Kolmogorov distribution, continuous data)."""
    en = n_ref * n_cur / (n_ref + n_cur)
    return float(stats.kstwo.sf(d, max(1, round(en))))


def _max_gap(c_ref: np.ndarray, c_cur: np.ndarray, n: float, m: float) -> np.ndarray:
    """Largest gap between the cumulative shares, along the last axis."""
    return np.abs(np.cumsum(c_ref, axis=-1) / n - np.cumsum(c_cur, axis=-1) / m).max(axis=-1)


def _ks_permutation_p(c_ref: np.ndarray, c_cur: np.ndarray, d: float, seed: int) -> float:
    n, m = int(c_ref.sum()), int(c_cur.sum())
    pooled = (c_ref + c_cur).astype(np.int64)
    rng = np.random.default_rng([seed, zlib.crc32(c_ref.tobytes()), zlib.crc32(c_cur.tobytes())])
    # Draw the smaller side. numpy's "count" method costs about its size per split, "marginals" about ten times
    # the number of cells: few cells (counts, ratings) take the second.
    small = min(n, m)
    method = "marginals" if 10 * pooled.size < small else "count"
    drawn = rng.multivariate_hypergeometric(pooled, small, size=KS_PERMUTATIONS, method=method).astype(np.float64)
    sim_ref, sim_cur = (drawn, pooled - drawn) if small == n else (pooled - drawn, drawn)
    sims = _max_gap(sim_ref, sim_cur, n, m)
    tol = 1e-9  # the gaps are ratios of integers: equal statistics may differ in the last bits
    greater = int(np.sum(sims > d + tol))
    if greater == 0 and not np.any(sims >= d - tol):
        return min(1.0 / (KS_PERMUTATIONS + 1), ks_asymptotic_p(d, n, m))
    equal = int(np.sum(np.abs(sims - d) <= tol))
    return float((greater + rng.random() * (equal + 1)) / (KS_PERMUTATIONS + 1))


def ks_from_counts(c_ref: np.ndarray, c_cur: np.ndarray, seed: int = 0) -> tuple[float, float]:
    """KS statistic and p-value from counts on ordered cells (distinct values, or a profile's grid intervals).

    The statistic is the largest gap between the cumulative shares at the cells'
    ends. The p-value follows the rule of the module docstring: permutations
    of the pooled counts when :func:`heavily_tied`, else the asymptotic
    Kolmogorov p-value. The same counts and ``seed`` always give the same
    p-value; different data get independent permutations.

    Parameters
    ----------
    c_ref, c_cur : numpy.ndarray
        Aligned counts per cell, in the cells' order, each with a positive sum.
    seed : int, default 0
        Seed of the permutations (combined with a checksum of the counts).

    Returns
    -------
    tuple of float
        Statistic and p-value.

    Examples
    --------
    >>> import numpy as np
    >>> d, p = ks_from_counts(np.array([50., 30., 20.]), np.array([48., 33., 19.]))
    >>> round(d, 2), p > 0.5
    (0.02, True)
    """
    c_ref, c_cur = np.asarray(c_ref, dtype=np.float64), np.asarray(c_cur, dtype=np.float64)
    n, m = c_ref.sum(), c_cur.sum()
    d = float(_max_gap(c_ref, c_cur, n, m))
    if not heavily_tied(c_ref + c_cur) or min(n, m) > KS_PERMUTATION_MAX:
        return d, ks_asymptotic_p(d, int(n), int(m))
    return d, _ks_permutation_p(c_ref, c_cur, d, seed)


def ks_test(ref: np.ndarray, cur: np.ndarray, seed: int = 0) -> tuple[float, float]:
    """KS statistic and p-value of two samples of finite values (see the module docstring for the rule).

    Without heavy ties this is :func:`scipy.stats.ks_2samp`; with them, the
    statistic is still scipy's and the p-value comes from permutations of the
    counts per distinct value (:func:`ks_from_counts`).
    """
    ref, cur = np.asarray(ref, dtype=np.float64), np.asarray(cur, dtype=np.float64)
    values, inverse = np.unique(np.concatenate([ref, cur]), return_inverse=True)
    c_ref = np.bincount(inverse[: ref.size], minlength=values.size).astype(np.float64)
    c_cur = np.bincount(inverse[ref.size:], minlength=values.size).astype(np.float64)
    if values.size == ref.size + cur.size or not heavily_tied(c_ref + c_cur) \
            or min(ref.size, cur.size) > KS_PERMUTATION_MAX:
        res = stats.ks_2samp(ref, cur)
        return float(res.statistic), float(res.pvalue)
    return ks_from_counts(c_ref, c_cur, seed)


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
    # As scipy.spatial.distance.jensenshannon(p_ref, p_cur, base=2) computes it, with scipy.special.rel_entr
    # written out: m > 0 wherever p > 0 or q > 0, and a zero share adds nothing.
    p, q = p_ref / p_ref.sum(), p_cur / p_cur.sum()
    m = (p + q) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        divergence = np.where(p > 0, p * np.log(p / m), 0.0).sum() + np.where(q > 0, q * np.log(q / m), 0.0).sum()
    return float(np.sqrt(max(divergence, 0.0) / np.log(2) / 2.0))


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
