"""Schema inference: what kind of variable each column holds.

Kinds are ``numeric``, ``categorical``, ``boolean``, ``datetime``, ``text`` and
``identifier``. Inference looks at dtypes first and, for string columns, at a
sample of the values (distinct ratio, length, whether they parse as dates).
Users override any column with ``overrides={"col": "categorical"}``.

Text is a ``datetime`` only when its values parse with one format into years
1900 to 2200 (so ordinal labels such as ``1st`` or codes such as ``A12`` stay
categorical); times with a time-zone offset are read in UTC; dates whose day and
month could be swapped (``03/04/2020`` with every day up to 12) are flagged, not
silently guessed. Text booleans use one vocabulary, :data:`BOOLEAN_TEXT`.
"""
from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from mltoolkit._serialize import to_jsonable
from mltoolkit.errors import ConfigError, SchemaError

__all__ = ["KINDS", "BOOLEAN_TEXT", "DATE_YEARS", "ColumnSchema", "Schema", "infer_schema", "boolean_value",
           "to_datetimes", "datetime_format"]

KINDS = ("numeric", "categorical", "boolean", "datetime", "text", "identifier")

#: Text that means true or false, compared stripped and lower-cased: the one boolean vocabulary of mltoolkit.
BOOLEAN_TEXT: dict[str, bool] = {"true": True, "false": False, "yes": True, "no": False, "y": True, "n": False,
                                 "t": True, "f": False, "1": True, "0": False}
#: Years a column's dates must fall in to be taken as dates (first and last, inclusive).
DATE_YEARS = (1900, 2200)

_SAMPLE = 2000
_DATE_SHARE = 0.95  # share of a column's values that must parse for it to be a datetime
# An ISO time ending in Z, UTC/GMT or an offset such as +01:00 / -0500.
_OFFSET = re.compile(r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$", re.IGNORECASE)


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
    datetime_format : str, optional
        For datetime columns held as text: the one ``strptime`` format (or
        ``"ISO8601"``) their values parse with; the preprocessing parses with it.
    day_month_ambiguous : bool
        True when every date also parses with day and month swapped
        (``03/04/2020``): the month-first reading was taken, see ``notes``.
    notes : tuple of str
        Plain-language remarks on how the column was read, for reports.
    """

    name: str
    kind: str
    dtype: str
    mixed_types: bool = False
    overridden: bool = False
    datetime_format: str | None = None
    day_month_ambiguous: bool = False
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnSchema:
        """Rebuild a column written by :meth:`to_dict`."""
        return cls(**{**data, "notes": tuple(data.get("notes") or ())})


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

    @property
    def notes(self) -> list[str]:
        """Every column's notes, each starting with the column name."""
        return [f"{c.name}: {note}" for c in self.columns for note in c.notes]

    def to_dict(self) -> dict[str, Any]:
        return {"columns": [c.to_dict() for c in self.columns]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Schema:
        """Rebuild a schema written by :meth:`to_dict`."""
        return cls(tuple(ColumnSchema.from_dict(c) for c in data["columns"]))


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
    sampler = _Sampler()
    for name in df.columns:
        series = df[name]
        if name in overrides:
            cols.append(ColumnSchema(str(name), overrides[name], str(series.dtype), overridden=True))
        else:
            cols.append(_infer_column(str(name), series, sampler))
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


def _infer_column(name: str, s: pd.Series, sampler: _Sampler | None = None) -> ColumnSchema:
    dtype = s.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return ColumnSchema(name, "boolean", str(dtype))
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        return ColumnSchema(name, "datetime", str(dtype))
    if isinstance(dtype, pd.CategoricalDtype):
        return ColumnSchema(name, "categorical", str(dtype))
    if pd.api.types.is_numeric_dtype(dtype):
        return ColumnSchema(name, _infer_numeric(name, s), str(dtype))
    return _infer_strings(name, s, sampler or _Sampler())


class _Sampler:
    """Up to :data:`_SAMPLE` non-missing values of a column, the rows ``Series.sample(random_state=0)`` picks.

    Those rows depend only on the number of values (a permutation of all of
    them, drawn by ``RandomState(0).choice``), so the columns of one table share
    one draw instead of permuting a million positions per column.
    """

    def __init__(self) -> None:
        self._positions: dict[int, np.ndarray] = {}

    def __call__(self, s: pd.Series) -> pd.Series:
        values = s.dropna() if s.hasnans else s
        n = len(values)
        if n <= _SAMPLE:
            return values
        if n not in self._positions:
            self._positions[n] = np.random.RandomState(0).choice(n, size=_SAMPLE, replace=False).astype(np.intp)
        return values.take(self._positions[n])


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


def _infer_strings(name: str, s: pd.Series, sampler: _Sampler) -> ColumnSchema:
    dtype = str(s.dtype)
    sample = sampler(s)
    if sample.empty:
        return ColumnSchema(name, "categorical", dtype)
    as_str = sample.astype(str)
    # Shares and means over the sample, read off its distinct strings weighted by their counts (sums of
    # whole numbers: the same values as over every sampled string, for a fraction of the string work).
    counts = as_str.value_counts(sort=False)
    distinct = counts.index.to_series(index=None)
    # The sample decides cheaply; the whole column must agree (a rare "maybe" outside the sample is not a boolean).
    if _is_boolean_text(distinct) and _is_boolean_text(s.dropna().astype(str)):
        return ColumnSchema(name, "boolean", dtype)
    if isinstance(s.dtype, pd.StringDtype):
        mixed_objects = False
    else:
        types = sample.map(type)
        mixed_objects = bool((types != str).any()) and bool((types == str).any())
    weights = counts.to_numpy(dtype=np.float64)
    n_sample = len(as_str)

    def share(flags: pd.Series) -> float:
        return float(np.dot(flags.to_numpy(dtype=np.float64), weights)) / n_sample

    numeric_share = share(pd.to_numeric(distinct, errors="coerce").notna())
    mixed = mixed_objects or (0.0 < numeric_share < 1.0 and numeric_share >= 0.05)
    if numeric_share == 1.0:
        # Numbers stored as text (for example read with dtype=str).
        return ColumnSchema(name, "numeric", dtype)
    if numeric_share < 0.5 and share(distinct.str.contains(r"\d", regex=True)) > 0.9:
        reading = _read_dates(as_str)
        if reading is not None:
            return ColumnSchema(name, "datetime", dtype, mixed, datetime_format=reading.format,
                                day_month_ambiguous=reading.ambiguous, notes=reading.notes)
    # A sample looks at least as distinct as the whole column, so only a
    # sample that looks all-distinct needs the (costlier) count over every row.
    distinct_ratio = len(counts) / n_sample
    if distinct_ratio > 0.95:
        nonnull = s.dropna()
        distinct_ratio = nonnull.nunique() / len(nonnull)
    mean_length = share(distinct.str.len())
    mean_words = share(distinct.str.count(r"\s+") + 1)
    if mean_length > 40 or mean_words > 5:
        return ColumnSchema(name, "text", dtype, mixed)
    if distinct_ratio > 0.95 and n_sample >= 20 and (mean_words <= 1.5 or _looks_like_id_name(name)):
        return ColumnSchema(name, "identifier", dtype, mixed)
    return ColumnSchema(name, "categorical", dtype, mixed)


def boolean_value(value: Any) -> bool | None:
    """What ``value`` means as a boolean: ``True``, ``False``, or ``None`` (missing, or not a boolean).

    Python and numpy booleans, the numbers 0 and 1 and the text of
    :data:`BOOLEAN_TEXT` (any case, surrounding spaces ignored) are booleans.

    Examples
    --------
    >>> [boolean_value(v) for v in ["Yes", " n ", 1, False, None, "maybe"]]
    [True, False, True, False, None, None]
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return bool(value) if value in (0, 1) else None
    return BOOLEAN_TEXT.get(str(value).strip().lower())


def _is_boolean_text(values: pd.Series) -> bool:
    tokens = set(values.str.strip().str.lower().unique())
    if not tokens or not tokens <= BOOLEAN_TEXT.keys():
        return False
    # One letter alone ("F" in a column of women) is a category more often than a boolean.
    return len({BOOLEAN_TEXT[t] for t in tokens}) == 2 or any(len(t) > 1 for t in tokens)


@dataclasses.dataclass(frozen=True)
class _DateReading:
    format: str
    ambiguous: bool
    notes: tuple[str, ...]


def _has_year(fmt: str) -> bool:
    return fmt == "ISO8601" or "%Y" in fmt or "%y" in fmt


def _swap_day_month(fmt: str) -> str | None:
    """``fmt`` with day and month swapped; None where no one writes dates that way (year, day, month)."""
    if "%d" not in fmt or "%m" not in fmt or fmt.startswith(("%Y", "%y")):
        return None
    return "%m".join(part.replace("%m", "%d") for part in fmt.split("%d"))


def _date_candidates(strings: pd.Series) -> list[str]:
    from pandas.tseries.api import guess_datetime_format

    found: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for value in strings.iloc[:20].unique():
            for dayfirst in (False, True):
                try:
                    fmt = guess_datetime_format(value, dayfirst=dayfirst)
                except (ValueError, TypeError, OverflowError):
                    fmt = None
                if fmt is None or not _has_year(fmt) or fmt in found:
                    continue
                if fmt.startswith(("%Y", "%y")) and "%d" in fmt and "%m" in fmt and fmt.index("%d") < fmt.index("%m"):
                    continue  # year, day, month: a guess of dayfirst=True, not a real format
                found.append(fmt)
    if any(f.startswith("%Y-%m-%d") for f in found):
        # ISO 8601 in all its variants (date only, with time, Z or offsets) is one format.
        found = ["ISO8601", *(f for f in found if not f.startswith("%Y-%m-%d"))]
    for fmt in list(found):
        swapped = _swap_day_month(fmt)
        if swapped is not None and swapped not in found:
            found.append(swapped)
    return found


def _parse_dates(strings: pd.Series, fmt: str) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = pd.to_datetime(strings, format=fmt, errors="coerce")
        except (ValueError, TypeError):  # offsets that differ, or times with and without one: one clock, UTC
            try:
                parsed = pd.to_datetime(strings, format=fmt, errors="coerce", utc=True)
            except (ValueError, TypeError, OverflowError):
                return pd.Series(pd.NaT, index=strings.index, dtype="datetime64[ns]")
        except OverflowError:
            return pd.Series(pd.NaT, index=strings.index, dtype="datetime64[ns]")
    if isinstance(parsed.dtype, pd.DatetimeTZDtype) and str(parsed.dt.tz) != "UTC":
        parsed = parsed.dt.tz_convert("UTC")
    return parsed


def _plausible(parsed: pd.Series) -> pd.Series:
    years = parsed.dt.year
    return (years >= DATE_YEARS[0]) & (years <= DATE_YEARS[1])


def _read_dates(strings: pd.Series) -> _DateReading | None:
    """The one format that reads the strings as dates in :data:`DATE_YEARS`, or None when there is none."""
    strings = strings.str.strip()
    candidates = _date_candidates(strings)
    if not candidates:
        return None
    readings = []
    for fmt in candidates:
        parsed = _parse_dates(strings, fmt)
        share = float(_plausible(parsed).mean())
        if share >= _DATE_SHARE:
            readings.append((share, fmt, parsed))
    if not readings:
        return None
    share, fmt, parsed = max(readings, key=lambda r: r[0])  # the first of equals: ISO, then month first
    notes = []
    swapped = _swap_day_month(fmt)
    ambiguous = any(f == swapped and s == share and not p.equals(parsed) for s, f, p in readings)
    if ambiguous:
        example = strings[parsed.dt.day != parsed.dt.month].iloc[0]
        notes.append(f"dates such as {example!r} were read month first ({fmt}); every day is 12 or less, so day "
                     f"first ({swapped}) fits as well: if the day comes first, parse the column with "
                     "pandas.to_datetime(..., dayfirst=True) before analysing it")
    with_offset = strings.str.contains(_OFFSET)
    if 0 < with_offset.mean() < 1:
        notes.append("mixes times with and without a time-zone offset; times without one were read as UTC")
    elif with_offset.all():
        notes.append("times with a time-zone offset, read in UTC")
    return _DateReading(fmt, ambiguous, tuple(notes))


def to_datetimes(values: pd.Series, format: str | None = None) -> pd.Series:
    """``values`` as dates and times; what cannot be read becomes NaT.

    Datetime columns are returned as they are (a time-zone-aware column keeps
    its zone). Anything else is read as text with ``format`` (a ``strptime``
    format or ``"ISO8601"``), by default the one :func:`infer_schema` would
    find; when no one format fits, each value is read on its own and only
    dates in :data:`DATE_YEARS` are kept. Text with time-zone offsets (``Z``,
    ``+02:00``) comes back in UTC, never as a mixed-zone error.

    Parameters
    ----------
    values : pandas.Series
    format : str, optional
        As in :attr:`ColumnSchema.datetime_format`.

    Returns
    -------
    pandas.Series
        ``datetime64`` values, UTC when the text had offsets.

    Examples
    --------
    >>> to_datetimes(pd.Series(["2024-03-01T10:00:00+01:00", "2024-03-02T10:00:00Z", None])).tolist()
    [Timestamp('2024-03-01 09:00:00+0000', tz='UTC'), Timestamp('2024-03-02 10:00:00+0000', tz='UTC'), NaT]
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values
    nonnull = values.notna()
    strings = values[nonnull].astype(str).str.strip()
    if format is None:
        format = datetime_format(strings)
    if format is None:
        # No one format fits: each value as pandas reads it, but no invented years ("1st" is not 0001-01-01).
        parsed = _parse_dates(strings, "mixed")
        parsed = parsed.where(_plausible(parsed))
    else:
        parsed = _parse_dates(strings, format)
    return parsed.reindex(values.index)


def datetime_format(values: pd.Series) -> str | None:
    """The one format ``values`` read with as dates in :data:`DATE_YEARS`, or None when there is none.

    The format is a ``strptime`` format, or ``"ISO8601"`` for ISO dates and
    times with or without offsets. Missing values are ignored.

    Examples
    --------
    >>> datetime_format(pd.Series(["13/04/2020", "01/02/2021"]))
    '%d/%m/%Y'
    >>> datetime_format(pd.Series(["1st", "2nd", "3rd"])) is None
    True
    """
    strings = values.dropna().astype(str)
    reading = _read_dates(strings) if len(strings) else None
    return reading.format if reading is not None else None
