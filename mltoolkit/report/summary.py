"""What an executive reads first: KPI cards and a recommendation, from a run's artifacts.

Stages write plain JSON artifacts into the run directory; this module reads
them (whichever exist) and turns them into a few statuses in plain language:

- ``artifacts/evaluation.json``: the success criterion and the baseline (evaluation stage);
- ``artifacts/drift.json``: the dataset-level drift verdict (monitoring stage);
- ``artifacts/alerts.json``: open alerts (monitoring stage);
- ``artifacts/retraining.json``: what the retraining loop decided, if it ran;
- ``artifacts/data_fingerprint.json``: the data version (data collection stage).
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from mltoolkit._serialize import to_jsonable
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


def _read_json(path: Path) -> Any:
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return "–" if value is None else str(value)


def collect_summary(run_dir: str | Path, record: RunRecord | None = None) -> ExecutiveSummary:
    """Read a run's artifacts into an :class:`ExecutiveSummary`."""
    run_dir = Path(run_dir)
    record = record or read_run(run_dir)
    art = run_dir / "artifacts"
    kpis: list[KPI] = []
    advice: list[str] = []

    evaluation = _read_json(art / "evaluation.json")
    if evaluation:
        verdict = evaluation.get("verdict") or ("met" if evaluation.get("met") else "not met")
        kpis.append(KPI("Success metric", f"{evaluation.get('metric', '?')} {_fmt(evaluation.get('value'))}",
                        f"target {evaluation.get('direction', '>=')} {_fmt(evaluation.get('threshold'))}",
                        _VERDICT_STATUS[verdict], evaluation.get("message", "")))
        baseline = evaluation.get("baseline") or {}
        if baseline:
            against = evaluation.get("baseline_verdict") or ("beats" if evaluation.get("beats_baseline")
                                                             else "does not beat")
            compared = baseline.get("metric") or evaluation.get("metric", "")
            kpis.append(KPI("Model vs baseline", f"{compared} {_fmt(baseline.get('model_value', evaluation.get('value')))}",
                            f"{baseline.get('name', 'baseline')} {_fmt(baseline.get('value'))}",
                            {"beats": "pass", "does not beat": "fail"}.get(against, "warn"),
                            {"beats": "the model beats the baseline",
                             "does not beat": "the model does not beat the baseline"}.get(
                                against, "whether the model beats the baseline is not established on these test rows")))
        advice.append(_VERDICT_ADVICE[verdict])
    drift = _read_json(art / "drift.json")
    if drift:
        drifted = bool(drift.get("dataset_drift"))
        share = drift.get("share_drifted")
        names = [c["column"] for c in drift.get("columns", []) if c.get("drifted")][:5]
        n_drifted, n_tested = drift.get("n_drifted"), drift.get("n_tested")
        kpis.append(KPI("Data drift", f"{n_drifted} of {n_tested} columns drifted",
                        f"dataset drift at {_fmt(100 * drift.get('drift_share', 0.5))}% of columns: "
                        + ("reached" if drifted else "not reached"),
                        "fail" if drifted else ("warn" if names else "pass"),
                        ("drifted: " + ", ".join(names)) if names else ""))
        if drifted:
            advice.append("Production data has drifted from the training data; review the drifted columns.")
    alerts = _read_json(art / "alerts.json")
    if alerts is not None:
        items = alerts.get("alerts", alerts) if isinstance(alerts, dict) else alerts
        critical = sum(1 for a in items if a.get("severity") == "critical")
        kpis.append(KPI("Open alerts", str(len(items)), "target: none open", "pass" if not items else ("fail" if critical else "warn"),
                        f"{critical} critical" if critical else ""))
        if isinstance(alerts, dict) and alerts.get("recommendation"):
            advice.append(str(alerts["recommendation"]))
    retraining = _read_json(art / "retraining.json")
    if retraining and retraining.get("summary"):
        advice.append(str(retraining["summary"]))

    failed = record.failed_stage
    if failed is not None:
        advice.insert(0, f"This run failed in stage '{failed.stage}'; the figures below may be incomplete.")
    if not kpis:
        kpis.append(KPI("Stages run", str(sum(s.status in ("succeeded", "kept") for s in record.stages)),
                        f"of {len(record.stages)}", "pass" if failed is None else "fail",
                        "no model was evaluated in this run"))
    fp = record.dataset_fingerprint or _read_json(art / "data_fingerprint.json") \
        or (_read_json(art / "eda_profile.json") or {}).get("fingerprint") or {}
    return ExecutiveSummary(
        project=record.project, run_id=record.run_id, date=record.created[:16].replace("T", " "),
        data_version=str(fp.get("short", "–")), run_status=record.status,
        kpis=tuple(kpis), recommendation=" ".join(advice) or "No action needed.",
        failed_stage=failed.stage if failed else None, failure=failed.error if failed else None,
    )
