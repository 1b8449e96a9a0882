"""Checking JSON records (online requests) against the input schema without building a DataFrame first.

The one check of every online request, whatever its size: plain Python over
the JSON values, which takes each value as JSON typed it (a number field takes
numbers, not the text ``"3"`` a CSV would hold). Messages follow
:meth:`InputSchema.check` with ``odd_values="refuse"`` (the range rules live
there), and the frame it gives has the same column types, so predictions do not
depend on the path taken.
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


#: How much of a refused value an error message repeats.
_SHOWN_CHARS = 40


def _show(v: Any) -> str:
    """A refused value as an error message shows it: short, and printable whatever the client sent.

    ``repr`` escapes lone surrogates and control characters; lists and objects are
    named, not printed (a value nested a thousand levels deep has no useful text).
    """
    if isinstance(v, dict):
        return "an object"
    if isinstance(v, list):
        return "a list"
    text = repr(v)
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "..."


def _examples(bad: Sequence[Any]) -> str:
    return f"[{', '.join(map(_show, bad[:3]))}]"


def _is_text(v: Any) -> bool:
    """True for a string that can be stored and sent back as UTF-8 (JSON's ``\\ud800`` escape makes one that cannot)."""
    if v.isascii():
        return True
    try:
        v.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _as_number(v: Any) -> float | None:
    """``v`` as a finite float, or None when it is not a number (text, booleans, lists) or too large for one."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    try:
        out = float(v)
    except OverflowError:  # JSON integers have no size limit; 10**400 is no float
        return None
    return out if math.isfinite(out) else None


def _check_names(records: Sequence[Mapping[str, Any]], names: set[str]) -> tuple[str, ...]:
    """Field names in ``records`` that the model does not use (ignored), refusing names that are not text."""
    extra = {k for r in records for k in r if k not in names}
    bad = sorted(_show(k) for k in extra if not _is_text(k))
    if bad:
        raise SchemaError(f"field name(s) {', '.join(bad[:3])} in the request are not valid Unicode text (a lone "
                          "surrogate escape such as \\ud800); send field names as UTF-8 text", column=None)
    return tuple(sorted(extra))


def check_records(schema: InputSchema, records: Sequence[Mapping[str, Any]], *,
                  source: str = "the request") -> tuple[dict[str, np.ndarray], CheckOutcome]:
    """Check ``records`` (dicts of field -> JSON value); return the model's input columns and the outcome.

    The one check of online requests, whatever their size. Columns are numpy
    arrays: numbers and booleans as floats (NaN for missing; booleans 1.0/0.0),
    dates and times as ``datetime64`` (NaT; pandas' zoned times where the
    training data had a time zone), strings as objects (None).
    :func:`frame_from_columns` turns them into the frame :meth:`InputSchema.check`
    would give.

    Values are taken as JSON types them: a number field takes finite JSON
    numbers (not ``"3"``, not ``true``, not ``10**400``), a date/time field
    takes text, a text field takes text or a number (read as its text), never a
    list or an object; text must be valid Unicode (no lone surrogates).

    Parameters
    ----------
    schema : InputSchema
        The model's input schema.
    records : sequence of mappings
        The request's records, as parsed from JSON.
    source : str, default "the request"
        How error messages name the records.

    Returns
    -------
    tuple of (dict of str to numpy.ndarray, CheckOutcome)

    Raises
    ------
    SchemaError
        A field the model needs is absent from a record, a value of the wrong type,
        or a number far outside the training range; the message names the field
        (``column``), or the field names that are not text.

    Examples
    --------
    >>> from mltoolkit.deploy.input_schema import FieldSpec, InputSchema
    >>> schema = InputSchema((FieldSpec("x", "number", True, 0.0, 10.0),))
    >>> columns, outcome = check_records(schema, [{"x": 1.5}, {"x": None, "y": 1}])
    >>> columns["x"].tolist(), outcome.extra_columns
    ([1.5, nan], ('y',))
    >>> check_records(schema, [{"x": "3"}])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mltoolkit.errors.SchemaError: the request does not fit ... 'x' must be a number (finite, not text), got ['3']
    """
    names = set(schema.names)
    missing = sorted({f.name for f in schema.fields for r in records if f.name not in r})
    if missing:
        raise SchemaError(f"{source} lacks field(s) {missing} the model needs (it needs: {', '.join(schema.names)})",
                          column=missing[0])
    extra = _check_names(records, names)
    columns: dict[str, np.ndarray] = {}
    problems: list[tuple[str, str]] = []  # (field, what is wrong with it)
    unseen: dict[str, int] = {}
    new_missing: dict[str, int] = {}
    for f in schema.fields:
        values = [r[f.name] for r in records]
        gaps = sum(_is_missing(v) for v in values)
        if gaps and not f.nullable:
            new_missing[f.name] = gaps
        if f.type in ("number", "integer"):
            numbers = [np.nan if _is_missing(v) else _as_number(v) for v in values]
            bad = [v for v, x in zip(values, numbers) if x is None]
            if bad:
                problems.append((f.name, f"'{f.name}' must be a number (finite, not text), got {_examples(bad)}"))
                continue
            arr = np.array(numbers, dtype=float)
            outside = int(outside_plausible_range(arr, f).sum())
            if outside:  # online, a number this far out is refused: the caller can fix the request and resend
                problems.append((f.name, out_of_range_problem(f, outside)))
            columns[f.name] = arr
        elif f.type == "boolean":
            meaning = [None if _is_missing(v) or not isinstance(v, (bool, int, str)) else boolean_value(v)
                       for v in values]
            bad = [v for v, m in zip(values, meaning) if m is None and not _is_missing(v)]
            if bad:
                problems.append((f.name, f"'{f.name}' must be true/false, got {_examples(bad)}"))
                continue
            columns[f.name] = np.array([np.nan if m is None else float(m) for m in meaning])
        else:
            text_ok = (str, int, float) if f.type == "string" else (str,)
            bad = [v for v in values if not _is_missing(v) and (isinstance(v, bool) or not isinstance(v, text_ok))]
            if bad:
                what = "text" if f.type == "string" else "a date/time as text"
                problems.append((f.name, f"'{f.name}' must be {what}, got {_examples(bad)}"))
                continue
            bad = [v for v in values if isinstance(v, str) and not _is_text(v)]
            if bad:
                problems.append((f.name, f"'{f.name}' must be valid Unicode text, got {_examples(bad)} (a lone "
                                         "surrogate escape such as \\ud800); send UTF-8 text"))
                continue
            text = [None if _is_missing(v) else str(v) for v in values]
            if f.type == "datetime":
                parsed = _iso_datetimes(text) if f.timezone is None else None
                if parsed is None:
                    series, problem = check_datetimes(pd.Series(text, dtype=object), f)
                    if problem:
                        problems.append((f.name, problem))
                        continue
                    # datetime64 values, or (a model trained on times with a zone) pandas' times in that zone
                    parsed = series.to_numpy() if series.dt.tz is None else series.array
                columns[f.name] = parsed
                continue
            if f.categories is not None:
                known = set(f.categories)
                k = sum(1 for t in text if t is not None and t not in known)
                if k:
                    unseen[f.name] = k
            columns[f.name] = np.array(text, dtype=object)
    if problems:
        raise SchemaError(f"{source} does not fit the model's input schema: " + "; ".join(p for _, p in problems),
                          column=problems[0][0])
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


def prediction_answer(version: str, preds: pd.DataFrame, outcome: CheckOutcome) -> dict[str, Any]:
    """The body of the answer to ``POST /predict`` (without the request id the server adds to each).

    Parameters
    ----------
    version : str
        The package's model version.
    preds : pandas.DataFrame
        :meth:`ModelPackage.score` of the checked records: ``prediction`` and, for classifiers, ``score``.
    outcome : CheckOutcome
        From :func:`check_records`; its warnings travel with the answer.

    Returns
    -------
    dict
        ``model_version``, ``predictions``, ``scores`` when the model has them, ``warnings`` when any.
    """
    out: dict[str, Any] = {"model_version": version, "predictions": preds["prediction"].tolist()}
    if "score" in preds:
        out["scores"] = preds["score"].to_numpy(dtype=float).tolist()
    if outcome.warnings:
        out["warnings"] = outcome.warnings
    return out
