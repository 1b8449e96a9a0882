"""Result dataclasses of drift detection: per column, schema changes, dataset verdict."""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mltoolkit._serialize import to_jsonable

__all__ = ["ColumnDrift", "SchemaChange", "DriftResult", "DistributionSummary", "DatasetVerdict", "dataset_verdict",
           "counts_toward_share"]


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


def counts_toward_share(column: ColumnDrift, target: str | None = None) -> bool:
    """Whether ``column`` is one of the features whose share of drift decides dataset drift.

    Compared columns count, and so do columns that could not be compared
    because they broke (type changed, all missing: ``drifted`` without a test);
    columns left out on purpose (time, identifiers, text) do not, nor does the
    target, which has a verdict of its own.
    """
    return column.column != target and (column.test != "skipped" or column.drifted)


@dataclasses.dataclass(frozen=True)
class DatasetVerdict:
    """The dataset-level verdicts drawn from the per-column ones (see :func:`dataset_verdict`)."""

    n_tested: int
    n_drifted: int
    share_drifted: float
    dataset_drift: bool
    target_drifted: bool

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def dataset_verdict(columns: Sequence[ColumnDrift], drift_share: float, *, target: str | None = None) -> DatasetVerdict:
    """Decide dataset drift (and target drift) from per-column results: the one place this rule lives.

    Parameters
    ----------
    columns : sequence of ColumnDrift
        Per-column results, as in :attr:`DriftResult.columns`.
    drift_share : float
        The dataset has drifted when at least this share of the features that
        count (:func:`counts_toward_share`) drifted, and at least one counts.
    target : str, optional
        The label column: left out of the share and judged on its own.

    Returns
    -------
    DatasetVerdict

    Examples
    --------
    >>> cols = [ColumnDrift(c, "numeric", "ks", 0.3, p, 0.05, p < 0.05, 1 - p, 0.0, 0.0, 100, 100)
    ...         for c, p in [("a", 0.01), ("b", 0.2), ("y", 0.001)]]
    >>> v = dataset_verdict(cols, 0.5, target="y")
    >>> (v.n_drifted, v.n_tested, v.dataset_drift, v.target_drifted)
    (1, 2, True, True)
    """
    counted = [c for c in columns if counts_toward_share(c, target)]
    n_drifted = sum(bool(c.drifted) for c in counted)
    share = n_drifted / len(counted) if counted else 0.0
    target_drifted = any(c.column == target and c.drifted for c in columns) if target is not None else False
    return DatasetVerdict(n_tested=len(counted), n_drifted=n_drifted, share_drifted=share,
                          dataset_drift=bool(counted) and share >= drift_share, target_drifted=target_drifted)


@dataclasses.dataclass(frozen=True)
class DriftResult:
    """Drift between a reference and a current dataset.

    ``share_drifted``, ``n_drifted``, ``n_tested`` and ``dataset_drift`` are
    about the features (:func:`dataset_verdict`); the ``target``, when given,
    has its own verdict, ``target_drifted``, whatever the share. Columns left out
    on purpose (time, identifiers, counters) are in ``columns`` with test
    ``skipped`` and the reason.
    """

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
    target: str | None = None  # the label column, judged apart from the features
    target_drifted: bool = False

    @classmethod
    def from_columns(cls, columns: Sequence[ColumnDrift], schema_changes: Sequence[SchemaChange], *,
                     drift_share: float, n_reference: int, n_current: int, target: str | None = None,
                     elapsed_seconds: float | None = None) -> DriftResult:
        """A result whose dataset verdicts come from :func:`dataset_verdict`."""
        v = dataset_verdict(columns, drift_share, target=target)
        return cls(columns=tuple(columns), schema_changes=tuple(schema_changes), share_drifted=v.share_drifted,
                   n_drifted=v.n_drifted, n_tested=v.n_tested, drift_share=drift_share, dataset_drift=v.dataset_drift,
                   n_reference=n_reference, n_current=n_current, elapsed_seconds=elapsed_seconds, target=target,
                   target_drifted=v.target_drifted)

    def with_verdict(self, *, drift_share: float | None = None, target: str | None = None) -> DriftResult:
        """The same columns with the dataset verdicts decided again (new ``drift_share`` or ``target``)."""
        share_limit = self.drift_share if drift_share is None else float(drift_share)
        target = self.target if target is None else target
        v = dataset_verdict(self.columns, share_limit, target=target)
        return dataclasses.replace(self, share_drifted=v.share_drifted, n_drifted=v.n_drifted, n_tested=v.n_tested,
                                   drift_share=share_limit, dataset_drift=v.dataset_drift, target=target,
                                   target_drifted=v.target_drifted)

    @property
    def target_drift(self) -> ColumnDrift | None:
        """The target column's result, when a target was given and compared."""
        return next((c for c in self.columns if c.column == self.target), None) if self.target else None

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
        return dataclasses.replace(self, columns=tuple(cols)).with_verdict(drift_share=drift_share)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)

    def to_json(self, path: str | Path | None = None, *, indent: int = 2) -> str:
        text = json.dumps(self.to_dict(), indent=indent, allow_nan=False)
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(text, encoding="utf-8")
        return text
