"""Average ranks for Spearman, checked against scipy.stats.rankdata."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from mltoolkit.eda.correlation import rank_columns


@pytest.mark.parametrize("case", ["continuous", "ties", "infinities", "all_missing", "no_gaps"])
def test_rank_columns_match_scipy_rankdata_on_present_values(case):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(2000, 3))
    if case in ("ties", "infinities"):
        X = X.round(1)
    if case != "no_gaps":
        X[rng.random(X.shape) < 0.1] = np.nan
    if case == "infinities":  # +inf must rank below NaN's stand-in, -inf first
        X[:5, 0], X[5:9, 0] = np.inf, -np.inf
    if case == "all_missing":
        X[:, 1] = np.nan
    ranks = rank_columns(X)
    for j in range(X.shape[1]):
        present = ~np.isnan(X[:, j])
        assert np.isnan(ranks[~present, j]).all()
        if present.any():
            np.testing.assert_allclose(ranks[present, j], stats.rankdata(X[present, j]))
