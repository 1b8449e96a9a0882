"""Turn result dataclasses into JSON-ready dictionaries.

Numbers become Python floats/ints, NaN and infinities become ``None``, numpy
arrays become lists and timestamps ISO strings, so ``json.dumps`` never fails
and never writes the non-standard ``NaN`` token.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import math
import types
import typing
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


def from_jsonable(cls: type, data: Any, *, where: str = "") -> Any:
    """Rebuild an instance of dataclass ``cls`` from what :func:`to_jsonable` wrote (the inverse, by type hints).

    Nested dataclasses, ``X | None``, ``tuple[T, ...]``, ``list[T]`` and
    ``dict[str, T]`` are rebuilt; a key the class does not have, or a field
    without a default that is missing, raises ``KeyError`` naming it, so a
    renamed field fails loudly instead of reading as a missing value.
    """
    hints = typing.get_type_hints(cls)
    if not isinstance(data, dict):
        raise KeyError(f"{where or cls.__name__}: expected a mapping for {cls.__name__}, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise KeyError(f"{where or cls.__name__}: unknown field(s) {unknown} for {cls.__name__}")
    values = {}
    for name, field in fields.items():
        if name not in data:
            if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
                raise KeyError(f"{where or cls.__name__}: field {name!r} of {cls.__name__} is missing")
            continue
        values[name] = _rebuild(hints[name], data[name], f"{where or cls.__name__}.{name}")
    return cls(**values)


def _rebuild(hint: Any, value: Any, where: str) -> Any:
    if value is None:
        return None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        if len(options) == 1:
            return _rebuild(options[0], value, where)
        for option in options:  # the first alternative that rebuilds
            if dataclasses.is_dataclass(option) and isinstance(value, dict):
                return _rebuild(option, value, where)
        return value
    if dataclasses.is_dataclass(hint):
        if hasattr(hint, "from_dict") and not getattr(hint, "_generic_from_dict", False):
            return hint.from_dict(value)
        return from_jsonable(hint, value, where=where)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_rebuild(args[0], v, where) for v in value)
        if args:
            return tuple(_rebuild(a, v, where) for a, v in zip(args, value))
        return tuple(value)
    if origin is list:
        return [_rebuild(args[0], v, where) for v in value] if args else list(value)
    if origin is dict:
        return {k: _rebuild(args[1], v, where) for k, v in value.items()} if args else dict(value)
    return value
