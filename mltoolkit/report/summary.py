"""What an executive reads first: KPI cards and a recommendation, from a run's artifacts.

Stages write plain JSON artifacts into the run directory; this module reads
them (whichever exist) and turns them into a few statuses in plain language:

- ``artifacts/evaluation.json``: the success criterion and the baseline (evaluation stage);
- ``artifacts/drift.json``: the dataset-level drift verdict (monitoring stage);
- ``artifacts/performance.json``: the model's performance in production, expected vs actual or
  estimated (monitoring stage);
- ``artifacts/alerts.json``: open alerts (monitoring stage);
- ``artifacts/retraining.json``: what the retraining loop decided, if it ran;
- ``artifacts/data_fingerprint.json``: the data version (data collection stage).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from mltoolkit._serialize import to_jsonable
from mltoolkit.artifacts import data_version, read_artifact
from mltoolkit.monitor.alert_groups import group_alerts
from mltoolkit.monitor.alerts import MonitoringAlert
from mltoolkit.pipeline.run import RunRecord, read_run

__all__ = ["KPI", "ExecutiveSummary", "collect_summary"]


@dataclasses.dataclass(frozen=True)
class KPI:
    """One card: a label, the figure, what it is compared with, and a status."""

    label: str
    value: str
    target: str
    status: str  # "pass", "fail", "warn" or "info"
    detail: str = ""


@dataclasses.dataclass(frozen=True)
class ExecutiveSummary:
    project: str
    run_id: str
    date: str
    data_version: str
    run_status: str
    kpis: tuple[KPI, ...]
    recommendation: str
    failed_stage: str | None = None
    failure: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


_VERDICT_STATUS = {"met": "pass", "not met": "fail", "not established": "warn"}
_VERDICT_ADVICE = {
    "met": "The model meets its success criterion.",
    "not met": "The model does not yet meet its success criterion: do not release it as it is.",
    "not established": "Whether the model meets its success criterion is not established: the test rows are too "
                       "few to tell (its interval straddles the threshold); collect more labelled data before "
                       "deciding.",
}


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return "–" if value is None else str(value)


_PRODUCTION_STATUS = {"pass": "pass", "fail": "fail", "uncertain": "warn", "unknown": "info"}


def _in_production(p: Any) -> KPI:
    """The "In production" card: the latest figure (actual or estimated) against the expected one, since when."""
    latest = p.latest
    obs = latest.observed
    value = f"{p.metric} {_fmt(obs.value)} ({latest.basis})" if obs is not None and obs.value is not None \
        else f"{p.metric} not known yet"
    expected = p.expected
    target = (f"expected {_fmt(expected.value)}" if expected is not None and expected.value is not None
              else "no expected figure") + (f"; criterion {p.direction} {_fmt(p.threshold)}"
                                             if p.threshold is not None else "")
    since = {"pass": "meets it", "fail": "fails", "uncertain": "not established", "unknown": "not known"}[p.status]
    detail = [f"{since} since {p.since}" if p.since and p.chunks else since]
    if obs is not None and obs.ci_low is not None:
        detail.append(f"{int(100 * p.confidence)}% CI {_fmt(obs.ci_low)} to {_fmt(obs.ci_high)}")
    if latest.label != "all rows":
        detail.append(f"latest: {latest.label}")
    return KPI("In production", value, target, _PRODUCTION_STATUS[p.status], "; ".join(detail))


def collect_summary(run_dir: str | Path, record: RunRecord | None = None) -> ExecutiveSummary:
    """Read a run's artifacts into an :class:`ExecutiveSummary`."""
    run_dir = Path(run_dir)
    record = record or read_run(run_dir)
    art = run_dir / "artifacts"
    kpis: list[KPI] = []
    advice: list[str] = []

    evaluation = read_artifact(art, "evaluation")
    if evaluation is not None:
        verdict = evaluation.verdict
        kpis.append(KPI("Success metric", f"{evaluation.metric} {_fmt(evaluation.value)}",
                        f"target {evaluation.direction} {_fmt(evaluation.threshold)}",
                        _VERDICT_STATUS[verdict], evaluation.message))
        baseline = evaluation.baseline
        if baseline:
            against = evaluation.baseline_verdict
            compared = baseline.get("metric") or evaluation.metric
            kpis.append(KPI("Model vs baseline", f"{compared} {_fmt(baseline.get('model_value', evaluation.value))}",
                            f"{baseline.get('name', 'baseline')} {_fmt(baseline.get('value'))}",
                            {"beats": "pass", "does not beat": "fail"}.get(against, "warn"),
                            {"beats": "the model beats the baseline",
                             "does not beat": "the model does not beat the baseline"}.get(
                                against, "whether the model beats the baseline is not established on these test rows")))
        advice.append(_VERDICT_ADVICE[verdict])
    drift = read_artifact(art, "drift")
    if drift is not None:
        names = [c.column for c in drift.columns if c.drifted and c.column != drift.target][:5]  # target: its own line
        kpis.append(KPI("Data drift", f"{drift.n_drifted} of {drift.n_tested} columns drifted",
                        f"dataset drift at {_fmt(100 * drift.drift_share)}% of columns: "
                        + ("reached" if drift.dataset_drift else "not reached"),
                        "fail" if drift.dataset_drift else ("warn" if names else "pass"),
                        ("drifted: " + ", ".join(names)) if names else ""))
        if drift.dataset_drift:
            advice.append("Production data has drifted from the training data; review the drifted columns.")
        if drift.target_drifted:
            advice.append(f"The distribution of the target '{drift.target}' has changed in production: the model's "
                          "figures may no longer hold.")
    production = read_artifact(art, "performance")
    if production is not None:
        kpis.append(_in_production(production))
        if production.status == "fail":
            advice.append(f"In production the model no longer meets its targets: {production.message}")
        if any(c.concept_shift for c in production.chunks):
            advice.append("Labels show the model doing worse than its own probabilities promise: the link between "
                          "inputs and outcome has changed, which estimates without labels cannot see.")
    alerts = read_artifact(art, "alerts")
    if alerts is not None:
        critical = sum(1 for a in alerts.alerts if a.get("severity") == "critical")
        findings = len(group_alerts([MonitoringAlert(**a) for a in alerts.alerts]))  # as the reports show them
        detail = ", ".join(part for part in (f"{findings} findings" if findings < len(alerts.alerts) else "",
                                             f"{critical} critical" if critical else "") if part)
        kpis.append(KPI("Open alerts", str(len(alerts.alerts)), "target: none open",
                        "pass" if not alerts.alerts else ("fail" if critical else "warn"), detail))
        if alerts.recommendation:
            advice.append(alerts.recommendation)
    retraining = read_artifact(art, "retraining")
    if retraining is not None and retraining.summary:
        advice.append(retraining.summary)

    failed = record.failed_stage
    if failed is not None:
        advice.insert(0, f"This run failed in stage '{failed.stage}'; the figures below may be incomplete.")
    if not kpis:
        kpis.append(KPI("Stages run", str(sum(s.status in ("succeeded", "kept") for s in record.stages)),
                        f"of {len(record.stages)}", "pass" if failed is None else "fail",
                        "no model was evaluated in this run"))
    version = data_version(run_dir)
    short = (record.dataset_fingerprint or {}).get("short") or (version.short if version else "–")
    return ExecutiveSummary(
        project=record.project, run_id=record.run_id, date=record.created[:16].replace("T", " "),
        data_version=str(short), run_status=record.status,
        kpis=tuple(kpis), recommendation=" ".join(advice) or "No action needed.",
        failed_stage=failed.stage if failed else None, failure=failed.error if failed else None,
    )
