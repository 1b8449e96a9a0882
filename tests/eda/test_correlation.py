"""Cramér's V, checked against scipy.stats.contingency.association."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats.contingency import association

from mltoolkit.eda.correlation import cramers_v_matrix


@pytest.mark.parametrize("missing", [0.0, 0.2])
def test_cramers_v_matches_scipy(missing):
    rng = np.random.default_rng(5)
    cols = [pd.Series(rng.integers(0, k, 4000)) for k in (2, 3, 6)]
    cols[1] = (cols[0] + cols[1]) % 3  # associated with the first
    for c in cols:
        c[rng.random(len(c)) < missing] = np.nan
    coded = [pd.factorize(c) for c in cols]
    got = cramers_v_matrix([c for c, _ in coded], [len(u) for _, u in coded])
    for i in range(3):
        for j in range(i + 1, 3):
            both = cols[i].notna() & cols[j].notna()
            table = pd.crosstab(cols[i][both], cols[j][both]).to_numpy()
            assert got[i, j] == pytest.approx(association(table, method="cramer"), rel=1e-10)
