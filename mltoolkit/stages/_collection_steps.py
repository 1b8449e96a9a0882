"""What the data-collection steps hand each other: the loaded table, the decided schema, the split.

Public names are re-exported by :mod:`mltoolkit.stages.collection`.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd

from mltoolkit._serialize import to_jsonable
from mltoolkit.data import ColumnSchema, Schema, Split, infer_schema
from mltoolkit.framing import ProjectCard

__all__ = ["LoadedData", "DecidedSchema", "CollectedSplit", "decided_kinds", "class_balance", "KIND_REASONS"]

#: Why inference gave a column its kind, in words (see :func:`mltoolkit.data.infer_schema`).
KIND_REASONS = {
    "numeric": "numbers",
    "categorical": "a limited set of repeated values",
    "boolean": "two values only (true/false, yes/no or 0/1)",
    "datetime": "dates or times",
    "text": "long text (over 40 characters or 5 words on average)",
    "identifier": "a distinct value on (nearly) every row, named or shaped like an id",
}


@dataclasses.dataclass(frozen=True, eq=False)
class LoadedData:
    """The table as read, then with its unlabelled rows left out (:func:`~mltoolkit.stages.drop_missing_labels`).

    Attributes
    ----------
    data : pandas.DataFrame
    source : str
        Where it was read from.
    rows_read : int
        Rows read, before any was left out.
    table, query : str or None
        SQL sources: the table or query read.
    warnings : tuple of str
        How the file was read when it was not plain UTF-8 comma-separated text.
    missing_target_dropped : int
        Rows left out because their target is missing.
    target : str or None
        The target, once the labels were checked (None before).
    target_present : bool
        Whether the target is a column of the data (checked with the labels).
    """

    data: pd.DataFrame
    source: str
    rows_read: int
    table: str | None = None
    query: str | None = None
    warnings: tuple[str, ...] = ()
    missing_target_dropped: int = 0
    target: str | None = None
    target_present: bool = True

    def __repr__(self) -> str:
        return f"LoadedData({len(self.data):,} rows × {self.data.shape[1]} columns from {self.source!r})"


@dataclasses.dataclass(frozen=True)
class DecidedSchema:
    """The kind of every column but the target, why, and the time column.

    Attributes
    ----------
    schema : Schema
        What ``schema.json`` holds; later stages read it instead of inferring again.
    reasons : dict
        Column -> why it has its kind (the config's column roles, or what inference saw).
    time_column : str or None
        The column ordering rows in time (the card's, or the stage's override).
    target : str
    """

    schema: Schema
    reasons: dict[str, str]
    time_column: str | None
    target: str

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


@dataclasses.dataclass(frozen=True, eq=False)
class CollectedSplit:
    """The train, validation and test parts, with each part's rows per class.

    Attributes
    ----------
    split : Split
    target : str
    time_column : str or None
    balance : dict or None
        Part -> {class: rows}, classes by overall frequency (None for regression:
        ``split.summary.target_mean`` has each part's mean).
    """

    split: Split
    target: str
    time_column: str | None
    balance: dict[str, dict[str, int]] | None

    def __repr__(self) -> str:
        rows = ", ".join(f"{k} {v:,}" for k, v in self.split.summary.rows.items())
        return f"CollectedSplit({self.split.summary.strategy}: {rows})"


def _reason(col: ColumnSchema, card: ProjectCard, time_column: str | None) -> str:
    if col.name in card.id_columns:
        why = "set by data.id_columns in mltoolkit.yml"
    elif col.name in card.column_kinds:
        why = "set by data.column_kinds in mltoolkit.yml"
    else:
        why = KIND_REASONS[col.kind]
        if col.kind == "numeric" and not pd.api.types.is_numeric_dtype(col.dtype):
            why += " stored as text"
        if col.datetime_format:
            why += f", written as {col.datetime_format}"
        if col.mixed_types:
            why += "; mixed: some values look like numbers, others not"
    extra = [*col.notes]
    if col.name == time_column:
        extra.append("orders the rows in time (data.time_column)")
    if col.name in card.drop_columns:
        extra.append("never a feature (data.drop_columns)")
    return "; ".join([why, *extra])


def decided_kinds(df: pd.DataFrame, card: ProjectCard, time_column: str | None) -> DecidedSchema:
    """Infer the kinds of ``df``'s columns but the target, the card's column roles winning."""
    kinds = {**card.column_kinds, **{c: "identifier" for c in card.id_columns if c in df.columns}}
    schema = infer_schema(df.drop(columns=[card.target], errors="ignore"), overrides=kinds)
    return DecidedSchema(schema=schema, reasons={c.name: _reason(c, card, time_column) for c in schema.columns},
                         time_column=time_column, target=card.target)


def class_balance(split: Split, target: str, task_kind: str) -> dict[str, dict[str, int]] | None:
    """Rows per class in each part, classes by overall frequency; None for regression."""
    if task_kind == "regression":
        return None
    parts = {name: part[target].astype("string").value_counts() for name, part in split.parts().items()}
    order = pd.concat(parts.values()).groupby(level=0).sum().sort_values(ascending=False, kind="stable").index
    return {name: {str(c): int(counts.get(c, 0)) for c in order} for name, counts in parts.items()}
