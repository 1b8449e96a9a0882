"""Alerts from monitoring results, and the retraining recommendation that follows from user rules."""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mltoolkit._serialize import to_jsonable
from mltoolkit.drift.multivariate import DomainClassifierResult
from mltoolkit.drift.performance import PerformanceDrift
from mltoolkit.drift.result import ColumnDrift, DriftResult, dataset_verdict
from mltoolkit.evaluate.bootstrap import better_side
from mltoolkit.evaluate.registry import METRICS
from mltoolkit.monitor.performance import ProductionPerformance

__all__ = ["MonitoringAlert", "RetrainingRules", "Recommendation", "build_alerts", "recommend_retraining",
           "write_alerts"]


@dataclasses.dataclass(frozen=True)
class MonitoringAlert:
    """One breach: what, which column (if any), the value, the threshold, how severe."""

    what: str  # column_drift, dataset_drift, target_drift, schema_change, missing_values, multivariate_drift,
    # performance, performance_below_criterion, performance_drop, concept_shift
    column: str | None
    value: float | None
    threshold: float | None
    severity: str  # info, warning, critical
    message: str
    chunk: str | None = None  # the chunk of time (or rows) it happened in, for performance alerts


@dataclasses.dataclass(frozen=True)
class RetrainingRules:
    """When to recommend retraining. Any rule that fires is a reason."""

    max_drift_share: float = 0.3          # share of drifted features
    max_performance_drop: float = 0.05    # absolute drop of the monitored metric
    max_domain_auc: float = 0.7           # domain classifier ROC AUC
    on_schema_change: bool = True         # a column removed or its type changed
    on_below_success_threshold: bool = True
    on_target_drift: bool = True          # the target's distribution moved, whatever the share of features


@dataclasses.dataclass(frozen=True)
class Recommendation:
    """Whether to retrain, why, and what drove it: ``performance``, ``drift``, ``schema`` or ``none``.

    Performance weighs first: measured performance that breaks the rules
    recommends retraining whatever the drift; measured performance that holds
    keeps drift as a reason to watch, not to retrain; without labels (estimated
    or unknown performance) drift still recommends retraining, since an
    estimate cannot see every change.
    """

    retrain: bool
    reasons: tuple[str, ...]
    summary: str
    driver: str = "none"
    watch: tuple[str, ...] = ()  # drift reasons outweighed by performance measured on labels

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def build_alerts(drift: DriftResult, *, performance: PerformanceDrift | None = None,
                 domain: DomainClassifierResult | None = None, missing_jump: float = 0.1,
                 production: ProductionPerformance | None = None) -> list[MonitoringAlert]:
    """Every breach in the monitoring results as an alert record.

    Performance in production raises one alert per chunk whose figure
    (actual, or estimated without labels) is below the success criterion
    (``performance_below_criterion``) or worse than expected by more than
    ``max_drop`` (``performance_drop``), naming the chunk; critical when its
    whole interval is on the failing side. Chunks where labels fall short of
    the estimate raise ``concept_shift``.
    """
    alerts: list[MonitoringAlert] = []
    if drift.dataset_drift:
        alerts.append(MonitoringAlert("dataset_drift", None, drift.share_drifted, drift.drift_share, "critical",
                                      f"{drift.n_drifted} of {drift.n_tested} features drifted "
                                      f"({100 * drift.share_drifted:.0f}% >= {100 * drift.drift_share:.0f}%)"))
    target = drift.target_drift
    if drift.target_drifted and target is not None:
        alerts.append(MonitoringAlert("target_drift", target.column, _value(target), target.threshold, "critical",
                                      f"the target '{target.column}' drifted ({_how(target)}): what the model learned "
                                      "to predict has changed, whatever the share of drifted features "
                                      f"({drift.n_drifted} of {drift.n_tested})"))
    for c in drift.columns:
        if c.drifted and c.column != drift.target:
            alerts.append(MonitoringAlert("column_drift", c.column, _value(c), c.threshold, "warning",
                                          f"'{c.column}' drifted ({_how(c)})"))
        jump = c.missing_current - c.missing_reference
        if jump > missing_jump:
            alerts.append(MonitoringAlert("missing_values", c.column, c.missing_current, c.missing_reference + missing_jump,
                                          "warning", f"'{c.column}' is missing in {100 * c.missing_current:.1f}% of current "
                                          f"rows (reference {100 * c.missing_reference:.1f}%)"))
    for s in drift.schema_changes:
        severity = "info" if s.change in ("added", "new_categories") else "critical"
        alerts.append(MonitoringAlert("schema_change", s.column, None, None, severity, f"'{s.column}': {s.change}: {s.detail}"))
    if domain is not None and domain.drifted:
        names = ", ".join(f"'{n}'" for n, _ in domain.top_features[:3])
        alerts.append(MonitoringAlert("multivariate_drift", None, domain.roc_auc, domain.threshold, "warning",
                                      f"a classifier tells current from reference rows (ROC AUC {domain.roc_auc:.2f}); "
                                      f"most telling: {names or 'none'}"))
    if performance is not None and performance.degraded:
        alerts.append(MonitoringAlert("performance", None, performance.current, performance.success_threshold,
                                      "critical", performance.message))
    if production is not None:
        alerts.extend(_production_alerts(production))
    return alerts


def _production_alerts(p: ProductionPerformance) -> list[MonitoringAlert]:
    alerts = []
    spec = METRICS[p.metric]
    for c in p.chunks or (p.overall,):
        o = c.observed
        if o is None or o.value is None:
            continue
        where = f"in {c.label}" if c.start is None else f"in the period from {c.label}"
        kind = c.basis  # actual, estimated, or actual and estimated
        if c.below_threshold:
            wholly = better_side(p.metric, o, p.threshold) == "worse"
            alerts.append(MonitoringAlert(
                "performance_below_criterion", None, o.value, p.threshold, "critical" if wholly else "warning",
                f"{kind} {p.metric} {o.describe(p.confidence)} is below the success criterion "
                f"{p.metric} {p.direction} {p.threshold:g} {where}", c.label))
        if c.dropped and p.expected is not None and p.expected.value is not None:
            whole = o.ci_high if spec.higher_is_better else o.ci_low
            wholly = whole is not None and spec.worse_by(whole, p.expected.value) > p.max_drop
            alerts.append(MonitoringAlert(
                "performance_drop", None, o.value, p.expected.value, "critical" if wholly else "warning",
                f"{kind} {p.metric} {o.value:.3g} is {c.drop:.3g} worse than expected at evaluation "
                f"({p.expected.value:.3g}; rule: {p.max_drop:g}) {where}", c.label))
        if c.concept_shift and c.actual is not None and c.estimated is not None:
            alerts.append(MonitoringAlert(
                "concept_shift", None, c.actual.value, c.estimated.value, "warning",
                f"labels show {p.metric} {c.actual.value:.3g}, below the {c.estimated.value:.3g} the probabilities "
                f"promise {where}: outcomes follow the inputs differently now, which estimation cannot see",
                c.label))
    return alerts


def _value(c: ColumnDrift) -> float | None:
    return c.p_value if c.p_value is not None else c.statistic


def _how(c: ColumnDrift) -> str:
    if c.p_value is not None:
        return f"p = {c.p_value:.2g} < {c.threshold:g}"
    return f"{c.test} {c.statistic:.3f} >= {c.threshold:g}" if c.statistic is not None else c.reason


def recommend_retraining(drift: DriftResult, *, performance: PerformanceDrift | None = None,
                         domain: DomainClassifierResult | None = None,
                         rules: RetrainingRules = RetrainingRules(),
                         production: ProductionPerformance | None = None) -> Recommendation:
    """Apply the user's rules to the monitoring results: performance first, drift second.

    Performance reasons: the latest chunk of production performance (actual,
    or estimated) below the success criterion, or worse than expected by more
    than ``rules.max_performance_drop``. Drift reasons: the share of drifted
    features, target drift, the domain classifier. A schema change always
    counts. When the latest performance is measured on labels and holds, drift
    reasons are kept as ``watch`` and do not recommend retraining on their own.
    """
    perf_reasons = []
    if performance is not None and performance.drop is not None and performance.drop > rules.max_performance_drop:
        perf_reasons.append(f"{performance.metric} dropped by {performance.drop:.3f} "
                            f"(rule: {rules.max_performance_drop:g})")
    if (rules.on_below_success_threshold and performance is not None and performance.current is not None
            and performance.success_threshold is not None and performance.current < performance.success_threshold):
        perf_reasons.append(f"{performance.metric} {performance.current:.3f} is below the success threshold "
                            f"{performance.success_threshold:g}")
    measured_holds = False
    if production is not None:
        latest = production.latest
        since = f" since {production.since}" if production.since and production.chunks else ""
        figure = production.describe(latest)
        if rules.on_below_success_threshold and latest.below_threshold:
            perf_reasons.append(f"{figure} is below the success criterion {production.metric} "
                                f"{production.direction} {production.threshold:g}{since}")
        if latest.drop is not None and latest.drop > rules.max_performance_drop:
            perf_reasons.append(f"{figure} is {latest.drop:.3g} worse than expected at evaluation "
                                f"(rule: {rules.max_performance_drop:g})")
        measured_holds = latest.basis == "actual" and latest.status in ("pass", "uncertain") and not perf_reasons
    drift_reasons = []
    if dataset_verdict(drift.columns, rules.max_drift_share, target=drift.target).dataset_drift:
        drift_reasons.append(f"{100 * drift.share_drifted:.0f}% of features drifted "
                             f"(rule: {100 * rules.max_drift_share:.0f}%)")
    if rules.on_target_drift and drift.target_drifted:
        drift_reasons.append(f"the target '{drift.target}' drifted")
    if domain is not None and domain.roc_auc >= rules.max_domain_auc:
        drift_reasons.append(f"domain classifier ROC AUC {domain.roc_auc:.2f} (rule: {rules.max_domain_auc:g})")
    schema_reasons = ["the input schema changed"] if rules.on_schema_change and any(
        s.change in ("removed", "type_changed") for s in drift.schema_changes) else []
    watch: tuple[str, ...] = ()
    if measured_holds and drift_reasons:
        watch, drift_reasons = tuple(drift_reasons), []
    reasons = perf_reasons + schema_reasons + drift_reasons
    if perf_reasons:
        driver = "performance"
        summary = ("Retrain the model (driven by performance): performance in production breaks the rules ("
                   + "; ".join(perf_reasons) + ").")
        if drift_reasons or schema_reasons:
            summary += " Drift also: " + "; ".join(schema_reasons + drift_reasons) + "."
    elif schema_reasons or drift_reasons:
        driver = "schema" if schema_reasons else "drift"
        summary = f"Retrain the model (driven by {driver}): " + "; ".join(schema_reasons + drift_reasons) + "."
        if production is not None and production.latest.status == "unknown":
            summary += " Performance in production is not known yet, so drift decides."
        elif production is not None and production.latest.basis != "actual":
            summary += (f" Performance does not break the rules ({production.describe()}), but it is estimated, "
                        "and an estimate cannot see every change.")
        elif production is not None:
            summary += f" Performance measured on labels still holds ({production.describe()})."
    elif watch:
        summary = ("No retraining needed: performance measured on labels still holds "
                   f"({production.describe()}). Drift to watch: " + "; ".join(watch) + ".")
        driver = "none"
    else:
        driver = "none"
        summary = "No retraining needed: drift and performance are within the rules."
    return Recommendation(bool(reasons), tuple(reasons), summary, driver, watch)


def write_alerts(path: str | Path, alerts: Sequence[MonitoringAlert], recommendation: Recommendation | None = None) -> Path:
    """Write ``alerts.json``: the alert records and the recommendation."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"alerts": [to_jsonable(a) for a in alerts],
               "recommendation": recommendation.summary if recommendation else None,
               "retrain": recommendation.retrain if recommendation else None}
    path.write_text(json.dumps(payload, indent=2, allow_nan=False), encoding="utf-8")
    return path
