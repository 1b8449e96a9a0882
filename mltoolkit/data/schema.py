"""Schema inference: what kind of variable each column holds.

Kinds are ``numeric``, ``categorical``, ``boolean``, ``datetime``, ``text`` and
``identifier``. Inference looks at dtypes first and, for string columns, at a
sample of the values (distinct ratio, length, whether they parse as dates).
Users override any column with ``overrides={"col": "categorical"}``.
"""
from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from mltoolkit._serialize import to_jsonable
from mltoolkit.errors import ConfigError, SchemaError

__all__ = ["KINDS", "ColumnSchema", "Schema", "infer_schema"]

KINDS = ("numeric", "categorical", "boolean", "datetime", "text", "identifier")

_BOOL_TOKENS = {"true", "false", "yes", "no", "y", "n", "t", "f", "0", "1"}
_SAMPLE = 2000


@dataclasses.dataclass(frozen=True)
class ColumnSchema:
    """One column's inferred kind.

    Attributes
    ----------
    name : str
        Column name.
    kind : str
        One of :data:`KINDS`.
    dtype : str
        The pandas dtype the column was read as.
    mixed_types : bool
        True when a text column also holds values that look numeric (for
        example ``"12"``, ``"n/a"`` and ``"7"`` side by side).
    overridden : bool
        True when the kind came from the user, not inference.
    """

    name: str
    kind: str
    dtype: str
    mixed_types: bool = False
    overridden: bool = False

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


@dataclasses.dataclass(frozen=True)
class Schema:
    """The kinds of all columns of a table, in column order."""

    columns: tuple[ColumnSchema, ...]

    def __getitem__(self, name: str) -> ColumnSchema:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return any(col.name == name for col in self.columns)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def kind(self, name: str) -> str:
        """Kind of column ``name``."""
        return self[name].kind

    def of_kind(self, *kinds: str) -> list[str]:
        """Names of the columns whose kind is one of ``kinds``."""
        return [c.name for c in self.columns if c.kind in kinds]

    def to_dict(self) -> dict[str, Any]:
        return {"columns": [c.to_dict() for c in self.columns]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Schema:
        """Rebuild a schema written by :meth:`to_dict`."""
        return cls(tuple(ColumnSchema(**c) for c in data["columns"]))


def infer_schema(df: pd.DataFrame, overrides: Mapping[str, str] | None = None) -> Schema:
    """Infer the kind of every column of ``df``.

    Parameters
    ----------
    df : pandas.DataFrame
        The table. Column names must be unique.
    overrides : mapping of str to str, optional
        Kinds forced by the user, by column name.

    Returns
    -------
    Schema

    Raises
    ------
    SchemaError
        If column names repeat.
    ConfigError
        If an override names an unknown column or kind.

    Examples
    --------
    >>> import pandas as pd
    >>> s = infer_schema(pd.DataFrame({"x": [1.5, 2.0, 3.1], "c": ["a", "b", "a"]}))
    >>> [c.kind for c in s.columns]
    ['numeric', 'categorical']
    """
    check_unique_columns(df)
    overrides = dict(overrides or {})
    for name, kind in overrides.items():
        if name not in df.columns:
            raise ConfigError(
                f"schema override names column {name!r}, which the data does not have; "
                f"columns are: {', '.join(map(str, df.columns))}",
                parameter="overrides", column=name,
            )
        if kind not in KINDS:
            raise ConfigError(
                f"schema override for column {name!r} is {kind!r}; use one of {', '.join(KINDS)}",
                parameter="overrides", column=name,
            )
    cols = []
    for name in df.columns:
        series = df[name]
        if name in overrides:
            cols.append(ColumnSchema(str(name), overrides[name], str(series.dtype), overridden=True))
        else:
            kind, mixed = _infer_kind(str(name), series)
            cols.append(ColumnSchema(str(name), kind, str(series.dtype), mixed_types=mixed))
    return Schema(tuple(cols))


def check_unique_columns(df: pd.DataFrame, source: str | None = None) -> None:
    """Raise :class:`SchemaError` if ``df`` repeats a column name."""
    dupes = df.columns[df.columns.duplicated()].unique().tolist()
    if dupes:
        where = f" in {source}" if source else ""
        raise SchemaError(
            f"duplicate column names{where}: {', '.join(map(repr, dupes))}; "
            "rename the columns so each name is unique",
            column=dupes[0], path=source,
        )


def _infer_kind(name: str, s: pd.Series) -> tuple[str, bool]:
    dtype = s.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean", False
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime", False
    if isinstance(dtype, pd.CategoricalDtype):
        return "categorical", False
    if pd.api.types.is_numeric_dtype(dtype):
        return _infer_numeric(name, s), False
    return _infer_strings(name, s)


def _nonnull_sample(s: pd.Series) -> pd.Series:
    values = s.dropna()
    if len(values) > _SAMPLE:
        values = values.sample(_SAMPLE, random_state=0)
    return values


def _infer_numeric(name: str, s: pd.Series) -> str:
    if pd.api.types.is_float_dtype(s.dtype) and isinstance(s.dtype, np.dtype):
        arr = s.to_numpy()
        lo, hi = np.fmin.reduce(arr), np.fmax.reduce(arr)  # NaN-skipping, no copy (pandas' min copies the column)
    else:
        lo, hi = s.min(), s.max()
    if pd.isna(lo):
        return "numeric"
    if lo in (0, 1) and hi in (0, 1) and bool(s.dropna().isin((0, 1)).all()):
        return "boolean"
    if pd.api.types.is_integer_dtype(s.dtype) and _looks_like_id_name(name) and s.dropna().is_unique:
        return "identifier"
    return "numeric"


def _looks_like_id_name(name: str) -> bool:
    lowered = name.lower()
    return lowered == "id" or lowered.endswith(("_id", "id", "_key", "uuid"))


def _infer_strings(name: str, s: pd.Series) -> tuple[str, bool]:
    sample = _nonnull_sample(s)
    if sample.empty:
        return "categorical", False
    as_str = sample.astype(str)
    lowered = as_str.str.strip().str.lower()
    if lowered.nunique() <= 2 and set(lowered.unique()) <= _BOOL_TOKENS:
        return "boolean", False
    types = sample.map(type)
    has_non_str = (types != str).any()
    numeric = pd.to_numeric(as_str, errors="coerce")
    numeric_share = float(numeric.notna().mean())
    mixed = bool(has_non_str and (types == str).any()) or (0.0 < numeric_share < 1.0 and numeric_share >= 0.05)
    if numeric_share == 1.0:
        # Numbers stored as text (for example read with dtype=str).
        return "numeric", False
    if numeric_share < 0.5 and as_str.str.contains(r"\d", regex=True).mean() > 0.9 and _parses_as_dates(as_str):
        return "datetime", mixed
    # A sample looks at least as distinct as the whole column, so only a
    # sample that looks all-distinct needs the (costlier) count over every row.
    distinct_ratio = as_str.nunique() / len(as_str)
    if distinct_ratio > 0.95:
        nonnull = s.dropna()
        distinct_ratio = nonnull.nunique() / len(nonnull)
    lengths = as_str.str.len()
    words = as_str.str.count(r"\s+") + 1
    if lengths.mean() > 40 or words.mean() > 5:
        return "text", mixed
    if distinct_ratio > 0.95 and len(as_str) >= 20 and (words.mean() <= 1.5 or _looks_like_id_name(name)):
        return "identifier", mixed
    return "categorical", mixed


def _parses_as_dates(values: pd.Series) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # A few values first: most text columns fail at once, without parsing thousands.
        if pd.to_datetime(values.iloc[:20], errors="coerce", format="mixed").notna().mean() < 0.9:
            return False
        parsed = pd.to_datetime(values, errors="coerce", format="mixed")
    return bool(parsed.notna().mean() >= 0.95)
