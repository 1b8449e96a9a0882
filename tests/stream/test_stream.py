"""Batches of Parquet data, mergeable moments and quantile sketches, Dask reductions."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mltoolkit.errors import DataError, MLToolkitError, SchemaError
from mltoolkit.stream import Moments, QuantileSketch, iter_batches, map_reduce, open_dataset


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    X = rng.lognormal(size=(20_000, 3))
    X[rng.random(X.shape) < 0.1] = np.nan
    X[:5, 0] = np.inf
    return pd.DataFrame(X, columns=["a", "b", "c"])


def _moments(batch: pd.DataFrame) -> Moments:
    return Moments.of(batch.to_numpy(dtype=float))


def test_merged_moments_equal_pandas(frame):
    m = map_reduce(frame, _moments, Moments.merge, batch_rows=1_234)
    finite = frame.replace(np.inf, np.nan)
    np.testing.assert_allclose(m.mean, finite.mean().to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(m.std(ddof=1), finite.std().to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(m.skewness(), finite.skew().to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(m.kurtosis(), finite.kurt().to_numpy(), rtol=1e-9)
    np.testing.assert_array_equal(m.n_infinite, [5, 0, 0])
    np.testing.assert_array_equal(m.min, finite.min().to_numpy())


def test_sketch_is_exact_for_small_data_and_within_its_bound_when_merged(frame):
    small = frame.iloc[:500]
    sk = QuantileSketch.of(small.to_numpy())
    probs = np.linspace(0, 1, 21)
    v = small["b"].dropna().to_numpy()
    np.testing.assert_array_equal(sk.quantiles(probs, 1), np.quantile(v, probs))
    merged = map_reduce(frame, lambda b: QuantileSketch.of(b.to_numpy()), QuantileSketch.merge, batch_rows=999)
    assert merged.compressions >= 1
    v = np.sort(frame["c"].dropna().to_numpy())
    q = merged.quantiles(probs, 2, v[0], v[-1])
    ranks = np.searchsorted(v, q) / v.size
    assert np.abs(ranks - probs).max() <= merged.rank_error


def test_parquet_directory_streams_in_batches(tmp_path, frame):
    folder = tmp_path / "parts"
    folder.mkdir()
    for i in range(4):
        frame.iloc[i * 5_000:(i + 1) * 5_000].to_parquet(folder / f"part-{i}.parquet")
    batches = list(iter_batches(folder, batch_rows=3_000))
    assert max(len(b) for b in batches) <= 3_000
    assert sum(len(b) for b in batches) == len(frame)
    m = map_reduce(folder, _moments, Moments.merge, batch_rows=3_000)
    np.testing.assert_allclose(m.mean, Moments.of(frame.to_numpy()).mean)


def test_parquet_directory_with_differing_schemas_is_refused(tmp_path, frame):
    folder = tmp_path / "mixed"
    folder.mkdir()
    frame.iloc[:10].to_parquet(folder / "a.parquet")
    frame.iloc[10:20].assign(b=lambda d: d["b"].astype(str)).to_parquet(folder / "b.parquet")
    with pytest.raises(SchemaError, match="do not share one schema.*'b'"):
        open_dataset(folder)


def test_missing_and_unreadable_sources(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        open_dataset(tmp_path / "nope.parquet")
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet at all")
    with pytest.raises(MLToolkitError, match="bad.parquet"):
        list(iter_batches(bad))
    with pytest.raises(MLToolkitError, match="pass a pandas DataFrame"):
        map_reduce([1, 2, 3], _moments, Moments.merge)


@pytest.mark.slow
def test_dask_reduction_equals_in_memory(dask_client, frame):
    dd = pytest.importorskip("dask.dataframe")
    ddf = dd.from_pandas(frame, npartitions=5)
    m = map_reduce(ddf, _moments, Moments.merge)
    full = Moments.of(frame.to_numpy())
    np.testing.assert_allclose(m.mean, full.mean, rtol=1e-12)
    np.testing.assert_allclose(m.m2, full.m2, rtol=1e-10)
    np.testing.assert_array_equal(m.n, full.n)


def test_hive_partitioned_dataset_keeps_its_partition_column(tmp_path, frame):
    import pyarrow.dataset as pads

    table = pa.Table.from_pandas(frame.assign(day=np.repeat(["mon", "tue"], len(frame) // 2)), preserve_index=False)
    pads.write_dataset(table, tmp_path / "hive", format="parquet", partitioning=["day"], partitioning_flavor="hive")
    dataset = pads.dataset(tmp_path / "hive", format="parquet", partitioning="hive")
    batches = list(iter_batches(dataset, batch_rows=4_000))
    assert sum(len(b) for b in batches) == len(frame)
    assert set(pd.concat(batches)["day"]) == {"mon", "tue"}
