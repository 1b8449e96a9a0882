"""Checking JSON records (online requests) against the input schema without building a DataFrame first.

For the few records of an online request, plain Python over the values is
faster than pandas' per-column machinery; the checks and messages are the same
as :meth:`InputSchema.check` on a frame with ``odd_values="refuse"`` (the rules
themselves live there), and the frame it returns has the same column types, so
predictions do not depend on the path taken.
"""
from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from mltoolkit.data.schema import boolean_value
from mltoolkit.deploy.input_schema import (
    CheckOutcome,
    InputSchema,
    check_datetimes,
    out_of_range_problem,
    outside_plausible_range,
)
from mltoolkit.errors import SchemaError

__all__ = ["check_records", "frame_from_columns", "frame_from_records"]

# Naive ISO 8601 dates and times to the microsecond: parsed by datetime.fromisoformat exactly as pandas parses them.
_NAIVE_ISO = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?")


def _iso_datetimes(text: list[str | None]) -> np.ndarray | None:
    """``datetime64[us]`` of naive ISO strings (None as NaT); None if any string is in another form."""
    if not all(t is None or _NAIVE_ISO.fullmatch(t) for t in text):
        return None
    return np.array([None if t is None else datetime.datetime.fromisoformat(t) for t in text], dtype="datetime64[us]")


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def check_records(schema: InputSchema, records: Sequence[Mapping[str, Any]], *,
                  source: str = "the request") -> tuple[dict[str, np.ndarray], CheckOutcome]:
    """Check ``records`` (dicts of field -> JSON value); return the model's input columns and the outcome.

    Columns are numpy arrays: numbers and booleans as floats (NaN for missing;
    booleans 1.0/0.0), dates and times as ``datetime64`` (NaT; pandas' zoned times
    where the training data had a time zone), strings as objects (None).
    :func:`frame_from_records` turns them into the frame :meth:`InputSchema.check`
    would give.

    Raises
    ------
    SchemaError
        A field the model needs is absent from a record, a value of the wrong type,
        or a number far outside the training range; the message names the field.
    """
    names = set(schema.names)
    missing = sorted({f.name for f in schema.fields for r in records if f.name not in r})
    if missing:
        raise SchemaError(f"{source} lacks field(s) {missing} the model needs (it needs: {', '.join(schema.names)})",
                          column=missing[0])
    extra = tuple(sorted({str(k) for r in records for k in r if k not in names}))
    columns: dict[str, np.ndarray] = {}
    problems: list[str] = []
    unseen: dict[str, int] = {}
    new_missing: dict[str, int] = {}
    for f in schema.fields:
        values = [r[f.name] for r in records]
        gaps = sum(_is_missing(v) for v in values)
        if gaps and not f.nullable:
            new_missing[f.name] = gaps
        if f.type in ("number", "integer"):
            bad = [v for v in values if not _is_missing(v) and (isinstance(v, bool) or not isinstance(v, (int, float)))]
            if bad:
                problems.append(f"'{f.name}' must be a number, got {[str(v) for v in bad[:3]]}")
                continue
            arr = np.array([np.nan if _is_missing(v) else float(v) for v in values], dtype=float)
            outside = int(outside_plausible_range(arr, f).sum())
            if outside:  # online, a number this far out is refused: the caller can fix the request and resend
                problems.append(out_of_range_problem(f, outside))
            columns[f.name] = arr
        elif f.type == "boolean":
            meaning = [None if _is_missing(v) or not isinstance(v, (bool, int, str)) else boolean_value(v)
                       for v in values]
            bad = [v for v, m in zip(values, meaning) if m is None and not _is_missing(v)]
            if bad:
                problems.append(f"'{f.name}' must be true/false, got {[str(v) for v in bad[:3]]}")
                continue
            columns[f.name] = np.array([np.nan if m is None else float(m) for m in meaning])
        elif f.type == "datetime":
            text = [None if _is_missing(v) else str(v) for v in values]
            parsed = _iso_datetimes(text) if f.timezone is None else None
            if parsed is None:
                series, problem = check_datetimes(pd.Series(text, dtype=object), f)
                if problem:
                    problems.append(problem)
                    continue
                # datetime64 values, or (a model trained on times with a zone) pandas' times in that zone
                parsed = series.to_numpy() if series.dt.tz is None else series.array
            columns[f.name] = parsed
        else:
            text = [None if _is_missing(v) else str(v) for v in values]
            if f.categories is not None:
                known = set(f.categories)
                k = sum(1 for t in text if t is not None and t not in known)
                if k:
                    unseen[f.name] = k
            columns[f.name] = np.array(text, dtype=object)
    if problems:
        raise SchemaError(f"{source} does not fit the model's input schema: " + "; ".join(problems),
                          column=problems[0].split("'")[1])
    return columns, CheckOutcome(n_rows=len(records), extra_columns=extra, unseen_categories=unseen,
                                 new_missing=new_missing)


def frame_from_columns(schema: InputSchema, columns: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """The frame of checked columns from :func:`check_records`, with the dtypes :meth:`InputSchema.check` gives."""
    out: dict[str, Any] = {}
    for f in schema.fields:
        values = columns[f.name]
        if f.type == "boolean":
            out[f.name] = pd.arrays.BooleanArray(values == 1.0, np.isnan(values))
        elif f.type in ("number", "integer", "datetime"):
            out[f.name] = values
        else:
            out[f.name] = pd.array(values, dtype="string")
    return pd.DataFrame(out, columns=schema.names)


def frame_from_records(schema: InputSchema, records: Sequence[Mapping[str, Any]], *,
                       source: str = "the request") -> tuple[pd.DataFrame, CheckOutcome]:
    """Check ``records`` (see :func:`check_records`) and return the model's input frame and the outcome."""
    columns, outcome = check_records(schema, records, source=source)
    return frame_from_columns(schema, columns), outcome
