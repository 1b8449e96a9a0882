"""The streamed profile (Parquet batches, Dask partitions) against the in-memory profile of the same rows."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats.contingency import association

from mltoolkit.data import make_trial_conversion
from mltoolkit.eda import profile, profile_stream
from mltoolkit.errors import ConfigError, SchemaError

N_FILES = 4


def _frame() -> pd.DataFrame:
    df = make_trial_conversion(6000, seed=21)
    rng = np.random.default_rng(21)
    heavy = rng.lognormal(0, 1.5, len(df))
    heavy[rng.random(len(df)) < 0.05] = np.nan
    heavy[:3] = np.inf
    df["heavy"] = heavy
    df["twin"] = df["website_visits"] * 2 + rng.normal(size=len(df))
    df["flag"] = rng.random(len(df)) < 0.2
    df["comment"] = np.where(rng.random(len(df)) < 0.3, None,
                             np.array(["short note", "a much longer free text remark about the trial",
                                       "call back next week please"], dtype=object)[rng.integers(0, 3, len(df))])
    return df


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("stream") / "parts"
    path.mkdir()
    df = _frame()
    for i, part in enumerate(np.array_split(np.arange(len(df)), N_FILES)):
        df.iloc[part].to_parquet(path / f"part-{i}.parquet", index=False)
    return str(path)


@pytest.fixture(scope="module")
def frame(folder) -> pd.DataFrame:
    return pd.read_parquet(folder)  # the same rows and dtypes as the streamed batches


@pytest.fixture(scope="module")
def in_memory(frame):
    return profile(frame, target="converted")


@pytest.fixture(scope="module")
def streamed(folder):
    return profile(folder, target="converted", batch_rows=700)


def _pairs(result, method):
    return {frozenset((p.a, p.b)): p.value for p in result.correlations.top_pairs if p.method == method}


def assert_same_profile(a, b, data: pd.DataFrame) -> None:
    """Exact where the statistic merges exactly; allclose for moments; within rank error for quantiles."""
    assert (a.overview.n_rows, a.overview.n_columns, a.overview.n_missing_cells, a.overview.n_duplicate_rows) == \
        (b.overview.n_rows, b.overview.n_columns, b.overview.n_missing_cells, b.overview.n_duplicate_rows)
    assert a.overview.kinds == b.overview.kinds
    rank_error = 1 / 2002 * 40  # generous multiple of QuantileSketch's per-compression bound
    for ca, cb in zip(a.columns, b.columns):
        assert (ca.name, ca.kind, ca.count, ca.n_missing) == (cb.name, cb.kind, cb.count, cb.n_missing)
        if ca.kind in ("categorical", "boolean"):
            assert cb.n_distinct == ca.n_distinct
            assert {t.value: t.count for t in cb.categorical.top} == {t.value: t.count for t in ca.categorical.top}
            assert cb.categorical.other_count == ca.categorical.other_count
        if ca.numeric is not None:
            sa, sb = ca.numeric, cb.numeric
            assert (sb.min, sb.max, sb.n_zeros, sb.n_negative, sb.n_infinite) == \
                (sa.min, sa.max, sa.n_zeros, sa.n_negative, sa.n_infinite)
            np.testing.assert_allclose([sb.mean, sb.std, sb.skewness, sb.kurtosis],
                                       [sa.mean, sa.std, sa.skewness, sa.kurtosis], rtol=1e-9)
            assert sb.histogram == sa.histogram
            values = pd.to_numeric(data[ca.name], errors="coerce").to_numpy(dtype=float)
            values = np.sort(values[np.isfinite(values)])
            for key, q in sb.quantiles.items():
                p = int(key[:-1]) / 100
                lo = np.searchsorted(values, q, side="left") / values.size
                hi = np.searchsorted(values, q, side="right") / values.size
                assert lo - rank_error <= p <= hi + rank_error, (ca.name, key)
        if ca.datetime is not None:
            assert cb.datetime == ca.datetime
            assert cb.n_distinct == ca.n_distinct
        if ca.text is not None:
            assert (cb.text.min_length, cb.text.max_length, cb.text.histogram) == \
                (ca.text.min_length, ca.text.max_length, ca.text.histogram)
            np.testing.assert_allclose([cb.text.mean_length, cb.text.mean_words],
                                       [ca.text.mean_length, ca.text.mean_words])
    for method in ("pearson", "cramers_v", "correlation_ratio"):
        pa, pb = _pairs(a, method), _pairs(b, method)
        assert pb.keys() == pa.keys(), method
        np.testing.assert_allclose([pb[k] for k in pa], [pa[k] for k in pa], rtol=1e-7, atol=1e-10)
    assert [c.value for c in b.target.balance] == [c.value for c in a.target.balance]
    ta = {x.feature: x.value for x in a.target.associations}
    tb = {x.feature: x.value for x in b.target.associations}
    assert tb.keys() == ta.keys()
    np.testing.assert_allclose([tb[k] for k in ta], [ta[k] for k in ta], rtol=1e-7, atol=1e-10)


def test_parquet_directory_in_small_batches_matches_the_in_memory_profile(in_memory, streamed, frame):
    assert_same_profile(in_memory, streamed, frame)


def test_streamed_pearson_matches_pandas_with_missing_and_infinite_values(streamed, frame):
    finite = frame[["heavy", "twin", "website_visits"]].replace([np.inf, -np.inf], np.nan)
    pairs = _pairs(streamed, "pearson")
    assert pairs[frozenset(("heavy", "twin"))] == pytest.approx(finite["heavy"].corr(finite["twin"]), rel=1e-9)
    assert pairs[frozenset(("twin", "website_visits"))] == pytest.approx(
        finite["twin"].corr(finite["website_visits"]), rel=1e-9)


def test_streamed_cramers_v_matches_scipy(streamed, frame):
    both = frame[["seniority", "plan_type"]].dropna()
    expected = association(pd.crosstab(both["seniority"], both["plan_type"]).to_numpy(), method="cramer")
    assert _pairs(streamed, "cramers_v")[frozenset(("seniority", "plan_type"))] == pytest.approx(expected)


def test_what_is_left_out_or_estimated_is_said(streamed):
    assert any("Spearman" in n for n in streamed.correlations.notes)
    assert not any(p.method == "spearman" for p in streamed.correlations.top_pairs)
    assert any("prospect_id" in n and "estimate" in n for n in streamed.notes)
    ids = streamed.column("prospect_id")
    assert abs(ids.n_distinct - 6000) / 6000 < 0.06  # KMV estimate: ~1.6% standard error


def test_duplicates_are_counted_across_batches_or_not_at_all(tmp_path):
    df = pd.DataFrame({"x": np.arange(1000) % 400, "c": np.array(["a", "b"])[np.arange(1000) % 2]})
    path = tmp_path / "dupes.parquet"
    df.to_parquet(path, index=False)
    assert profile(path, batch_rows=128).overview.n_duplicate_rows == int(df.duplicated().sum()) == 600
    capped = profile_stream(path, batch_rows=128, row_hash_limit=100)
    assert capped.overview.n_duplicate_rows is None and capped.overview.duplicate_share is None
    assert any("duplicate rows not counted" in n for n in capped.notes)
    assert not any(a.type == "duplicates" for a in capped.alerts)


def test_fingerprint_is_deterministic_and_independent_of_batch_size(folder, streamed, in_memory):
    again = profile_stream(folder, target="converted", batch_rows=1999)
    assert again.fingerprint == streamed.fingerprint
    assert streamed.fingerprint.schema_hash == in_memory.fingerprint.schema_hash
    assert streamed.fingerprint.n_rows == 6000


def test_regression_target_streams(frame, tmp_path):
    path = tmp_path / "reg.parquet"
    frame.to_parquet(path, index=False)
    a = profile(frame, target="twin")
    b = profile(path, target="twin", batch_rows=1000)
    assert b.target.task == a.target.task == "regression"
    ta = {x.feature: x.value for x in a.target.associations}
    tb = {x.feature: x.value for x in b.target.associations}
    assert tb.keys() == ta.keys()
    np.testing.assert_allclose([tb[k] for k in ta], [ta[k] for k in ta], rtol=1e-7)


def test_directory_with_differing_schemas_names_the_file(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    df = pd.DataFrame({"a": [1.0, 2.0], "b": [3, 4]})
    df.to_parquet(folder / "one.parquet", index=False)
    df.assign(b=df["b"].astype(str)).to_parquet(folder / "two.parquet", index=False)
    with pytest.raises(SchemaError, match=r"two\.parquet"):
        profile(folder)


def test_sample_is_refused_for_streamed_data(folder):
    with pytest.raises(ConfigError, match="sample"):
        profile(folder, sample=100)


@pytest.mark.slow
def test_dask_dataframe_on_a_cluster_matches_the_in_memory_profile(dask_client, frame, in_memory, streamed):
    dd = pytest.importorskip("dask.dataframe")
    ddf = dd.from_pandas(frame, npartitions=5)
    result = profile(ddf, target="converted")
    assert_same_profile(in_memory, result, frame)
    # Same rows, same content hash; the schema hash names dtypes, which Dask may store differently.
    assert result.fingerprint.content_hash == streamed.fingerprint.content_hash


def test_all_numeric_parquet_streams(tmp_path):
    rng = np.random.default_rng(5)
    df = pd.DataFrame(rng.normal(size=(3000, 4)), columns=list("abcd"))
    df.loc[rng.random(3000) < 0.1, "a"] = np.nan
    df.loc[:2, "b"] = np.inf
    path = tmp_path / "numbers.parquet"
    df.to_parquet(path, index=False)
    a, b = profile(df), profile(path, batch_rows=500)
    for ca, cb in zip(a.columns, b.columns):
        assert (cb.n_missing, cb.numeric.n_infinite, cb.numeric.min, cb.numeric.max) == \
            (ca.n_missing, ca.numeric.n_infinite, ca.numeric.min, ca.numeric.max)
        assert cb.numeric.mean == pytest.approx(ca.numeric.mean, rel=1e-12)
    np.testing.assert_allclose(sorted(p.value for p in b.correlations.top_pairs if p.method == "pearson"),
                               sorted(p.value for p in a.correlations.top_pairs if p.method == "pearson"), rtol=1e-9)


def test_streamed_pairs_with_too_few_rows_together_get_no_association(tmp_path):
    rng = np.random.default_rng(22)
    n = 2000
    sparse = np.full(n, np.nan)
    sparse[rng.choice(n, 20, replace=False)] = rng.normal(size=20)  # 20 rows present, under the 30 needed
    g = rng.choice(list("pqrstuvwxyz"), n)
    df = pd.DataFrame({"sparse": sparse, "x": rng.normal(size=n), "g": g,
                       "cat_sparse": np.where(np.isnan(sparse), None, g), "y": rng.integers(0, 2, n)})
    df.to_parquet(tmp_path / "d.parquet")
    r = profile_stream(tmp_path / "d.parquet", target="y", batch_rows=500)
    assert not any("sparse" in (p.a, p.b) for p in r.correlations.top_pairs)
    assert not any("sparse" in a.feature for a in r.target.associations)
    assert any({p.a, p.b} == {"x", "g"} for p in r.correlations.top_pairs)


def test_streamed_all_missing_target_is_a_data_error(tmp_path):
    from mltoolkit.errors import DataError

    pd.DataFrame({"x": np.arange(300.0), "y": np.full(300, np.nan)}).to_parquet(tmp_path / "d.parquet")
    with pytest.raises(DataError, match="target column 'y' is entirely missing"):
        profile_stream(tmp_path / "d.parquet", target="y", batch_rows=100)
