from __future__ import annotations

import pandas as pd
import pytest
from scipy import stats

from mltoolkit.data import DRIFTED_COLUMNS, infer_schema, make_trial_conversion
from mltoolkit.errors import ConfigError


def test_same_seed_same_data():
    pd.testing.assert_frame_equal(make_trial_conversion(300, seed=3), make_trial_conversion(300, seed=3))


def test_has_missing_values_and_outliers():
    df = make_trial_conversion(20000, seed=1)
    assert 0.01 < df["location"].isna().mean() < 0.06
    assert df["website_visits"].max() > 20 * df["website_visits"].median()


def test_target_is_learnable_binary():
    df = make_trial_conversion(5000)
    assert set(df["converted"].unique()) == {0, 1}
    assert 0.1 < df["converted"].mean() < 0.5
    # demo_taken raises conversion, as the generator intends.
    by_demo = df.groupby("demo_taken")["converted"].mean()
    assert by_demo[True] > by_demo[False] + 0.05


def test_drift_moves_only_the_drifted_columns():
    ref = make_trial_conversion(20000, seed=1)
    cur = make_trial_conversion(20000, seed=2, drift=1.0)
    for col in ("website_visits", "days_in_trial", "pages_per_visit"):
        p = stats.ks_2samp(ref[col].dropna(), cur[col].dropna()).pvalue
        assert (p < 1e-6) == (col in DRIFTED_COLUMNS), col
    for col in ("location", "seniority"):
        table = pd.crosstab(pd.concat([ref[col], cur[col]]), [0] * len(ref) + [1] * len(cur))
        p = stats.chi2_contingency(table).pvalue
        assert (p < 1e-6) == (col in DRIFTED_COLUMNS), col


def test_schema_of_demo_data():
    schema = infer_schema(make_trial_conversion(1000))
    assert schema["prospect_id"].kind == "identifier"
    assert schema["signup_date"].kind == "datetime"
    assert schema["converted"].kind == "boolean"
    assert schema["location"].kind == "categorical"


@pytest.mark.parametrize("kwargs", [{"n_rows": 0}, {"drift": 1.5}, {"missing_rate": 0.9}])
def test_bad_arguments_are_refused(kwargs):
    args = {"n_rows": 10, **kwargs}
    with pytest.raises(ConfigError):
        make_trial_conversion(**args)
