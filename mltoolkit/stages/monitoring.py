"""Stage 08, monitoring: production data compared with the training data, alerts and a retraining recommendation."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from mltoolkit._serialize import to_jsonable
from mltoolkit.artifacts import read_artifact
from mltoolkit.data import Schema, infer_schema, load
from mltoolkit.deploy.usage import is_prediction_log
from mltoolkit.drift import DriftResult, ReferenceProfile, open_reference
from mltoolkit.evaluate.bootstrap import MetricInterval
from mltoolkit.framing import ProjectCard, project_card
from mltoolkit.monitor import (
    JoinSummary,
    MonitoringReport,
    PerformanceOptions,
    ProductionPerformance,
    RetrainingRules,
    join_labels,
    join_predictions,
    label_keys,
    production_performance,
    run_monitoring,
)

__all__ = ["MonitoringStageResult", "monitor_stage", "MONITORING_DEFAULTS"]

#: Monitoring thresholds used when the project's ``monitoring`` section does not set them.
MONITORING_DEFAULTS: dict[str, Any] = {"drift_share": 0.5, "alpha": 0.05, "distance_threshold": 0.1,
                                       "chunk_freq": "W", "max_drift_share_rule": 0.3, "max_domain_auc_rule": 0.7,
                                       "max_performance_drop": PerformanceOptions.max_drop, "tests": {},
                                       "thresholds": {}}


@dataclasses.dataclass(frozen=True)
class MonitoringStageResult:
    """The monitoring report, or why monitoring did not run (``report`` None and a ``note``)."""

    report: MonitoringReport | None
    note: str = ""
    settings: dict[str, Any] = dataclasses.field(default_factory=dict)
    performance_note: str = ""  # why performance in production was not measured, when it was not

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def monitor_stage(card: ProjectCard | str | Path | None, *, reference_path: str | Path = "data/train.parquet",
                  current_path: str | None = None, current_table: str | None = None,
                  target: str | None = None, prediction_column: str | None = None, time_column: str | None = None,
                  chunk_size: int | None = None, settings: Mapping[str, Any] | None = None,
                  output_dir: str | Path = "artifacts", progress: bool = False,
                  predictions_path: str | Path | None = "artifacts/batch_predictions.parquet",
                  labels_path: str | Path | None = None, labels_table: str | None = None,
                  evaluation_dir: str | Path = "artifacts",
                  on_drift: Callable[[DriftResult], object] | None = None) -> MonitoringStageResult:
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
    prediction_column : str, optional
        A column of the current data holding the probability of the positive
        class, instead of the scored batch.
    settings : mapping, optional
        Thresholds overriding the card's ``monitoring`` section (keys of
        :data:`MONITORING_DEFAULTS`, ``max_performance_drop`` among them);
        None values keep the card's.
    predictions_path : path, optional
        The deployment stage's scored batch of the current data, joined on the
        card's id columns (by row position without them). Not used when the
        current data is the server's prediction log, which holds its
        predictions. Missing file: performance is skipped with a note.
    labels_path, labels_table : optional
        Late labels: a file (or SQL table) with the target and the keys (the
        id columns, or ``request_id`` and ``request_row`` of the prediction
        log), filling the rows still without a label. Duplicate and unknown
        keys are counted in the result's join summary.
    evaluation_dir : path
        Where ``evaluation.json`` is (the expected performance and its interval).
    on_drift : callable, optional
        Called with the per-column drift as soon as it is known, while the
        other checks go on (see :func:`mltoolkit.monitor.run_monitoring`).
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
    kinds = {} if isinstance(reference, ReferenceProfile) else {"schema": _decided_schema(reference, evaluation_dir)}
    target = target or (card.target if card is not None else None)
    if target not in current.columns:
        target = None  # unlabelled production data: no target drift, no actual performance
    time_column = time_column or (card.time_column if card is not None else None)
    if time_column is not None and time_column not in current.columns:
        time_column = None
    id_columns = tuple(c for c in (card.id_columns if card is not None else ()) if c in current.columns)
    production, performance_note = _production(
        card, current, predictions_path=predictions_path, prediction_column=prediction_column,
        labels_path=labels_path, labels_table=labels_table, evaluation_dir=evaluation_dir, time_column=time_column,
        chunk_freq=chosen["chunk_freq"], chunk_size=chunk_size,
        options=PerformanceOptions(max_drop=float(chosen["max_performance_drop"])))
    report = run_monitoring(
        reference, current, target=target, prediction_column=None if production else prediction_column,
        time_column=time_column, production=production,
        chunk_freq=chosen["chunk_freq"], chunk_size=chunk_size, tests=chosen["tests"],
        thresholds=chosen["thresholds"], alpha=chosen["alpha"], distance_threshold=chosen["distance_threshold"],
        drift_share=chosen["drift_share"],
        id_columns=id_columns,
        rules=RetrainingRules(max_drift_share=chosen["max_drift_share_rule"],
                              max_domain_auc=chosen["max_domain_auc_rule"],
                              max_performance_drop=float(chosen["max_performance_drop"])),
        progress=progress, on_drift=on_drift, **kinds,
    )
    report.save(output_dir)
    return MonitoringStageResult(report, "", chosen, performance_note)


def _decided_schema(reference: pd.DataFrame, artifacts_dir: str | Path) -> Schema:
    """The reference's column kinds as data collection decided them (``schema.json``); inferred for the rest."""
    decided = read_artifact(artifacts_dir, "schema")
    known = {c.name: c for c in decided.columns} if decided is not None else {}
    rest = [c for c in reference.columns if c not in known]
    inferred = {c.name: c for c in infer_schema(reference[rest]).columns} if rest else {}
    return Schema(tuple(known.get(str(c)) or inferred[str(c)] for c in reference.columns))


def _production(card: ProjectCard | None, current: pd.DataFrame, *, predictions_path: str | Path | None,
                prediction_column: str | None, labels_path: str | Path | None, labels_table: str | None,
                evaluation_dir: str | Path, time_column: str | None, chunk_freq: str, chunk_size: int | None,
                options: PerformanceOptions) -> tuple[ProductionPerformance | None, str]:
    """Performance in production from the predictions and labels of the current rows, or why there is none."""
    if card is None:
        return None, ("Performance in production was not measured: it needs the project card's task and success "
                      "criterion.")
    ids = tuple(c for c in card.id_columns if c in current.columns)
    if is_prediction_log(current):
        frame = current.assign(request_row=current.groupby("request_id", sort=False).cumcount())
        join = JoinSummary("prediction log", ("request_id", "request_row"), len(frame))
    elif prediction_column is not None:
        score = current[prediction_column].astype(float)
        frame = current.assign(score=score, prediction=(score >= 0.5).astype(int))
        join = JoinSummary("current data", (), len(frame))
    elif predictions_path is not None and Path(predictions_path).exists():
        predictions = load(str(predictions_path))
        keys = ids if ids and all(c in predictions.columns for c in ids) else ()
        frame, join = join_predictions(current, predictions, keys=keys, source="batch predictions")
    else:
        where = f" ({predictions_path} does not exist)" if predictions_path is not None else ""
        return None, ("Performance in production was not measured: there are no predictions for the current data"
                      f"{where}. Run the deployment stage (it scores data.current), or monitor the server's "
                      "prediction log (current_table='predictions').")
    if card.target in frame.columns and frame[card.target].notna().any():
        join = dataclasses.replace(join, labels_source="current data",
                                   n_labelled=int(frame[card.target].notna().sum()))
    if labels_path is not None:
        labels = load(str(labels_path), table=labels_table)
        frame, join = join_labels(frame, labels, target=card.target, keys=label_keys(frame, labels, card.id_columns),
                                  summary=join, source=str(labels_path))
    verdict = read_artifact(evaluation_dir, "evaluation")
    expected = None
    if verdict is not None and verdict.metric == card.success.metric:
        expected = MetricInterval(verdict.metric, verdict.value, verdict.ci_low, verdict.ci_high, verdict.n_boot)
    classes: tuple[str, ...] = ()
    if card.task_kind == "multiclass":
        values = pd.concat([frame["prediction"], frame[card.target]]) if card.target in frame.columns \
            else frame["prediction"]
        classes = tuple(sorted(values.dropna().astype(str).unique()))
    s = card.success
    production = production_performance(
        frame, task=card.task_kind, metric=s.metric, target=card.target, threshold=s.threshold, expected=expected,
        positive_label=card.positive_class if card.positive_class is not None else 1, classes=classes,
        decision_threshold=verdict.decision_threshold if verdict is not None else None,
        constraint_metric=s.constraint_metric, constraint_threshold=s.constraint_threshold,
        time_column=time_column if time_column in frame.columns else None, chunk_freq=chunk_freq,
        chunk_size=chunk_size, options=options, join=join)
    return production, ""
