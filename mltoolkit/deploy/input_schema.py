"""The input schema of a model: what a row must look like to be scored, derived from training data.

Checked column-wise on whole frames (batch) or on request records (online):
missing columns and wrong types are errors naming the column, since no row can
be scored then. Odd values in usable columns (numbers far outside the training
range, categories never seen in training) are a matter of rows, not of the
schema: online requests refuse numbers far out of range (a unit change, a broken
feed); batches score them or set their rows aside (``odd_values``), and every
odd value is counted per column.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from mltoolkit._serialize import to_jsonable
from mltoolkit.data.schema import boolean_value
from mltoolkit.errors import ConfigError, SchemaError

__all__ = ["FieldSpec", "InputSchema", "CheckOutcome", "infer_input_schema", "parse_datetimes", "check_datetimes",
           "align_timezone", "probe_records", "ODD_VALUE_ACTIONS", "check_odd_values", "plausible_range",
           "outside_plausible_range", "out_of_range_problem", "schema_warnings"]

_MAX_CATEGORIES = 200
#: Values this many training ranges beyond the training min/max are out of range (drift is allowed, nonsense is not).
RANGE_SLACK = 1.0
#: What a check does with odd values (numbers out of range, categories never seen in training):
#: ``refuse`` out-of-range numbers (online requests), ``score`` every row, or ``set_aside`` the rows holding them.
ODD_VALUE_ACTIONS = ("refuse", "score", "set_aside")
#: How many ignored extra columns a warning names.
_SHOWN_EXTRA = 10


@dataclasses.dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str  # number, integer, boolean, datetime, string
    nullable: bool
    minimum: float | None = None
    maximum: float | None = None
    categories: tuple[str, ...] | None = None
    timezone: str | None = None  # datetime fields: the training data's time zone; None for times without one


def check_odd_values(odd_values: str) -> None:
    """Refuse an ``odd_values`` that is not one of :data:`ODD_VALUE_ACTIONS` (before any row is read)."""
    if odd_values not in ODD_VALUE_ACTIONS:
        raise ConfigError(f"odd_values must be one of {', '.join(ODD_VALUE_ACTIONS)}, got {odd_values!r}",
                          parameter="odd_values")


def plausible_range(field: FieldSpec) -> tuple[float, float] | None:
    """The numbers ``field`` takes without question: the training range widened by :data:`RANGE_SLACK` ranges.

    None when the field has no training range (identifiers, non-numbers, all missing).
    """
    if field.type not in ("number", "integer") or field.minimum is None or field.maximum is None:
        return None
    span = max(field.maximum - field.minimum, 1.0)
    return field.minimum - RANGE_SLACK * span, field.maximum + RANGE_SLACK * span


def outside_plausible_range(values: np.ndarray, field: FieldSpec) -> np.ndarray:
    """Boolean mask of the ``values`` (floats, NaN for missing) outside :func:`plausible_range` of ``field``."""
    bounds = plausible_range(field)
    if bounds is None:
        return np.zeros(len(values), dtype=bool)
    return (values < bounds[0]) | (values > bounds[1])


def out_of_range_problem(field: FieldSpec, n: int) -> str:
    """How a refusal names ``n`` out-of-range values of ``field``."""
    lo, hi = plausible_range(field)  # type: ignore[misc] - only called for fields with a range
    return (f"'{field.name}' has {n:,} values outside the plausible range [{lo:g}, {hi:g}] (training saw "
            f"{field.minimum:g} to {field.maximum:g})")


def schema_warnings(extra_columns: Sequence[str], unseen_categories: dict[str, int], new_missing: dict[str, int],
                    out_of_range: dict[str, int], *, set_aside: bool = False) -> list[str]:
    """Plain-language notes on a check (one request, a chunk or a whole batch) for logs and reports."""
    fate = "rows set aside" if set_aside else None
    shown = ", ".join(extra_columns[:_SHOWN_EXTRA])
    if len(extra_columns) > _SHOWN_EXTRA:  # a request may carry thousands of stray keys; the note stays one line
        shown += f" and {len(extra_columns) - _SHOWN_EXTRA:,} more"
    out = [f"ignored extra columns: {shown}"] if extra_columns else []
    out += [f"{n:,} values of '{c}' never seen in training ({fate or 'scored as infrequent'})"
            for c, n in unseen_categories.items()]
    out += [f"{n:,} values of '{c}' far outside the training range ({fate or 'scored'})"
            for c, n in out_of_range.items()]
    out += [f"{n:,} missing values in '{c}', which had none in training (imputed)" for c, n in new_missing.items()]
    return out


@dataclasses.dataclass(frozen=True)
class CheckOutcome:
    """Result of a check: extra columns (ignored), odd values counted per column, rows set aside."""

    n_rows: int
    extra_columns: tuple[str, ...]
    unseen_categories: dict[str, int]
    new_missing: dict[str, int]  # missing values in columns that had none in training (imputed as in training)
    out_of_range: dict[str, int] = dataclasses.field(default_factory=dict)  # outside the plausible range
    #: Rows left out of the checked frame (``odd_values="set_aside"``): position in the input, and why.
    set_aside: tuple[tuple[int, str], ...] = ()

    @property
    def warnings(self) -> list[str]:
        """Plain-language notes for logs and reports."""
        return schema_warnings(self.extra_columns, self.unseen_categories, self.new_missing, self.out_of_range,
                               set_aside=bool(self.set_aside))

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def parse_datetimes(values: pd.Series) -> pd.Series:
    """Dates and times from ``values``; what cannot be parsed becomes NaT.

    pandas guesses one format from the first string; strings in another format
    (a date beside a date-time, say) are parsed again one by one, so a request
    mixing ``2024-07-01`` and ``2024-07-01T12:00:00`` is not refused.
    """
    parsed = pd.to_datetime(values, errors="coerce")
    retry = parsed.isna() & values.notna()
    if retry.any() and not pd.api.types.is_datetime64_any_dtype(values):
        again = pd.to_datetime(values[retry].astype(str), errors="coerce", format="mixed")
        try:
            parsed = parsed.astype(again.dtype) if parsed.dtype != again.dtype else parsed.copy()
            parsed[retry] = again
        except (TypeError, ValueError):  # time-zone-aware beside naive: those stay unparsed and are reported
            pass
    return parsed


def check_datetimes(values: pd.Series, field: FieldSpec) -> tuple[pd.Series, str | None]:
    """``values`` parsed as dates and times in the training data's zone, or a problem naming the field."""
    parsed = parse_datetimes(values)
    bad = parsed.isna() & values.notna()
    if bad.any():
        return parsed, f"'{field.name}' must be a date/time, got {values[bad].astype('string').head(3).tolist()}"
    return align_timezone(parsed, field)


def align_timezone(parsed: pd.Series, field: FieldSpec) -> tuple[pd.Series, str | None]:
    """``parsed`` in the time zone of the training data, or a problem naming the field.

    Times with an offset are converted to the training data's zone (the same
    instants); times with and without an offset are never mixed, because the
    model cannot know which clock a time without one was read from.
    """
    zone = getattr(parsed.dt, "tz", None) if pd.api.types.is_datetime64_any_dtype(parsed) else None
    if field.timezone is None and zone is not None:
        return parsed, (f"'{field.name}' has times with a time-zone offset (e.g. {parsed.dropna().iloc[0]}); the "
                        "model was trained on times without one: send them without an offset, in the clock of the "
                        "training data")
    if field.timezone is not None and zone is None and parsed.notna().any():
        return parsed, (f"'{field.name}' has times without a time-zone offset; the model was trained on times in "
                        f"{field.timezone}: send them with their offset")
    return (parsed.dt.tz_convert(field.timezone) if zone is not None else parsed), None


def _kind(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s):
        return "boolean"
    if pd.api.types.is_integer_dtype(s):
        return "integer"
    if pd.api.types.is_numeric_dtype(s):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "datetime"
    return "string"


@dataclasses.dataclass(frozen=True)
class InputSchema:
    """Columns a model needs, with their types, ranges and known categories."""

    fields: tuple[FieldSpec, ...]

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InputSchema:
        fields = []
        for f in data["fields"]:
            cats = f.get("categories")
            fields.append(FieldSpec(f["name"], f["type"], bool(f["nullable"]), f.get("minimum"), f.get("maximum"),
                                    tuple(cats) if cats is not None else None, f.get("timezone")))
        return cls(tuple(fields))

    def check(self, frame: pd.DataFrame, *, source: str = "the input",
              odd_values: str = "refuse") -> tuple[pd.DataFrame, CheckOutcome]:
        """Check ``frame`` and return it restricted to the schema's columns (in order), with the outcome.

        Parameters
        ----------
        frame : pandas.DataFrame
            Rows to score.
        source : str, default "the input"
            How error messages name ``frame``.
        odd_values : {"refuse", "score", "set_aside"}, default "refuse"
            Numbers outside :func:`plausible_range` refuse the frame (``refuse``, as
            online requests do), are scored (``score``), or leave their rows out of
            the returned frame (``set_aside``, with categories never seen in
            training too; ``outcome.set_aside`` says which rows and why). Either
            way they are counted per column in the outcome.

        Returns
        -------
        tuple of (pandas.DataFrame, CheckOutcome)

        Raises
        ------
        SchemaError
            Missing columns, a column of the wrong type that cannot be converted
            (or, with ``odd_values="refuse"``, values far outside the training
            range); one line naming every offending column.
        """
        check_odd_values(odd_values)
        missing = [f.name for f in self.fields if f.name not in frame.columns]
        if missing:
            raise SchemaError(f"{source} lacks column(s) {missing} the model needs (it needs: {', '.join(self.names)})",
                              column=missing[0])
        extra = tuple(str(c) for c in frame.columns if c not in set(self.names))
        out = frame[self.names].copy()
        problems: list[str] = []
        unseen: dict[str, int] = {}
        new_missing: dict[str, int] = {}
        out_of_range: dict[str, int] = {}
        odd = pd.DataFrame(False, index=range(len(out)), columns=[])  # per column: which rows hold odd values
        for f in self.fields:
            s = out[f.name]
            if f.type in ("number", "integer"):
                if pd.api.types.is_bool_dtype(s) or not (pd.api.types.is_numeric_dtype(s) or s.isna().all()):
                    converted = pd.to_numeric(s, errors="coerce")
                    bad = converted.isna() & s.notna()
                    if bad.any():
                        examples = s[bad].astype("string").head(3).tolist()
                        problems.append(f"'{f.name}' must be a number, got {examples}")
                        continue
                    out[f.name] = s = converted
                outside = outside_plausible_range(s.to_numpy(dtype=float, na_value=np.nan), f)
                if outside.any():
                    out_of_range[f.name] = int(outside.sum())
                    if odd_values == "refuse":
                        problems.append(out_of_range_problem(f, out_of_range[f.name]))
                    odd[f.name] = outside
            elif f.type == "boolean":
                meaning = s.map(boolean_value)  # the one boolean vocabulary (data.schema.BOOLEAN_TEXT)
                ok = s.isna() | meaning.notna()
                if not ok.all():
                    problems.append(f"'{f.name}' must be true/false, got {s[~ok].astype('string').head(3).tolist()}")
                    continue
                out[f.name] = meaning.astype("boolean")
            elif f.type == "datetime":
                parsed, problem = check_datetimes(s, f)
                if problem:
                    problems.append(problem)
                    continue
                out[f.name] = parsed
            elif f.categories is not None:
                text = s.astype("string")
                never_seen = (text.notna() & ~text.isin(list(f.categories))).to_numpy(dtype=bool)
                if never_seen.any():
                    unseen[f.name] = int(never_seen.sum())
                    odd[f.name] = never_seen
            if not f.nullable and out[f.name].isna().any():
                new_missing[f.name] = int(out[f.name].isna().sum())
        if problems:
            raise SchemaError(f"{source} does not fit the model's input schema: " + "; ".join(problems),
                              column=problems[0].split("'")[1])
        set_aside: tuple[tuple[int, str], ...] = ()
        if odd_values == "set_aside" and odd.shape[1]:
            flags = odd.to_numpy(dtype=bool)
            rows = flags.any(axis=1)
            # One reason per combination of odd columns, not per row: a broken feed may make every row odd.
            patterns, which = np.unique(flags[rows], axis=0, return_inverse=True)
            reasons = [_odd_reason([c for c, hit in zip(odd.columns, p) if hit], unseen) for p in patterns]
            set_aside = tuple((int(i), reasons[k]) for i, k in zip(np.flatnonzero(rows), which.ravel()))
            out = out.loc[~rows]
        return out, CheckOutcome(n_rows=len(frame), extra_columns=extra, unseen_categories=unseen,
                                 new_missing=new_missing, out_of_range=out_of_range, set_aside=set_aside)


def _odd_reason(columns: Sequence[str], unseen: dict[str, int]) -> str:
    return "; ".join(f"'{c}' never seen in training" if c in unseen else f"'{c}' far outside the training range"
                     for c in columns)


def infer_input_schema(train: pd.DataFrame, features: Sequence[str],
                       identifiers: Sequence[str] | None = None) -> InputSchema:
    """Derive the input schema from the training rows of ``features``.

    Identifier columns (ids grow with every new row) get no range or categories:
    ``identifiers`` as data collection decided them (the run's ``schema.json``),
    inferred from ``train`` when not given.
    """
    if identifiers is None:
        from mltoolkit.data.schema import infer_schema

        identifiers = infer_schema(train[list(features)]).of_kind("identifier")
    ids = set(identifiers)
    fields = []
    for name in features:
        s = train[name]
        kind = _kind(s)
        lo = hi = None
        cats = None
        if name in ids:
            fields.append(FieldSpec(str(name), kind, True))
            continue
        if kind in ("number", "integer") and s.notna().any():
            lo, hi = float(s.min()), float(s.max())
        if kind == "string":
            levels = s.dropna().astype("string").unique()
            if len(levels) <= _MAX_CATEGORIES:
                cats = tuple(sorted(str(v) for v in levels))
        zone = str(s.dt.tz) if kind == "datetime" and s.dt.tz is not None else None
        fields.append(FieldSpec(str(name), kind, bool(s.isna().any()), lo, hi, cats, zone))
    return InputSchema(tuple(fields))


def probe_records(schema: InputSchema) -> list[dict[str, Any]]:
    """A few records that pass ``schema``: typical, extreme, missing and (for strings) never-seen values.

    Used to check that two ways of scoring agree before one replaces the other.
    """
    options: dict[str, list[Any]] = {}
    for f in schema.fields:
        if f.type in ("number", "integer"):
            lo, hi = (f.minimum, f.maximum) if f.minimum is not None and f.maximum is not None else (0.0, 1.0)
            mid = (lo + hi) / 2
            values: list[Any] = [lo, hi, round(mid) if f.type == "integer" else mid]
            if f.type == "integer":
                values[:2] = [int(lo), int(hi)]
        elif f.type == "boolean":
            values = [True, False]
        elif f.type == "datetime":
            values = ["2020-02-29T23:59:59", "2024-07-01T00:00:00", "1999-12-31T12:30:00"]
            if f.timezone is not None:  # a model trained on zoned times takes times with an offset
                values = [f"{v}+00:00" for v in values]
        else:
            values = [*(f.categories or ("a",))[:2], "(a value never seen in training)"]
        options[f.name] = values
    n = max(len(v) for v in options.values())
    rows = [{name: values[i % len(values)] for name, values in options.items()} for i in range(n)]
    return [*rows, dict.fromkeys(options)]
