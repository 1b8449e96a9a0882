"""One monitoring pass: data drift, multivariate drift, drift over time, performance, alerts."""
from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from mltoolkit._serialize import to_jsonable
from mltoolkit.data.schema import infer_schema
from mltoolkit.deploy.usage import UsageSummary, is_prediction_log, prediction_usage
from mltoolkit.drift.chunks import ChunkDrift, drift_by_chunk
from mltoolkit.drift.detect import detect_drift
from mltoolkit.drift.multivariate import DomainClassifierResult, domain_classifier_drift
from mltoolkit.drift.performance import (
    PerformanceDrift,
    actual_performance,
    estimate_performance,
    performance_drift,
)
from mltoolkit.drift.reference import ReferenceProfile
from mltoolkit.drift.result import DriftResult, SchemaChange
from mltoolkit.errors import ConfigError
from mltoolkit.forking import in_background
from mltoolkit.monitor.alerts import (
    MonitoringAlert,
    Recommendation,
    RetrainingRules,
    build_alerts,
    recommend_retraining,
    write_alerts,
)
from mltoolkit.monitor.performance import ProductionPerformance

__all__ = ["MonitoringReport", "run_monitoring"]


@dataclasses.dataclass(frozen=True)
class MonitoringReport:
    drift: DriftResult
    domain: DomainClassifierResult | None
    chunks: tuple[ChunkDrift, ...]
    performance: PerformanceDrift | None
    alerts: tuple[MonitoringAlert, ...]
    recommendation: Recommendation
    usage: UsageSummary | None = None  # when the current data is the prediction log of ``mltoolkit serve``
    production: ProductionPerformance | None = None  # expected, actual and estimated performance per chunk

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)

    def save(self, directory: str | Path) -> dict[str, Path]:
        """Write ``drift.json``, ``alerts.json``, ``monitoring.json`` (and ``performance.json``) into ``directory``.

        ``performance.json`` (production performance) is written when it was
        measured, and removed when an earlier pass left one, so a report never
        shows another pass's figures.
        """
        from mltoolkit.artifacts import artifact_path, write_artifact

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        paths = {"drift": directory / "drift.json", "alerts": directory / "alerts.json",
                 "monitoring": directory / "monitoring.json"}
        if self.production is not None:
            paths["performance"] = write_artifact(directory, "performance", self.production)
        else:
            artifact_path(directory, "performance").unlink(missing_ok=True)
        self.drift.to_json(paths["drift"])
        write_alerts(paths["alerts"], self.alerts, self.recommendation)
        paths["monitoring"].write_text(json.dumps(self.to_dict(), indent=2, allow_nan=False), encoding="utf-8")
        return paths


def _domain_classifier(reference: pd.DataFrame, current: pd.DataFrame, **kwargs: Any) -> DomainClassifierResult | None:
    """The domain classifier's result, or None when every feature is a time, an id or a counter (nothing to learn)."""
    try:
        return domain_classifier_drift(reference, current, **kwargs)
    except ConfigError:
        return None


def _rows_checks(domain: Callable[[], DomainClassifierResult | None] | None,
                 chunks: Callable[[], list[ChunkDrift]]) -> tuple[DomainClassifierResult | None, tuple[ChunkDrift, ...]]:
    """The domain classifier (when asked for) and drift over time: the checks a command runs in a forked child.

    Together, because both need scipy.stats (scikit-learn imports it): the
    child imports it once, and the process comparing the columns, which needs
    only numpy for samples of more than ``small_sample`` rows, never does.
    """
    return (domain() if domain is not None else None), tuple(chunks())


def run_monitoring(
    reference: pd.DataFrame | ReferenceProfile,
    current: pd.DataFrame,
    *,
    target: str | None = None,
    prediction_column: str | None = None,
    reference_metrics: dict[str, float | None] | None = None,
    metric: str = "f1",
    success_threshold: float | None = None,
    decision_threshold: float = 0.5,
    time_column: str | None = None,
    chunk_freq: str = "W",
    chunk_size: int | None = None,
    domain_classifier: bool = True,
    rules: RetrainingRules = RetrainingRules(),
    exclude: tuple[str, ...] = (),
    id_columns: Sequence[str] = (),
    production: ProductionPerformance | None = None,
    on_drift: Callable[[DriftResult], object] | None = None,
    **drift_kwargs: Any,
) -> MonitoringReport:
    """Everything the monitoring stage reports, in one call.

    Parameters
    ----------
    reference : pandas.DataFrame or ReferenceProfile
        Training-time data, or its saved profile (``mltoolkit reference``):
        with a profile, the raw reference is not needed; everything runs but
        the domain classifier, which learns from rows.
    current : pandas.DataFrame
        The production batch.
    target : str, optional
        Label column: target drift is judged on its own and raises its own
        alert (``target_drift``) whatever the share of drifted features; with
        ``prediction_column`` labels give the actual performance.
    prediction_column : str, optional
        Column of ``current`` (and, if present, ``reference``) with the model's
        probability of the positive class: prediction drift is tested, and
        performance is measured against labels or estimated (CBPE) without them.
    reference_metrics : dict, optional
        The model's metrics at evaluation time (for performance drift).
    metric, success_threshold : optional
        The monitored metric and the project's success threshold.
    time_column, chunk_freq, chunk_size : optional
        How to split ``current`` into chunks for drift over time. The time
        column itself is left out of per-feature and multivariate drift
        (listed as skipped, with the reason).
    domain_classifier : bool, default True
        Also run the multivariate domain-classifier check.
    rules : RetrainingRules
        When to recommend retraining.
    exclude : tuple of str
        Columns left out of the comparison altogether (not listed).
    id_columns : sequence of str
        Identifier columns: left out of per-feature and multivariate drift and
        listed as skipped. Numeric columns that rise or fall row after row in
        the reference, or hold nearly consecutive whole numbers once each, are
        left out the same way as undeclared counters or ids
        (:func:`mltoolkit.drift.excluded_columns`).
    production : ProductionPerformance, optional
        Performance in production per chunk
        (:func:`mltoolkit.monitor.production_performance`): its breaches become
        alerts naming the chunk, and it weighs first in the retraining
        recommendation.
    on_drift : callable, optional
        Called with the per-column drift (the ``drift`` of the report) as soon
        as it is known, while the domain classifier and drift over time are
        computed: in a forked child for a command (:mod:`mltoolkit.forking`),
        so a command's report draws its drift charts meanwhile.
    **drift_kwargs
        Passed to :func:`mltoolkit.drift.detect_drift`.
    """
    for name, param in ((target, "target"), (prediction_column, "prediction_column"), (time_column, "time_column")):
        if name is not None and name not in current.columns:
            raise ConfigError(f"{param} {name!r} is not a column of the current data; columns are: "
                              f"{', '.join(map(str, current.columns[:30]))}", column=name, parameter=param)
    skip = set(exclude)
    usage = None
    if is_prediction_log(current):  # the service's bookkeeping columns are not data to compare
        usage = prediction_usage(current)
        skip |= {"request_id", "scored_at", "model_version", "prediction"} - {prediction_column}
    profile = isinstance(reference, ReferenceProfile)
    ref_names = reference.names if profile else list(reference.columns)
    cols = [c for c in dict.fromkeys([*ref_names, *current.columns]) if c not in skip]
    roles = dict(target=target, time_column=time_column, id_columns=tuple(id_columns))
    learn: Callable[[], DomainClassifierResult | None] | None = None  # learns from rows: not from a saved profile
    if profile:  # statistics only: every profiled column must be in the batch, extra ones are reported
        # As with raw data, a column missing from the batch (labels not arrived yet, a dropped feature) is
        # reported as removed; a column whose type changed is refused by detect_drift.
        drift = detect_drift(reference, current[[c for c in cols if c in current.columns]],
                             columns=[c for c in cols if c in ref_names and c in current.columns], **roles,
                             **drift_kwargs)
        removed = tuple(SchemaChange("removed", c, "in the reference profile, missing from current data")
                        for c in cols if c in ref_names and c not in current.columns)
        drift = dataclasses.replace(drift, schema_changes=removed + drift.schema_changes)
    else:
        # Each side's column kinds are read once here, for every check below (kinds are read column by column:
        # a check that looks at fewer columns reads the same kinds for them).
        compared = [c for c in cols if c in ref_names and c in current.columns]
        schema = drift_kwargs.get("schema")
        if schema is None:
            schema = drift_kwargs["schema"] = infer_schema(reference[[c for c in cols if c in ref_names]])
        if drift_kwargs.get("current_schema") is None:
            declared = {c.name: c.kind for c in schema.columns if c.overridden and c.name in compared}
            drift_kwargs["current_schema"] = infer_schema(current[compared], overrides=declared)
        features = [c for c in ref_names if c in current.columns and c not in skip
                    and c not in (target, prediction_column)]
        if domain_classifier and features:
            learn = functools.partial(_domain_classifier, reference[features], current[features],
                                      time_column=time_column, id_columns=id_columns, schema=schema)
    chunked = functools.partial(drift_by_chunk, reference if profile else reference[[c for c in cols if c in ref_names]],
                                current, time_column=time_column, freq=chunk_freq, chunk_size=chunk_size, target=target,
                                proba_column=prediction_column, threshold=decision_threshold,
                                id_columns=tuple(id_columns), **drift_kwargs)
    # For a command, in a forked child while the columns are compared here (mltoolkit.forking); here otherwise.
    pending = in_background(functools.partial(_rows_checks, learn, chunked))
    if not profile:
        drift = detect_drift(reference[[c for c in cols if c in ref_names]],
                             current[[c for c in cols if c in current.columns]], **roles, **drift_kwargs)
    if on_drift is not None:
        on_drift(drift)
    domain, chunks = pending.result()
    perf = None
    if prediction_column is not None:
        proba = current[prediction_column].to_numpy(dtype=float)
        labels = current[target] if target and target in current.columns else None
        if labels is not None and labels.notna().all():
            cur_metrics, estimated = actual_performance(labels.to_numpy(), proba, decision_threshold), False
        else:
            cur_metrics, estimated = estimate_performance(proba, decision_threshold), True
        perf = performance_drift(reference_metrics or {}, cur_metrics, metric=metric, estimated=estimated,
                                 success_threshold=success_threshold, max_drop=rules.max_performance_drop)
    alerts = tuple(build_alerts(drift, performance=perf, domain=domain, production=production))
    recommendation = recommend_retraining(drift, performance=perf, domain=domain, rules=rules, production=production)
    if profile and domain_classifier:
        recommendation = dataclasses.replace(recommendation, summary=recommendation.summary + (
            " The multivariate check (domain classifier) was not run: it learns from rows, and the reference is a "
            "saved profile."))
    return MonitoringReport(drift, domain, chunks, perf, alerts, recommendation, usage, production)
