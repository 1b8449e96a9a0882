from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mltoolkit.data import Schema, infer_schema
from mltoolkit.data.schema import BOOLEAN_TEXT, boolean_value, to_datetimes
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


@pytest.mark.parametrize("values", [
    ["yes", "no", None, "Yes", "NO"],
    ["true", "False", np.nan, "TRUE"],
    ["y", "n", "Y", None],
    [" t", "f ", "T", None],
])
def test_boolean_text_of_any_case_with_gaps_is_boolean(values):
    assert _kinds(pd.DataFrame({"b": values * 10})) == {"b": "boolean"}


def test_a_non_boolean_value_outside_the_sample_keeps_a_column_categorical():
    values = ["yes", "no"] * 3000 + ["maybe"]
    assert _kinds(pd.DataFrame({"b": values})) == {"b": "categorical"}


def test_one_letter_alone_is_a_category_not_a_boolean():
    assert _kinds(pd.DataFrame({"sex": ["F"] * 30})) == {"sex": "categorical"}


def test_boolean_value_reads_the_vocabulary():
    assert [boolean_value(v) for v in ["YES", " no ", "t", "F", 1, 0.0, True, None, np.nan, "maybe", 2]] == \
        [True, False, True, False, True, False, True, None, None, None, None]
    assert set(BOOLEAN_TEXT.values()) == {True, False}


@pytest.mark.parametrize("values", [
    ["1st", "2nd", "3rd"],
    ["A12", "B7", "C3", "A1"],
    ["0001-01-01", "0002-03-04", "0150-01-01"],  # parses, but no plausible year
    ["Jan", "Feb", "Mar"],  # a month without a year
])
def test_labels_and_codes_are_not_dates(values):
    assert _kinds(pd.DataFrame({"c": values * 10}))["c"] != "datetime"


@pytest.mark.parametrize("values, fmt", [
    (["2024-01-05", "2024-02-06", "2024-03-07 10:30"], "ISO8601"),
    (["13/04/2020", "01/02/2021", "25/12/2019"], "%d/%m/%Y"),
    (["04/13/2020", "01/02/2021", "12/25/2019"], "%m/%d/%Y"),
    (["Jan 5, 2020", "Feb 6, 2021", "Mar 1, 2019"], "%b %d, %Y"),
])
def test_dates_are_read_with_one_format(values, fmt):
    col = infer_schema(pd.DataFrame({"d": values * 10}))["d"]
    assert (col.kind, col.datetime_format, col.day_month_ambiguous) == ("datetime", fmt, False)


def test_day_month_ambiguous_dates_are_flagged_and_noted():
    schema = infer_schema(pd.DataFrame({"d": ["03/04/2020", "01/02/2021", "12/11/2019", None] * 10}))
    col = schema["d"]
    assert col.kind == "datetime" and col.day_month_ambiguous
    assert col.datetime_format == "%m/%d/%Y"
    assert len(schema.notes) == 1 and schema.notes[0].startswith("d: dates such as '03/04/2020' were read month first")
    assert "dayfirst=True" in schema.notes[0]
    assert Schema.from_dict(json.loads(json.dumps(schema.to_dict()))) == schema


def test_iso_dates_whose_days_are_all_small_are_not_ambiguous():
    col = infer_schema(pd.DataFrame({"d": ["2020-03-04", "2021-01-02", "2019-12-11"] * 10}))["d"]
    assert not col.day_month_ambiguous and col.notes == ()


def test_times_with_offsets_are_datetimes_read_in_utc():
    values = pd.Series(["2024-01-10T10:00:00Z", "2024-07-10T10:00:00+02:00", "2024-03-01T08:30:00-05:00", None] * 5)
    col = infer_schema(pd.DataFrame({"t": values}))["t"]
    assert col.kind == "datetime" and col.datetime_format == "ISO8601"
    assert col.notes == ("times with a time-zone offset, read in UTC",)
    parsed = to_datetimes(values, col.datetime_format)
    utc = [pd.Timestamp(t, tz="UTC") for t in ("2024-01-10 10:00", "2024-07-10 08:00", "2024-03-01 13:30")]
    assert parsed.iloc[:4].tolist() == [*utc, pd.NaT]


def test_times_with_and_without_offsets_are_noted():
    values = ["2024-01-10T10:00:00Z", "2024-01-11T10:00:00"] * 10
    col = infer_schema(pd.DataFrame({"t": values}))["t"]
    assert col.kind == "datetime" and "times without one were read as UTC" in col.notes[0]
    assert to_datetimes(pd.Series(values)).iloc[1] == pd.Timestamp("2024-01-11 10:00", tz="UTC")


def test_zone_aware_dtype_is_datetime_and_kept():
    times = pd.Series(pd.date_range("2024-03-30", periods=30, freq="h", tz="Europe/Berlin"))
    assert _kinds(pd.DataFrame({"t": times})) == {"t": "datetime"}
    assert to_datetimes(times) is times


def test_schema_written_before_notes_existed_still_reads():
    old = {"columns": [{"name": "a", "kind": "numeric", "dtype": "float64", "mixed_types": False, "overridden": False}]}
    assert Schema.from_dict(old)["a"].notes == ()
