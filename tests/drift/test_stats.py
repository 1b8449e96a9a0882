from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st_
from scipy import stats
from scipy.spatial.distance import jensenshannon

from mltoolkit.drift import stats as st


def test_ks_matches_scipy_on_continuous_data():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=300), rng.normal(0.3, 1, 400)
    expected = stats.ks_2samp(a, b)
    assert st.ks_test(a, b) == pytest.approx((expected.statistic, expected.pvalue))


def test_ks_keeps_nominal_level_on_heavily_tied_counts():
    # 400 no-drift pairs: the rejection rate's standard error is 1.1 points; scipy's p-value rejects about 1%.
    rng = np.random.default_rng(1)
    rejections = sum(st.ks_test(rng.poisson(0.7, 300).astype(float), rng.poisson(0.7, 300).astype(float), seed=i)[1]
                     < 0.05 for i in range(400))
    assert 0.02 <= rejections / 400 <= 0.08


def test_ks_statistic_on_tied_data_is_scipys():
    rng = np.random.default_rng(4)
    a, b = rng.poisson(2, 500).astype(float), rng.poisson(2.2, 700).astype(float)
    assert st.ks_test(a, b)[0] == pytest.approx(stats.ks_2samp(a, b).statistic, abs=1e-12)


def test_ks_permutation_p_value_matches_scipy_permutation_test():
    # Independent reference: scipy's own permutation test of the same (tied) statistic.
    rng = np.random.default_rng(5)
    a, b = rng.poisson(1.0, 200).astype(float), rng.poisson(1.15, 200).astype(float)
    ref = stats.permutation_test((a, b), lambda x, y: stats.ks_2samp(x, y).statistic, n_resamples=5_000,
                                 alternative="greater", random_state=0)
    assert st.ks_test(a, b)[1] == pytest.approx(ref.pvalue, abs=0.02)
    assert stats.ks_2samp(a, b).pvalue > ref.pvalue + 0.05  # the continuous p-value is far too large here


def test_ks_keeps_power_on_a_real_shift_in_tied_counts():
    rng = np.random.default_rng(6)
    p = [st.ks_test(rng.poisson(0.7, 300).astype(float), rng.poisson(0.95, 300).astype(float))[1] for _ in range(100)]
    assert np.mean(np.array(p) < 0.05) >= 0.7


def test_ks_rule_is_the_same_for_counts_and_raw_values():
    rng = np.random.default_rng(8)
    a, b = rng.integers(0, 6, 400).astype(float), rng.integers(0, 6, 300).astype(float)
    values = np.unique(np.concatenate([a, b]))
    counts = [np.array([np.sum(x == v) for v in values], dtype=float) for x in (a, b)]
    assert st.heavily_tied(counts[0] + counts[1])
    assert st.ks_from_counts(*counts, seed=3) == st.ks_test(a, b, seed=3)


def test_ks_without_heavy_ties_uses_scipy_p_value():
    rng = np.random.default_rng(9)
    a, b = np.round(rng.normal(size=900), 2), np.round(rng.normal(size=800), 2)  # light ties: no value holds 1%
    assert st.ks_test(a, b) == pytest.approx(tuple(stats.ks_2samp(a, b)))


def test_wasserstein_is_scipy_distance_over_reference_std():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=500), rng.normal(1, 2, 500)
    assert st.wasserstein_norm(a, b) == pytest.approx(stats.wasserstein_distance(a, b) / a.std())


def test_psi_matches_published_formula_on_shares():
    # Worked example: PSI = sum((actual - expected) * ln(actual / expected)).
    expected, actual = np.array([0.25, 0.25, 0.25, 0.25]), np.array([0.10, 0.20, 0.30, 0.40])
    by_hand = sum((a - e) * np.log(a / e) for a, e in zip(actual, expected))
    assert st.psi_shares(expected, actual) == pytest.approx(by_hand)
    assert by_hand == pytest.approx(0.2282, abs=1e-4)


def test_js_on_shares_matches_scipy_base_2():
    p, q = np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.3, 0.5])
    assert st.js_shares(p, q) == pytest.approx(jensenshannon(p, q, base=2))


@given(st_.lists(st_.tuples(st_.integers(0, 50), st_.integers(0, 50)), min_size=1, max_size=12)
       .filter(lambda pairs: sum(a for a, _ in pairs) > 0 and sum(b for _, b in pairs) > 0))
def test_js_on_counts_matches_scipy(pairs):
    p, q = (np.array(side, dtype=float) for side in zip(*pairs))
    assert st.js_shares(p, q) == pytest.approx(jensenshannon(p, q, base=2), abs=1e-12)


def test_chisquare_matches_scipy_contingency():
    a, b = np.array([30.0, 50.0, 20.0]), np.array([25.0, 40.0, 45.0])
    res = stats.chi2_contingency(np.vstack([a, b]), correction=False)
    assert st.chisquare_test(a, b) == pytest.approx((res.statistic, res.pvalue))


def test_two_proportion_ztest_matches_hand_computation():
    a, b = np.array([120.0, 880.0]), np.array([150.0, 850.0])
    p1, p2, p = 0.12, 0.15, 0.135
    z = (p1 - p2) / np.sqrt(p * (1 - p) * (2 / 1000))
    assert st.ztest_binary(a, b) == pytest.approx((z, 2 * stats.norm.sf(abs(z))))


def test_tvd_is_half_l1():
    assert st.tvd_shares(np.array([0.5, 0.5]), np.array([0.9, 0.1])) == pytest.approx(0.4)


def test_wasserstein_and_shares_on_sorted_values_equal_the_general_ones():
    from mltoolkit.drift import stats as st

    rng = np.random.default_rng(7)
    for n, m in [(1, 1), (2, 5), (997, 1000), (20_000, 3_001)]:
        a = np.round(rng.normal(size=n), 1)  # ties
        b = rng.lognormal(size=m)
        assert st.wasserstein_sorted(np.sort(a), np.sort(b)) == pytest.approx(stats.wasserstein_distance(a, b),
                                                                              rel=1e-12)
        edges = st.numeric_bins(a)
        np.testing.assert_array_equal(st.shares_sorted(np.sort(b), edges), st._shares_on(b, edges))
