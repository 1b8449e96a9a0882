"""The centred numeric block: statistics and associations checked against pandas, scipy and numpy."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mltoolkit.eda.column_stats import (
    _datetime_profile,
    _datetime_stats,
    _sorted_quantiles,
    profile_column,
)
from mltoolkit.eda.numeric_block import profile_numeric_block


def _table(missing: float, seed: int = 0, n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = rng.normal(size=n)
    df = pd.DataFrame({
        "a": base + rng.normal(size=n) * 0.5,
        "b": np.exp(base),
        "c": rng.integers(0, 5, n).astype(float),   # ties
        "d": rng.normal(size=n) * 1e6 + 1e9,         # large offset
    })
    for col in df.columns:
        df.loc[rng.random(n) < missing, col] = np.nan
    df.loc[:3, "a"] = [np.inf, -np.inf, np.inf, 7.0]
    df.loc[4, "c"] = np.inf  # with ties
    return df


def _finite(df: pd.DataFrame) -> pd.DataFrame:
    return df.where(np.isfinite(df))


@pytest.mark.parametrize("missing", [0.0, 0.05, 0.4])  # no gaps, few (sparse sums), many (dense products)
def test_pearson_matches_pandas_pairwise_complete(missing):
    df = _table(missing)
    _, block = profile_numeric_block(df, list(df.columns))
    np.testing.assert_allclose(block.pearson(), _finite(df).corr().to_numpy(), atol=1e-12)


@pytest.mark.parametrize("missing", [0.0, 0.05, 0.4])
def test_spearman_is_pearson_on_average_ranks_of_finite_values(missing):
    df = _finite(_table(missing)) if missing else _table(missing).iloc[5:]  # no gaps: no infinities either
    ranks = df.apply(lambda s: pd.Series(stats.rankdata(s.dropna()), index=s.dropna().index))
    _, block = profile_numeric_block(df, list(df.columns))
    np.testing.assert_allclose(block.pearson(ranks=True), ranks.corr().to_numpy(), atol=1e-12)
    if missing == 0.0:
        np.testing.assert_allclose(block.pearson(ranks=True), stats.spearmanr(df.to_numpy()).statistic, atol=1e-12)


def test_single_precision_screening_finds_the_strongest_pairs_exactly():
    df = _table(0.05)
    _, block = profile_numeric_block(df, list(df.columns))
    i, j, r = block.strongest_pairs(3)
    exact = _finite(df).corr().to_numpy()
    np.testing.assert_allclose(r, exact[i, j], atol=1e-12)
    upper = np.abs(exact[np.triu_indices(4, 1)])
    np.testing.assert_allclose(np.abs(r), np.sort(upper)[::-1][:3], atol=1e-12)


def _eta(x: pd.Series, groups: pd.Series) -> float:
    ok = x.notna() & groups.notna()
    x, groups = x[ok], groups[ok]
    means = x.groupby(groups).transform("mean")
    return float(np.sqrt(((means - x.mean()) ** 2).sum() / ((x - x.mean()) ** 2).sum()))


@pytest.mark.parametrize("missing", [0.0, 0.1])
def test_correlation_ratio_matches_group_means(missing):
    df = _table(missing)
    rng = np.random.default_rng(1)
    groups = pd.Series(rng.choice(["x", "y", "z"], len(df)))
    groups[rng.random(len(df)) < missing] = None
    _, block = profile_numeric_block(df, list(df.columns))
    codes, uniques = pd.factorize(groups)
    eta = block.correlation_ratio([codes], [len(uniques)])[:, 0]
    expected = [_eta(_finite(df)[c], groups) for c in df.columns]
    np.testing.assert_allclose(eta, expected, atol=1e-12)


def test_pearson_with_a_vector_matches_pandas():
    df = _table(0.1)
    rng = np.random.default_rng(2)
    y = df["b"].fillna(0).to_numpy() + rng.normal(size=len(df))
    y[rng.random(len(df)) < 0.1] = np.nan
    _, block = profile_numeric_block(df, list(df.columns))
    expected = [_finite(df)[c].corr(pd.Series(y)) for c in df.columns]
    np.testing.assert_allclose(block.pearson_with(y), expected, atol=1e-12)


def test_block_profiles_match_the_per_column_profile():
    df = _table(0.1)
    profiles, _ = profile_numeric_block(df, list(df.columns))
    for p in profiles:
        one = profile_column(df[p.name], "numeric")
        assert (p.count, p.n_missing, p.n_distinct) == (one.count, one.n_missing, one.n_distinct)
        assert p.numeric.quantiles == one.numeric.quantiles
        assert p.numeric.histogram == one.numeric.histogram
        assert p.numeric.n_infinite == one.numeric.n_infinite
        for field in ("mean", "std", "skewness", "kurtosis"):
            assert getattr(p.numeric, field) == pytest.approx(getattr(one.numeric, field), rel=1e-12)


def test_block_skewness_and_kurtosis_match_pandas():
    df = _table(0.1)
    profiles, _ = profile_numeric_block(df, list(df.columns))
    finite = _finite(df)
    for p in profiles:
        assert p.numeric.skewness == pytest.approx(finite[p.name].skew(), rel=1e-10)
        assert p.numeric.kurtosis == pytest.approx(finite[p.name].kurt(), rel=1e-10)
        assert p.numeric.std == pytest.approx(finite[p.name].std(), rel=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 100, 10_001])
def test_sorted_quantiles_are_numpys_bit_for_bit(n):
    rng = np.random.default_rng(n)
    for values in (np.sort(rng.normal(size=n)), np.sort(rng.integers(0, 3, n).astype(float))):
        q = (0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0)
        np.testing.assert_array_equal(_sorted_quantiles(values, q), np.quantile(values, q))


@pytest.mark.parametrize("tz", [None, "Europe/Paris"])
def test_datetime_profile_counts_as_factorize_and_keeps_the_statistics(tz):
    rng = np.random.default_rng(4)
    s = pd.Series(pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 10**6, 5000), unit="s"))
    s[rng.random(len(s)) < 0.1] = pd.NaT
    if tz:
        s = s.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    n_missing, n_distinct, got = _datetime_profile(s, 30)
    codes, uniques = pd.factorize(s)
    assert (n_missing, n_distinct) == (int((codes < 0).sum()), len(uniques))
    assert got == _datetime_stats(s, 30)


@pytest.mark.parametrize("case", ["continuous", "ties", "infinities", "all_missing", "no_gaps"])
def test_ranks_are_scipy_rankdata_of_the_finite_values_centred(case):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(2000, 3))
    if case in ("ties", "infinities"):
        X = X.round(1)
    if case != "no_gaps":
        X[rng.random(X.shape) < 0.1] = np.nan
    if case == "infinities":  # left out of the ranks, as missing values are
        X[:5, 0], X[5:9, 0] = np.inf, -np.inf
    if case == "all_missing":
        X[:, 1] = np.nan
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    _, block = profile_numeric_block(df, list(df.columns))
    for j in range(3):
        finite = np.isfinite(X[:, j])
        assert (block.R0[~finite, j] == 0).all()
        assert list(block.gaps[j]) == list(np.flatnonzero(~finite))
        if finite.any():
            centre = (finite.sum() + 1) / 2
            np.testing.assert_allclose(block.R0[finite, j] + centre, stats.rankdata(X[finite, j]))


def test_wide_block_pearson_matches_pandas():
    rng = np.random.default_rng(6)
    X = rng.normal(size=(600, 70)) + rng.normal(size=(600, 1))
    X[rng.random(X.shape) < 0.03] = np.nan
    df = pd.DataFrame(X)
    _, block = profile_numeric_block(df, list(df.columns))
    np.testing.assert_allclose(block.pearson(), df.corr().to_numpy(), atol=1e-12)
    np.testing.assert_allclose(block.pearson(dtype=np.float32), df.corr().to_numpy(), atol=1e-5)
    ranks = df.apply(lambda s: pd.Series(stats.rankdata(s.dropna()), index=s.dropna().index))
    np.testing.assert_allclose(block.pearson(ranks=True), ranks.corr().to_numpy(), atol=1e-12)
