"""Data expectations: required columns, types, ranges, allowed categories, a unique id.

Checked by the data-collection stage before anything is split or trained. Each
check reports how many rows break it; ``validate`` raises when a check fails
beyond its tolerance, naming the column and what was found.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from mltoolkit._serialize import to_jsonable
from mltoolkit.errors import ConfigError, SchemaError

__all__ = ["Expectations", "CheckResult", "ValidationReport", "check_expectations"]

_TYPES = {
    "numeric": lambda s: pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s),
    "integer": pd.api.types.is_integer_dtype,
    "boolean": pd.api.types.is_bool_dtype,
    "datetime": pd.api.types.is_datetime64_any_dtype,
    "string": lambda s: pd.api.types.is_string_dtype(s) or pd.api.types.is_object_dtype(s),
    "categorical": lambda s: not pd.api.types.is_float_dtype(s),
}
_KEYS = {"required", "types", "ranges", "categories", "unique", "not_null", "tolerance"}


@dataclasses.dataclass(frozen=True)
class Expectations:
    """What the data must look like.

    Attributes
    ----------
    required : tuple of str
        Columns that must exist.
    types : dict
        ``{column: type}``, type one of numeric, integer, boolean, datetime, string, categorical.
    ranges : dict
        ``{column: [min, max]}`` (either may be None), inclusive.
    categories : dict
        ``{column: [allowed values]}``; missing values are not counted as violations.
    unique : tuple of str
        Columns whose non-missing values must be unique (ids).
    not_null : tuple of str
        Columns without missing values.
    tolerance : float
        Share of rows that may break a range or category check (real data has
        outliers and typos); type, required, unique and not-null checks allow none.
    """

    required: tuple[str, ...] = ()
    types: dict[str, str] = dataclasses.field(default_factory=dict)
    ranges: dict[str, tuple[float | None, float | None]] = dataclasses.field(default_factory=dict)
    categories: dict[str, tuple[Any, ...]] = dataclasses.field(default_factory=dict)
    unique: tuple[str, ...] = ()
    not_null: tuple[str, ...] = ()
    tolerance: float = 0.01

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, *, parameter: str = "expectations") -> Expectations:
        """Build from a plain dict (as written in a notebook parameter or YAML), checking its shape."""
        data = dict(data or {})
        unknown = sorted(set(data) - _KEYS)
        if unknown:
            raise ConfigError(f"{parameter}: unknown key(s) {unknown}; valid keys: {sorted(_KEYS)}",
                              parameter=parameter)
        types = dict(data.get("types") or {})
        bad = {c: t for c, t in types.items() if t not in _TYPES}
        if bad:
            raise ConfigError(f"{parameter}: unknown type(s) {bad}; use one of {sorted(_TYPES)}", parameter=parameter)
        ranges = {}
        for col, bounds in (data.get("ranges") or {}).items():
            if not isinstance(bounds, (list, tuple)) or len(bounds) != 2:
                raise ConfigError(f"{parameter}: range of '{col}' must be [min, max] (use null for no bound), "
                                  f"got {bounds!r}", parameter=parameter, column=col)
            ranges[col] = (bounds[0], bounds[1])
        tolerance = float(data.get("tolerance", 0.01))
        if not 0 <= tolerance < 1:
            raise ConfigError(f"{parameter}: tolerance must be a share in [0, 1), got {tolerance}", parameter=parameter)
        as_tuple = lambda v: (v,) if isinstance(v, str) else tuple(v or ())  # noqa: E731
        return cls(required=as_tuple(data.get("required")), types=types, ranges=ranges,
                   categories={c: tuple(v) for c, v in (data.get("categories") or {}).items()},
                   unique=as_tuple(data.get("unique")), not_null=as_tuple(data.get("not_null")),
                   tolerance=tolerance)

    def with_target(self, target: str | None) -> Expectations:
        """These expectations plus: the target exists and has no missing values."""
        if not target:
            return self
        return dataclasses.replace(self, required=tuple(dict.fromkeys((*self.required, target))),
                                   not_null=tuple(dict.fromkeys((*self.not_null, target))))

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


@dataclasses.dataclass(frozen=True)
class CheckResult:
    check: str
    column: str
    passed: bool
    n_failed: int
    detail: str


@dataclasses.dataclass(frozen=True)
class ValidationReport:
    """All checks, passed or not."""

    source: str
    n_rows: int
    checks: tuple[CheckResult, ...]

    @property
    def failed(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.passed]

    @property
    def passed(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict[str, Any]:
        data = to_jsonable(self)
        data["passed"] = self.passed
        return data

    def raise_if_failed(self) -> None:
        """Raise :class:`SchemaError` listing every failed check."""
        if self.failed:
            lines = "; ".join(f"{c.column}: {c.detail}" for c in self.failed[:10])
            more = f" (and {len(self.failed) - 10} more)" if len(self.failed) > 10 else ""
            raise SchemaError(f"{self.source} does not meet its expectations: {lines}{more}. Fix the data, or "
                              "relax the expectations parameter if the data is right",
                              column=self.failed[0].column, path=self.source)


def check_expectations(df: pd.DataFrame, expectations: Expectations | Mapping[str, Any] | None,
                       *, source: str = "the data") -> ValidationReport:
    """Check ``df`` against ``expectations``; every check is reported (see :class:`ValidationReport`)."""
    exp = expectations if isinstance(expectations, Expectations) else Expectations.from_dict(expectations)
    n = len(df)
    allowed = max(0, int(np.floor(exp.tolerance * n)))
    out: list[CheckResult] = []
    present = set(df.columns)

    for col in exp.required:
        ok = col in present
        out.append(CheckResult("required", col, ok, 0 if ok else n,
                               "present" if ok else f"required column is missing (columns: {', '.join(map(str, df.columns[:20]))})"))

    def skip_missing(check: str, col: str) -> bool:
        if col in present:
            return False
        if col not in exp.required:
            out.append(CheckResult(check, col, False, n, "column named in the expectations is missing"))
        return True

    for col, kind in exp.types.items():
        if skip_missing("type", col):
            continue
        ok = bool(_TYPES[kind](df[col]))
        out.append(CheckResult("type", col, ok, 0 if ok else n, f"is {kind}" if ok else f"expected {kind}, found {df[col].dtype}"))
    for col, (lo, hi) in exp.ranges.items():
        if skip_missing("range", col):
            continue
        values = pd.to_numeric(df[col], errors="coerce")
        bad = pd.Series(False, index=df.index)
        if lo is not None:
            bad |= values < lo
        if hi is not None:
            bad |= values > hi
        k = int(bad.sum())
        out.append(CheckResult("range", col, k <= allowed, k,
                               f"{k:,} values outside [{lo}, {hi}]" + (f" (tolerance {allowed:,})" if k else "")))
    for col, values in exp.categories.items():
        if skip_missing("categories", col):
            continue
        s = df[col]
        bad = s.notna() & ~s.astype("string").isin([str(v) for v in values])
        k = int(bad.sum())
        examples = s[bad].astype("string").value_counts().head(3).index.tolist()
        out.append(CheckResult("categories", col, k <= allowed, k,
                               f"{k:,} values not allowed" + (f", e.g. {examples}" if examples else "")))
    for col in exp.unique:
        if skip_missing("unique", col):
            continue
        k = int(df[col].dropna().duplicated().sum())
        out.append(CheckResult("unique", col, k == 0, k, f"{k:,} repeated values" if k else "unique"))
    for col in exp.not_null:
        if skip_missing("not_null", col):
            continue
        k = int(df[col].isna().sum())
        out.append(CheckResult("not_null", col, k == 0, k, f"{k:,} missing values" if k else "no missing values"))
    return ValidationReport(source=source, n_rows=n, checks=tuple(out))

