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

__all__ = ["MonitoringAlert", "RetrainingRules", "Recommendation", "build_alerts", "recommend_retraining",
           "write_alerts"]


@dataclasses.dataclass(frozen=True)
class MonitoringAlert:
    """One breach: what, which column (if any), the value, the threshold, how severe."""

    what: str  # column_drift, dataset_drift, target_drift, schema_change, missing_values, multivariate_drift, performance
    column: str | None
    value: float | None
    threshold: float | None
    severity: str  # info, warning, critical
    message: str


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
    retrain: bool
    reasons: tuple[str, ...]
    summary: str

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def build_alerts(drift: DriftResult, *, performance: PerformanceDrift | None = None,
                 domain: DomainClassifierResult | None = None, missing_jump: float = 0.1) -> list[MonitoringAlert]:
    """Every breach in the monitoring results as an alert record."""
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
    return alerts


def _value(c: ColumnDrift) -> float | None:
    return c.p_value if c.p_value is not None else c.statistic


def _how(c: ColumnDrift) -> str:
    if c.p_value is not None:
        return f"p = {c.p_value:.2g} < {c.threshold:g}"
    return f"{c.test} {c.statistic:.3f} >= {c.threshold:g}" if c.statistic is not None else c.reason


def recommend_retraining(drift: DriftResult, *, performance: PerformanceDrift | None = None,
                         domain: DomainClassifierResult | None = None,
                         rules: RetrainingRules = RetrainingRules()) -> Recommendation:
    """Apply the user's rules to the monitoring results."""
    reasons = []
    if dataset_verdict(drift.columns, rules.max_drift_share, target=drift.target).dataset_drift:
        reasons.append(f"{100 * drift.share_drifted:.0f}% of features drifted (rule: {100 * rules.max_drift_share:.0f}%)")
    if rules.on_target_drift and drift.target_drifted:
        reasons.append(f"the target '{drift.target}' drifted")
    if performance is not None and performance.drop is not None and performance.drop > rules.max_performance_drop:
        reasons.append(f"{performance.metric} dropped by {performance.drop:.3f} (rule: {rules.max_performance_drop:g})")
    if (rules.on_below_success_threshold and performance is not None and performance.current is not None
            and performance.success_threshold is not None and performance.current < performance.success_threshold):
        reasons.append(f"{performance.metric} {performance.current:.3f} is below the success threshold "
                       f"{performance.success_threshold:g}")
    if domain is not None and domain.roc_auc >= rules.max_domain_auc:
        reasons.append(f"domain classifier ROC AUC {domain.roc_auc:.2f} (rule: {rules.max_domain_auc:g})")
    if rules.on_schema_change and any(s.change in ("removed", "type_changed") for s in drift.schema_changes):
        reasons.append("the input schema changed")
    if reasons:
        summary = "Retrain the model: " + "; ".join(reasons) + "."
    else:
        summary = "No retraining needed: drift and performance are within the rules."
    return Recommendation(bool(reasons), tuple(reasons), summary)


def write_alerts(path: str | Path, alerts: Sequence[MonitoringAlert], recommendation: Recommendation | None = None) -> Path:
    """Write ``alerts.json``: the alert records and the recommendation."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"alerts": [to_jsonable(a) for a in alerts],
               "recommendation": recommendation.summary if recommendation else None,
               "retrain": recommendation.retrain if recommendation else None}
    path.write_text(json.dumps(payload, indent=2, allow_nan=False), encoding="utf-8")
    return path
