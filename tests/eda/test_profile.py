from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats.contingency import association

from mltoolkit.data import make_trial_conversion
from mltoolkit.eda import profile
from mltoolkit.errors import ConfigError, DataError, SchemaError


@pytest.fixture(scope="module")
def demo():
    df = make_trial_conversion(3000, seed=11)
    return df, profile(df, target="converted")


def _pairs(result, method):
    return {frozenset((p.a, p.b)): p.value for p in result.correlations.top_pairs if p.method == method}


def test_numeric_statistics_match_scipy_and_numpy():
    rng = np.random.default_rng(0)
    x = rng.gamma(2.0, 3.0, 2000)
    x[:5] = 0.0
    s = profile(pd.DataFrame({"x": x})).column("x").numeric
    assert s.mean == pytest.approx(x.mean())
    assert s.std == pytest.approx(x.std(ddof=1))
    assert s.skewness == pytest.approx(stats.skew(x, bias=False))
    assert s.kurtosis == pytest.approx(stats.kurtosis(x, bias=False))
    assert s.quantiles["25%"] == pytest.approx(np.quantile(x, 0.25))
    assert s.quantiles["95%"] == pytest.approx(np.quantile(x, 0.95))
    assert s.n_zeros == 5 and sum(s.histogram.counts) == 2000


def test_counts_missing_and_distinct():
    df = pd.DataFrame({"c": ["a", "b", None, "a", "a"], "n": [1.0, np.nan, np.nan, 2.0, 2.0]})
    r = profile(df)
    c, n = r.column("c"), r.column("n")
    assert (c.count, c.n_missing, c.n_distinct) == (4, 1, 2)
    assert c.categorical.top[0].value == "a" and c.categorical.top[0].count == 3
    assert (n.count, n.n_missing, n.n_distinct) == (3, 2, 2)
    assert r.overview.n_missing_cells == 3


def test_pearson_and_spearman_match_pandas_with_missing_values():
    rng = np.random.default_rng(1)
    a = rng.normal(size=800)
    df = pd.DataFrame({"a": a, "b": a * 2 + rng.normal(size=800), "c": np.exp(a) + rng.normal(size=800)})
    df.loc[rng.random(800) < 0.1, "b"] = np.nan
    r = profile(df)
    pearson = _pairs(r, "pearson")
    assert pearson[frozenset(("a", "b"))] == pytest.approx(df["a"].corr(df["b"]))
    full = df.dropna()
    r2 = profile(full)
    assert _pairs(r2, "spearman")[frozenset(("a", "c"))] == pytest.approx(stats.spearmanr(full["a"], full["c"]).statistic)


def test_cramers_v_matches_scipy_association():
    rng = np.random.default_rng(2)
    a = rng.choice(list("xyz"), 1000)
    b = np.where(rng.random(1000) < 0.6, a, rng.choice(list("xyzw"), 1000))
    r = profile(pd.DataFrame({"a": a, "b": b}))
    expected = association(pd.crosstab(a, b).to_numpy(), method="cramer")
    assert _pairs(r, "cramers_v")[frozenset(("a", "b"))] == pytest.approx(expected)


def test_correlation_ratio_matches_hand_computation():
    rng = np.random.default_rng(3)
    g = rng.choice(["p", "q", "r"], 600)
    x = rng.normal(size=600) + (g == "q") * 1.5
    df = pd.DataFrame({"x": x, "g": g})
    means = df.groupby("g")["x"].transform("mean")
    eta = np.sqrt(((means - x.mean()) ** 2).sum() / ((x - x.mean()) ** 2).sum())
    assert _pairs(profile(df), "correlation_ratio")[frozenset(("x", "g"))] == pytest.approx(eta)


def test_target_analysis_balance_and_associations(demo):
    df, r = demo
    t = r.target
    assert t.task == "classification"
    shares = {c.value: c.share for c in t.balance}
    assert shares["1"] == pytest.approx(df["converted"].mean())
    names = [a.feature for a in t.associations]
    assert "demo_taken" in names[:4]
    assert all(0 <= a.value <= 1 for a in t.associations)


def test_regression_target_gets_distribution():
    rng = np.random.default_rng(4)
    x = rng.normal(size=500)
    r = profile(pd.DataFrame({"x": x, "y": 3 * x + rng.normal(size=500)}), target="y")
    assert r.target.task == "regression" and r.target.numeric.mean is not None
    assert r.target.associations[0].feature == "x" and r.target.associations[0].value > 0.9


def test_alerts_fire_on_planted_problems():
    rng = np.random.default_rng(5)
    n = 1000
    y = (rng.random(n) < 0.05).astype(int)
    df = pd.DataFrame({
        "mostly_missing": np.where(rng.random(n) < 0.7, np.nan, 1.0),
        "constant": 7,
        "skewed": rng.lognormal(0, 2, n),
        "zeros": np.where(rng.random(n) < 0.8, 0.0, 1.0) * rng.normal(size=n) + 0,
        "twin_a": rng.normal(size=n),
        "leak": y * 10 + rng.normal(scale=0.01, size=n),
        "y": y,
    })
    df["twin_b"] = df["twin_a"] * 3 + 1
    df = pd.concat([df, df.iloc[:10]], ignore_index=True)
    types = {(a.type, a.columns) for a in profile(df, target="y").alerts}
    assert ("missing", ("mostly_missing",)) in types
    assert ("constant", ("constant",)) in types
    assert ("skewed", ("skewed",)) in types
    assert ("zeros", ("zeros",)) in types
    assert ("duplicates", ()) in types
    assert ("imbalanced", ("y",)) in types
    assert ("target_leakage", ("leak", "y")) in types
    assert any(t == "high_correlation" and set(c) == {"twin_a", "twin_b"} for t, c in types)


def test_result_is_strict_json(demo):
    _, r = demo
    text = json.dumps(r.to_dict(), allow_nan=False)
    assert json.loads(text)["fingerprint"]["n_rows"] == 3000


def test_unknown_target_lists_columns():
    with pytest.raises(ConfigError, match="target column 'price' is not in the data; columns are: a, b"):
        profile(pd.DataFrame({"a": [1], "b": [2]}), target="price")


def test_empty_table_is_refused():
    with pytest.raises(DataError, match="empty"):
        profile(pd.DataFrame({"a": []}))


def test_duplicate_column_names_are_refused():
    with pytest.raises(SchemaError, match="duplicate"):
        profile(pd.DataFrame([[1, 2]], columns=["a", "a"]))


def test_single_column_works():
    r = profile(pd.DataFrame({"only": [1.0, 2.0, 3.0]}))
    assert r.overview.n_columns == 1 and r.correlations.top_pairs == ()


def test_all_missing_column_gives_empty_stats_and_critical_alert():
    r = profile(pd.DataFrame({"x": [np.nan] * 10, "y": range(10)}))
    assert r.column("x").numeric.mean is None
    assert any(a.type == "missing" and a.severity == "critical" and a.columns == ("x",) for a in r.alerts)


def test_mixed_type_column_is_profiled_and_flagged():
    df = pd.DataFrame({"m": pd.Series([1, "a", 2.5, "b", 3, None] * 20, dtype=object), "n": range(120)})
    r = profile(df)
    assert r.column("m").mixed_types
    assert any(a.type == "mixed_types" for a in r.alerts)


def test_infinite_values_are_counted_and_left_out_of_moments():
    r = profile(pd.DataFrame({"x": [1.0, 2.0, np.inf, -np.inf, 3.0]}))
    s = r.column("x").numeric
    assert s.n_infinite == 2 and s.mean == pytest.approx(2.0) and s.max == 3.0
    assert any(a.type == "infinite" for a in r.alerts)


def test_ten_thousand_categories_are_handled():
    rng = np.random.default_rng(6)
    df = pd.DataFrame({"code": [f"c{i}" for i in rng.integers(0, 20000, 50000)], "x": rng.normal(size=50000),
                       "g": rng.choice(["a", "b"], 50000)})
    r = profile(df)
    col = r.column("code")
    assert col.n_distinct > 10000 and len(col.categorical.top) == 20
    assert any(a.type == "high_cardinality" and a.columns == ("code",) for a in r.alerts)
    assert any("code" in note for note in r.correlations.notes)


def test_markup_column_name_is_kept_verbatim_in_the_result():
    name = "<script>alert(1)</script>"
    r = profile(pd.DataFrame({name: [1.0, 2.0, 3.0]}))
    assert r.columns[0].name == name  # escaping is the presentation layer's job


def test_sample_profiles_subset_but_overview_counts_all_rows():
    df = make_trial_conversion(5000)
    r = profile(df, sample=1000)
    assert r.overview.n_rows == 5000 and r.sampled_rows == 1000
    assert r.column("location").count + r.column("location").n_missing == 1000


def test_wide_data_keeps_top_pairs_instead_of_matrices():
    rng = np.random.default_rng(7)
    df = pd.DataFrame(rng.normal(size=(300, 60)), columns=[f"c{i}" for i in range(60)])
    df["c59"] = df["c0"] * 2
    r = profile(df, matrix_limit=20)
    assert not any(m.method == "pearson" for m in r.correlations.matrices)
    assert r.correlations.top_pairs[0].value == pytest.approx(1.0)


def test_each_correlated_pair_gets_one_alert_naming_its_strongest_measure():
    rng = np.random.default_rng(20)
    a = rng.normal(size=1000)
    df = pd.DataFrame({"a": a, "b": 2 * a + 0.01 * rng.normal(size=1000), "c": np.exp(a)})  # c: Spearman 1, Pearson less
    r = profile(df)
    alerts = [x for x in r.alerts if x.type == "high_correlation"]
    assert sorted(tuple(sorted(x.columns)) for x in alerts) == [("a", "b"), ("a", "c"), ("b", "c")]
    ac = next(x for x in alerts if set(x.columns) == {"a", "c"})
    assert "spearman 1.00" in ac.message and ac.value == pytest.approx(stats.spearmanr(a, df["c"]).statistic)


def test_pairs_with_fewer_than_min_rows_present_together_get_no_association():
    rng = np.random.default_rng(21)
    n = 1000
    g = rng.choice(list("pqrstuvwxyz"), n)
    sparse = np.full(n, np.nan)
    present = rng.choice(n, 20, replace=False)  # 98% missing: 20 rows with any other column, under the 30 needed
    sparse[present] = rng.normal(size=20)
    ok = np.full(n, np.nan)
    ok[rng.choice(n, 40, replace=False)] = 1.0
    ok[~np.isnan(ok)] = rng.normal(size=40)
    x = rng.normal(size=n)
    df = pd.DataFrame({"sparse": sparse, "ok": ok, "x": x, "g": g,
                       "cat_sparse": np.where(np.isnan(sparse), None, g)})
    r = profile(df, target="x")
    pairs = {(frozenset((p.a, p.b)), p.method) for p in r.correlations.top_pairs}
    assert not any("sparse" in cols for cols, _ in pairs)
    assert (frozenset(("ok", "x")), "pearson") in pairs
    assert "sparse" not in [a.feature for a in r.target.associations]
    assert "cat_sparse" not in [a.feature for a in r.target.associations]
    matrix = next(m for m in r.correlations.matrices if m.method == "pearson")
    assert matrix.values[matrix.columns.index("sparse")][matrix.columns.index("x")] is None
    assert not any(a.type == "high_correlation" and "sparse" in a.columns for a in r.alerts)


def test_all_missing_target_is_a_data_error_naming_it():
    df = pd.DataFrame({"x": np.arange(100.0), "y": np.full(100, np.nan)})
    with pytest.raises(DataError, match=r"target column 'y' is entirely missing .*leave the target out") as info:
        profile(df, target="y")
    assert info.value.facts["column"] == "y"
