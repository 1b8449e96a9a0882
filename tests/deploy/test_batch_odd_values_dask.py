"""Odd values in a Dask batch: scored and counted, or set aside, as in a pandas batch (``dask_client`` fixture)."""
from __future__ import annotations

import pandas as pd
import pytest

from mltoolkit.data import make_trial_conversion
from mltoolkit.deploy import predict_batch

dd = pytest.importorskip("dask.dataframe")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def odd_rows() -> pd.DataFrame:
    """1,200 rows with values far above the training range and never-seen categories in several partitions."""
    df = make_trial_conversion(1200, seed=41).drop(columns="converted")
    df.loc[[3, 401, 1199], "days_in_trial"] = 1e6
    df.loc[[10, 850], "location"] = "Atlantis"
    return df


@pytest.mark.parametrize("odd_values", ["score", "set_aside"])
def test_dask_batch_handles_odd_values_as_pandas_does(dask_client, package, odd_rows, tmp_path, odd_values):
    odd_rows.to_parquet(tmp_path / "in.parquet", index=False)
    expected = predict_batch(package, str(tmp_path / "in.parquet"), tmp_path / "pandas.parquet", chunk_rows=500,
                             keep_columns=("prospect_id",), odd_values=odd_values)
    result = predict_batch(package, dd.from_pandas(odd_rows, npartitions=3), tmp_path / "dask.parquet",
                           keep_columns=("prospect_id",), odd_values=odd_values)
    scored = pd.read_parquet(tmp_path / "dask.parquet").sort_values("row", ignore_index=True)
    reference = pd.read_parquet(tmp_path / "pandas.parquet")
    assert scored["row"].tolist() == reference["row"].tolist()
    assert scored["score"].to_numpy() == pytest.approx(reference["score"].to_numpy(), abs=1e-12)
    assert result.out_of_range == expected.out_of_range == {"days_in_trial": 3}
    assert result.unseen_categories == expected.unseen_categories == {"location": 2}
    assert (result.rows, result.set_aside_rows) == (expected.rows, expected.set_aside_rows)
    if odd_values == "set_aside":
        assert result.set_aside_rows == 5 and result.set_aside_output.endswith("dask.set_aside.parquet")
        aside = pd.read_parquet(result.set_aside_output)
        assert aside["row"].tolist() == [3, 10, 401, 850, 1199]
        assert aside.equals(pd.read_parquet(expected.set_aside_output))
