"""Result dataclasses of :func:`mltoolkit.eda.profile`.

Plain, frozen and JSON-ready through ``to_dict()``: they know nothing of how
they are shown. Plots, widgets, reports and the CLI all read these.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from mltoolkit._serialize import to_jsonable
from mltoolkit.data.fingerprint import DatasetFingerprint

__all__ = [
    "Histogram", "NumericStats", "CategoryCount", "CategoricalStats", "DatetimeStats",
    "TextStats", "ColumnProfile", "Overview", "CorrelationMatrix", "CorrelationPair",
    "Correlations", "FeatureAssociation", "TargetAnalysis", "Alert", "ProfileResult",
]


class _Result:
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (floats as Python floats, NaN as None)."""
        data = to_jsonable(self)
        fp = getattr(self, "fingerprint", None)
        if isinstance(fp, DatasetFingerprint):
            data["fingerprint"] = fp.to_dict()
        return data


@dataclasses.dataclass(frozen=True)
class Histogram(_Result):
    """Counts per bin; ``len(edges) == len(counts) + 1``."""

    edges: tuple[float, ...]
    counts: tuple[int, ...]


@dataclasses.dataclass(frozen=True)
class NumericStats(_Result):
    """Statistics of a numeric column over its finite, non-missing values."""

    mean: float | None
    std: float | None
    min: float | None
    max: float | None
    quantiles: dict[str, float | None]  # keys "5%", "25%", "50%", "75%", "95%"
    n_zeros: int
    n_negative: int
    n_infinite: int
    skewness: float | None
    kurtosis: float | None  # excess kurtosis (normal = 0), as pandas and scipy(fisher=True)
    histogram: Histogram


@dataclasses.dataclass(frozen=True)
class CategoryCount(_Result):
    value: str
    count: int
    share: float  # of non-missing values


@dataclasses.dataclass(frozen=True)
class CategoricalStats(_Result):
    """Frequencies of a categorical or boolean column."""

    cardinality: int
    top: tuple[CategoryCount, ...]  # most frequent first, at most ``top_categories``
    other_count: int  # non-missing values outside ``top``
    mode: str | None


@dataclasses.dataclass(frozen=True)
class DatetimeStats(_Result):
    min: str | None  # ISO timestamps
    max: str | None
    range_days: float | None
    largest_gap_days: float | None  # longest interval between consecutive distinct values
    median_gap_days: float | None
    histogram: Histogram  # edges as POSIX seconds


@dataclasses.dataclass(frozen=True)
class TextStats(_Result):
    mean_length: float | None
    min_length: int | None
    max_length: int | None
    mean_words: float | None
    histogram: Histogram  # of lengths in characters


@dataclasses.dataclass(frozen=True)
class ColumnProfile(_Result):
    """Everything known about one column. Exactly the block of its kind is set."""

    name: str
    kind: str
    dtype: str
    count: int  # non-missing values
    n_missing: int
    missing_share: float
    n_distinct: int
    distinct_share: float  # of non-missing values
    mixed_types: bool = False
    numeric: NumericStats | None = None
    categorical: CategoricalStats | None = None
    datetime: DatetimeStats | None = None
    text: TextStats | None = None


@dataclasses.dataclass(frozen=True)
class Overview(_Result):
    n_rows: int
    n_columns: int
    memory_bytes: int
    n_duplicate_rows: int | None  # None: not counted (streamed data with more distinct rows than remembered)
    duplicate_share: float | None
    n_missing_cells: int
    missing_cell_share: float
    kinds: dict[str, int]  # number of columns of each kind


@dataclasses.dataclass(frozen=True)
class CorrelationMatrix(_Result):
    """Square symmetric matrix over ``columns``; ``None`` where undefined."""

    method: str  # "pearson", "spearman", "cramers_v", "correlation_ratio"
    columns: tuple[str, ...]
    values: tuple[tuple[float | None, ...], ...]


@dataclasses.dataclass(frozen=True)
class CorrelationPair(_Result):
    a: str
    b: str
    method: str
    value: float  # signed for pearson/spearman, in [0, 1] for the others


@dataclasses.dataclass(frozen=True)
class Correlations(_Result):
    """Pairwise association.

    ``matrices`` are present while the number of columns of a family is within
    ``matrix_limit``; ``top_pairs`` (strongest first by absolute value) always.
    """

    matrices: tuple[CorrelationMatrix, ...]
    top_pairs: tuple[CorrelationPair, ...]
    matrix_limit: int
    notes: tuple[str, ...] = ()  # what was left out and why (wide data, very high cardinality)


@dataclasses.dataclass(frozen=True)
class FeatureAssociation(_Result):
    feature: str
    method: str  # e.g. "cramers_v", "correlation_ratio", "pearson"
    value: float  # strength in [0, 1] (absolute for signed measures)


@dataclasses.dataclass(frozen=True)
class TargetAnalysis(_Result):
    column: str
    task: str  # "classification" or "regression"
    balance: tuple[CategoryCount, ...]  # classes (classification); empty for regression
    minority_share: float | None
    numeric: NumericStats | None  # regression target distribution
    associations: tuple[FeatureAssociation, ...]  # strongest first


@dataclasses.dataclass(frozen=True)
class Alert(_Result):
    """One finding worth a person's attention."""

    type: str  # missing, constant, high_cardinality, unique, high_correlation, skewed, zeros,
    #            imbalanced, duplicates, mixed_types, infinite, target_leakage
    columns: tuple[str, ...]
    severity: str  # "info", "warning", "critical"
    message: str
    value: float | None = None


@dataclasses.dataclass(frozen=True)
class ProfileResult(_Result):
    overview: Overview
    columns: tuple[ColumnProfile, ...]
    correlations: Correlations
    target: TargetAnalysis | None
    alerts: tuple[Alert, ...]
    sampled_rows: int | None = None  # rows used when a sample was taken
    elapsed_seconds: float | None = None
    fingerprint: DatasetFingerprint | None = None  # of the full data given to profile()
    notes: tuple[str, ...] = ()  # what was estimated or left out (streamed data), in plain language

    def column(self, name: str) -> ColumnProfile:
        """The profile of column ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def to_json(self, path: str | Path | None = None, *, indent: int = 2) -> str:
        """Serialize to JSON text; also write it to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=indent, allow_nan=False)
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(text, encoding="utf-8")
        return text
