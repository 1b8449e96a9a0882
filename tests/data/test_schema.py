from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mltoolkit.data import Schema, infer_schema
from mltoolkit.errors import ConfigError


def _kinds(df, **kw):
    return {c.name: c.kind for c in infer_schema(df, **kw).columns}


def test_infers_each_kind():
    n = 200
    rng = np.random.default_rng(0)
    df = pd.DataFrame({
        "customer_id": np.arange(n),
        "amount": rng.normal(size=n),
        "flag": rng.integers(0, 2, n),
        "yes_no": rng.choice(["yes", "no"], n),
        "color": rng.choice(["red", "green", "blue"], n),
        "when": pd.date_range("2024-01-01", periods=n, freq="D"),
        "when_text": pd.date_range("2024-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
        "comment": [f"this is a fairly long free text comment number {i} about things" for i in range(n)],
        "code": [f"AB{i:06d}" for i in range(n)],
    })
    assert _kinds(df) == {
        "customer_id": "identifier", "amount": "numeric", "flag": "boolean", "yes_no": "boolean",
        "color": "categorical", "when": "datetime", "when_text": "datetime", "comment": "text",
        "code": "identifier",
    }


def test_override_wins_and_is_marked():
    df = pd.DataFrame({"zip": [10115, 20095, 80331, 10115]})
    schema = infer_schema(df, overrides={"zip": "categorical"})
    assert schema["zip"].kind == "categorical"
    assert schema["zip"].overridden


def test_override_of_unknown_column_is_refused():
    with pytest.raises(ConfigError, match="'nope'.*columns are: a"):
        infer_schema(pd.DataFrame({"a": [1]}), overrides={"nope": "numeric"})


def test_override_with_unknown_kind_is_refused():
    with pytest.raises(ConfigError, match="use one of"):
        infer_schema(pd.DataFrame({"a": [1]}), overrides={"a": "number"})


def test_mixed_types_are_flagged():
    df = pd.DataFrame({"m": pd.Series([1, "a", 2.5, "b", 3] * 10, dtype=object)})
    assert infer_schema(df)["m"].mixed_types


def test_all_missing_column_does_not_crash():
    df = pd.DataFrame({"x": [np.nan] * 5, "s": pd.Series([None] * 5, dtype=object)})
    assert _kinds(df) == {"x": "numeric", "s": "categorical"}


def test_schema_round_trips_through_dict():
    schema = infer_schema(pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]}))
    assert Schema.from_dict(schema.to_dict()) == schema
    assert schema.of_kind("numeric") == ["a"]
