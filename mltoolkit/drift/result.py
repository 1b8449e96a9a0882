"""Result dataclasses of drift detection: per column, schema changes, dataset verdict."""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mltoolkit._serialize import to_jsonable

__all__ = ["ColumnDrift", "SchemaChange", "DriftResult", "DistributionSummary"]


@dataclasses.dataclass(frozen=True)
class DistributionSummary:
    """What a chart needs to overlay reference and current: shared bins or categories.

    For numeric columns ``labels`` are empty and ``edges`` hold the shared bin
    edges; for categorical columns ``labels`` name the categories (most frequent
    in the reference first, then new ones). Shares sum to at most 1 (missing
    values and categories beyond the kept ones are left out).
    """

    edges: tuple[float, ...]
    labels: tuple[str, ...]
    reference: tuple[float, ...]
    current: tuple[float, ...]


@dataclasses.dataclass(frozen=True)
class ColumnDrift:
    """Drift of one column.

    ``score`` orders columns by how far they moved, on the scale of the test:
    for p-value tests it is ``1 - p_value``, for distances the distance itself.
    A column is ``drifted`` when ``p_value < threshold`` (p-value tests) or
    ``statistic >= threshold`` (distances).
    """

    column: str
    kind: str
    test: str
    statistic: float | None
    p_value: float | None
    threshold: float
    drifted: bool
    score: float
    missing_reference: float
    missing_current: float
    n_reference: int
    n_current: int
    reason: str = ""  # why a column was flagged or skipped without a test
    summary: DistributionSummary | None = None

    @property
    def is_p_value_test(self) -> bool:
        return self.p_value is not None

    def flag(self, threshold: float) -> bool:
        """Whether this column counts as drifted at ``threshold`` (no recomputation)."""
        if self.statistic is None:
            return self.drifted
        if self.p_value is not None:
            return self.p_value < threshold
        return self.statistic >= threshold


@dataclasses.dataclass(frozen=True)
class SchemaChange:
    """A difference in structure: ``added``, ``removed``, ``type_changed`` or ``new_categories``."""

    change: str
    column: str
    detail: str


@dataclasses.dataclass(frozen=True)
class DriftResult:
    """Drift between a reference and a current dataset."""

    columns: tuple[ColumnDrift, ...]
    schema_changes: tuple[SchemaChange, ...]
    share_drifted: float
    n_drifted: int
    n_tested: int
    drift_share: float  # dataset drift when share_drifted >= drift_share
    dataset_drift: bool
    n_reference: int
    n_current: int
    elapsed_seconds: float | None = None

    def column(self, name: str) -> ColumnDrift:
        for c in self.columns:
            if c.column == name:
                return c
        raise KeyError(name)

    @property
    def drifted_columns(self) -> list[str]:
        return [c.column for c in self.columns if c.drifted]

    def with_thresholds(self, thresholds: Mapping[str, float] | None = None, *, p_value: float | None = None,
                        distance: float | None = None, drift_share: float | None = None) -> DriftResult:
        """Re-flag columns under new thresholds without recomputing any statistic.

        Parameters
        ----------
        thresholds : mapping, optional
            Per-column thresholds.
        p_value, distance : float, optional
            New threshold for every p-value test / every distance measure.
        drift_share : float, optional
            New dataset-level share.
        """
        thresholds = dict(thresholds or {})
        cols = []
        for c in self.columns:
            t = thresholds.get(c.column)
            if t is None:
                if c.p_value is not None and p_value is not None:
                    t = p_value
                elif c.p_value is None and c.statistic is not None and distance is not None:
                    t = distance
            cols.append(c if t is None else dataclasses.replace(c, threshold=float(t), drifted=c.flag(float(t))))
        share_limit = self.drift_share if drift_share is None else float(drift_share)
        tested = [c for c in cols if c.test != "skipped"]
        n_drifted = sum(c.drifted for c in tested)
        share = n_drifted / len(tested) if tested else 0.0
        return dataclasses.replace(self, columns=tuple(cols), n_drifted=n_drifted, share_drifted=share,
                                   drift_share=share_limit, dataset_drift=bool(tested) and share >= share_limit)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)

    def to_json(self, path: str | Path | None = None, *, indent: int = 2) -> str:
        text = json.dumps(self.to_dict(), indent=indent, allow_nan=False)
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(text, encoding="utf-8")
        return text
