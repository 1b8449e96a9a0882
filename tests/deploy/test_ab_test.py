"""A/B test analysis against scipy and textbook formulas."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mltoolkit.data import make_experiment_log
from mltoolkit.deploy import analyze_ab_test, sample_size_per_group
from mltoolkit.errors import ConfigError, DataError, SchemaError


def test_two_proportion_z_test_matches_the_formula():
    log = pd.DataFrame({"group": ["control"] * 1000 + ["treatment"] * 1000,
                        "converted": [1] * 100 + [0] * 900 + [1] * 130 + [0] * 870})
    r = analyze_ab_test(log, metric="converted")
    p = 230 / 2000
    z = (0.13 - 0.10) / math.sqrt(p * (1 - p) * (2 / 1000))
    assert r.test == "two-proportion z-test"
    assert r.p_value == pytest.approx(2 * stats.norm.sf(z))
    se = math.sqrt(0.1 * 0.9 / 1000 + 0.13 * 0.87 / 1000)
    assert r.ci_low == pytest.approx(0.03 - 1.959964 * se, abs=1e-6)
    assert r.relative_lift == pytest.approx(0.3)
    json.dumps(r.to_dict())


def test_welch_t_test_for_means_matches_scipy():
    rng = np.random.default_rng(1)
    log = pd.DataFrame({"group": ["control"] * 300 + ["treatment"] * 200,
                        "revenue": np.r_[rng.normal(10, 2, 300), rng.normal(10.8, 3, 200)]})
    r = analyze_ab_test(log, metric="revenue")
    ref = stats.ttest_ind(log.revenue[300:], log.revenue[:300], equal_var=False)
    assert r.test == "Welch t-test" and r.p_value == pytest.approx(ref.pvalue)


def test_sample_size_matches_the_textbook_value():
    # 10% -> 12% at alpha 0.05, power 0.8: about 3,839 per group (Fleiss without continuity correction).
    n = sample_size_per_group(0.10, 0.02)
    assert 3800 <= n <= 3900


def test_recommendations_follow_the_evidence():
    big = make_experiment_log(40_000, lift=0.25, seed=2)
    r = analyze_ab_test(big, metric="converted", minimum_effect=0.01, traffic_share=0.1)
    assert r.significant and r.recommendation == "expand" and r.next_traffic_share == 0.25
    worse = make_experiment_log(40_000, lift=-0.25, seed=3)
    assert analyze_ab_test(worse, metric="converted").recommendation == "stop"
    early = make_experiment_log(600, lift=0.0, seed=4)
    r = analyze_ab_test(early, metric="converted", minimum_effect=0.01)
    assert r.stopped_early and r.recommendation == "continue"


def test_bad_input_names_the_column():
    log = make_experiment_log(100, seed=5)
    with pytest.raises(SchemaError, match="no column 'convertd'"):
        analyze_ab_test(log, metric="convertd")
    with pytest.raises(DataError, match="group 'variant_b' does not occur"):
        analyze_ab_test(log, metric="converted", treatment="variant_b")
    with pytest.raises(DataError, match="not 0/1"):
        analyze_ab_test(log, metric="revenue", kind="proportion")
    with pytest.raises(ConfigError, match="minimum_effect must be positive"):
        sample_size_per_group(0.1, 0)
