"""Property: on any mix of messy columns, schema inference and the preprocessing end in a result or our error.

Real tables mix numbers, text booleans, odd strings, gaps, zoned and naive
dates, constant and empty columns. Whatever hypothesis draws, inferring the
schema and building and fitting the preprocessor as the data-preparation stage
does must give a fitted pipeline or an :class:`~mltoolkit.errors.MLToolkitError`
(which the CLI shows as one line), never another exception.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mltoolkit.data import infer_schema
from mltoolkit.errors import MLToolkitError
from mltoolkit.prep import build_preprocessor

_TIMES = st.datetimes(min_value=dt.datetime(1890, 1, 1), max_value=dt.datetime(2210, 1, 1))
_ZONES = st.sampled_from([dt.timezone.utc, dt.timezone(dt.timedelta(hours=2)), dt.timezone(dt.timedelta(hours=-5))])
_BOOL_TEXT = st.sampled_from(["yes", "no", "Yes", "NO", "y", "n", "true", "False", "t", "F", " yes ", None])
_ODD = st.one_of(st.text(max_size=8), st.sampled_from(["1st", "2nd", "3rd", "A12", "n/a", "", " ", "NaN", "12",
                                                       "03/04/2020", "2020-13-45", "0001-01-01", "\u00e9t\u00e9"]))


def _column(kind: str, n: int) -> st.SearchStrategy:
    maybe = lambda s: st.one_of(st.none(), s)  # noqa: E731 - a gap anywhere
    if kind == "number":
        return st.lists(maybe(st.floats(allow_nan=True, allow_infinity=False, width=32)), min_size=n, max_size=n)
    if kind == "integer":
        return st.lists(st.integers(-10**6, 10**6), min_size=n, max_size=n)
    if kind == "yes_no":
        return st.lists(_BOOL_TEXT, min_size=n, max_size=n)
    if kind == "odd":
        return st.lists(maybe(_ODD), min_size=n, max_size=n)
    if kind == "naive_date":
        return st.lists(maybe(_TIMES), min_size=n, max_size=n).map(lambda v: pd.to_datetime(pd.Series(v)))
    if kind == "zoned_date":
        return st.lists(maybe(_TIMES), min_size=n, max_size=n).map(
            lambda v: pd.to_datetime(pd.Series(v)).dt.tz_localize("Europe/Berlin", ambiguous="NaT",
                                                                   nonexistent="NaT"))
    if kind == "date_text":  # ISO text, some with Z or an offset, some without
        stamp = st.tuples(_TIMES, st.one_of(st.none(), _ZONES)).map(
            lambda t: t[0].replace(tzinfo=t[1]).isoformat().replace("+00:00", "Z"))
        return st.lists(maybe(stamp), min_size=n, max_size=n)
    if kind == "day_month":
        text = st.tuples(st.integers(1, 28), st.integers(1, 12), st.integers(1990, 2030)).map(
            lambda t: f"{t[0]:02d}/{t[1]:02d}/{t[2]}")
        return st.lists(maybe(text), min_size=n, max_size=n)
    if kind == "mixed":  # what a spreadsheet column holds after hand edits
        value = st.one_of(st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=False), _ODD, st.booleans(),
                          _BOOL_TEXT, _TIMES)
        return st.lists(value, min_size=n, max_size=n).map(lambda v: pd.Series(v, dtype=object))
    if kind == "bool_objects":
        return st.lists(st.sampled_from([True, False, None]), min_size=n, max_size=n).map(
            lambda v: pd.Series(v, dtype=object))
    if kind == "constant":
        return st.sampled_from(["x", 1, 0.5, True]).map(lambda v: [v] * n)
    if kind == "empty":
        return st.sampled_from([None, np.nan]).map(lambda v: [v] * n)
    raise AssertionError(kind)  # pragma: no cover


KINDS = ["number", "integer", "yes_no", "odd", "naive_date", "zoned_date", "date_text", "day_month", "mixed",
         "bool_objects", "constant", "empty"]


@st.composite
def messy_frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 30))
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=6))
    columns = {f"{kind}_{i}": draw(_column(kind, n)) for i, kind in enumerate(kinds)}
    return pd.DataFrame({name: pd.Series(values) if isinstance(values, list) else values.reset_index(drop=True)
                         for name, values in columns.items()})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messy_frames())
def test_schema_and_preprocessing_end_in_a_result_or_our_error(frame):
    try:
        schema = infer_schema(frame)
        assert schema.names == list(frame.columns)
        pre = build_preprocessor(schema)
        pre.fit(frame)
        out = pre.transform(frame)
    except MLToolkitError:
        return
    assert len(out) == len(frame)
    numbers = out.to_numpy(dtype=float)
    assert not np.isinf(numbers).any()
