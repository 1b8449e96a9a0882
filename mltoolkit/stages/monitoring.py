"""Stage 08, monitoring: production data compared with the training data, alerts and a retraining recommendation."""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mltoolkit._serialize import to_jsonable
from mltoolkit.data import load
from mltoolkit.drift import open_reference
from mltoolkit.framing import ProjectCard, project_card
from mltoolkit.monitor import MonitoringReport, RetrainingRules, run_monitoring

__all__ = ["MonitoringStageResult", "monitor_stage", "MONITORING_DEFAULTS"]

#: Monitoring thresholds used when the project's ``monitoring`` section does not set them.
MONITORING_DEFAULTS: dict[str, Any] = {"drift_share": 0.5, "alpha": 0.05, "distance_threshold": 0.1,
                                       "chunk_freq": "W", "max_drift_share_rule": 0.3, "max_domain_auc_rule": 0.7,
                                       "tests": {}, "thresholds": {}}


@dataclasses.dataclass(frozen=True)
class MonitoringStageResult:
    """The monitoring report, or why monitoring did not run (``report`` None and a ``note``)."""

    report: MonitoringReport | None
    note: str = ""
    settings: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def monitor_stage(card: ProjectCard | str | Path | None, *, reference_path: str | Path = "data/train.parquet",
                  current_path: str | None = None, current_table: str | None = None,
                  target: str | None = None, prediction_column: str | None = None, time_column: str | None = None,
                  chunk_size: int | None = None, settings: Mapping[str, Any] | None = None,
                  output_dir: str | Path = "artifacts", progress: bool = False) -> MonitoringStageResult:
    """Compare the current data with the reference and save ``drift.json``, ``alerts.json`` and ``monitoring.json``.

    Parameters
    ----------
    card : ProjectCard, path or None
        The project card (or its file, see :func:`mltoolkit.framing.project_card`):
        current data (``data.current``), target, time and id columns (never
        tested for drift) and the ``monitoring`` thresholds. None or ``""``:
        only the arguments given here are used (``mltoolkit drift``).
    reference_path : path
        Training data, or a saved reference profile (``.json``).
    current_path, current_table : str, optional
        Current data; None takes the project's ``data.current``. Without any,
        monitoring is skipped with a note (never another project's data).
    target, time_column : str, optional
        Override the card's target and time column.
    settings : mapping, optional
        Thresholds overriding the card's ``monitoring`` section (keys of
        :data:`MONITORING_DEFAULTS`); None values keep the card's.
    """
    if not isinstance(card, ProjectCard):
        card = project_card(card)
    data = card.data if card is not None else None
    if current_path is None and data is not None:
        current_path, current_table = data.current, current_table or data.current_table
    chosen = {**MONITORING_DEFAULTS, **(card.monitoring if card is not None else {}),
              **{k: v for k, v in (settings or {}).items() if v is not None}}
    if current_path is None:
        return MonitoringStageResult(None, "Monitoring did not run: the project has no current (production) data. "
                                           "Add it with data.current in mltoolkit.yml.", chosen)
    reference = open_reference(str(reference_path))
    current = load(current_path, table=current_table)
    target = target or (card.target if card is not None else None)
    if target not in current.columns:
        target = None  # unlabelled production data: no target drift, no actual performance
    time_column = time_column or (card.time_column if card is not None else None)
    if time_column is not None and time_column not in current.columns:
        time_column = None
    report = run_monitoring(
        reference, current, target=target, prediction_column=prediction_column, time_column=time_column,
        chunk_freq=chosen["chunk_freq"], chunk_size=chunk_size, tests=chosen["tests"],
        thresholds=chosen["thresholds"], alpha=chosen["alpha"], distance_threshold=chosen["distance_threshold"],
        drift_share=chosen["drift_share"],
        id_columns=tuple(c for c in (card.id_columns if card is not None else ()) if c in current.columns),
        rules=RetrainingRules(max_drift_share=chosen["max_drift_share_rule"],
                              max_domain_auc=chosen["max_domain_auc_rule"]),
        progress=progress,
    )
    report.save(output_dir)
    return MonitoringStageResult(report, "", chosen)
