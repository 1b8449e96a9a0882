"""Checking JSON records (online requests) against the input schema without building a DataFrame first.

For the few records of an online request, plain Python over the values is
faster than pandas' per-column machinery; the checks and messages are the same
as :meth:`InputSchema.check` on a frame, and the frame it returns has the same
column types, so predictions do not depend on the path taken.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from mltoolkit.deploy.input_schema import RANGE_SLACK, CheckOutcome, InputSchema, parse_datetimes
from mltoolkit.errors import SchemaError

__all__ = ["frame_from_records"]

_ABSENT = object()


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def frame_from_records(schema: InputSchema, records: Sequence[Mapping[str, Any]], *,
                       source: str = "the request") -> tuple[pd.DataFrame, CheckOutcome]:
    """Check ``records`` (dicts of field -> JSON value) and return the model's input frame and the outcome.

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
    columns: dict[str, Any] = {}
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
            if f.minimum is not None and f.maximum is not None:
                span = max(f.maximum - f.minimum, 1.0)
                lo, hi = f.minimum - RANGE_SLACK * span, f.maximum + RANGE_SLACK * span
                outside = int(np.sum((arr < lo) | (arr > hi)))
                if outside:
                    problems.append(f"'{f.name}' has {outside:,} values outside the plausible range "
                                    f"[{lo:g}, {hi:g}] (training saw {f.minimum:g} to {f.maximum:g})")
            columns[f.name] = arr
        elif f.type == "boolean":
            mapping = {True: True, False: False, 1: True, 0: False, "true": True, "false": False, "True": True,
                       "False": False}
            bad = [v for v in values if not _is_missing(v) and (not isinstance(v, (bool, int, str)) or v not in mapping)]
            if bad:
                problems.append(f"'{f.name}' must be true/false, got {[str(v) for v in bad[:3]]}")
                continue
            columns[f.name] = pd.array([None if _is_missing(v) else mapping[v] for v in values], dtype="boolean")
        elif f.type == "datetime":
            parsed = parse_datetimes(pd.Series([None if _is_missing(v) else str(v) for v in values], dtype=object))
            bad = [v for v, p in zip(values, parsed) if not _is_missing(v) and pd.isna(p)]
            if bad:
                problems.append(f"'{f.name}' must be a date/time, got {[str(v) for v in bad[:3]]}")
                continue
            columns[f.name] = parsed.to_numpy()
        else:
            text = [None if _is_missing(v) else str(v) for v in values]
            if f.categories is not None:
                known = set(f.categories)
                k = sum(1 for t in text if t is not None and t not in known)
                if k:
                    unseen[f.name] = k
            columns[f.name] = pd.array(text, dtype="string")
    if problems:
        raise SchemaError(f"{source} does not fit the model's input schema: " + "; ".join(problems),
                          column=problems[0].split("'")[1])
    frame = pd.DataFrame(columns, columns=schema.names)
    return frame, CheckOutcome(n_rows=len(records), extra_columns=extra, unseen_categories=unseen,
                               new_missing=new_missing)
