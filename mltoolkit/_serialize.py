"""Turn result dataclasses into JSON-ready dictionaries.

Numbers become Python floats/ints, NaN and infinities become ``None``, numpy
arrays become lists and timestamps ISO strings, so ``json.dumps`` never fails
and never writes the non-standard ``NaN`` token.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import math
from typing import Any

import numpy as np
import pandas as pd


def to_jsonable(value: Any) -> Any:
    """Recursively convert ``value`` into plain JSON-compatible Python objects."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(value, (pd.Timestamp, _dt.datetime, _dt.date)):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, (pd.Timedelta, _dt.timedelta)):
        return None if pd.isna(value) else pd.Timedelta(value).total_seconds()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    return value
