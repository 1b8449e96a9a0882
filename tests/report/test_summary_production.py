"""The executive KPI "In production": expected vs actual or estimated, pass/fail, since when."""
from __future__ import annotations

import numpy as np
import pandas as pd

from mltoolkit.artifacts import write_artifact
from mltoolkit.evaluate.bootstrap import MetricInterval
from mltoolkit.monitor import production_performance
from mltoolkit.pipeline.run import RunRecord
from mltoolkit.report.summary import collect_summary


def _performance(concept: float):
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, 3000)
    score = 1 / (1 + np.exp(-2.5 * x))
    late = np.arange(3000) >= 1500  # the second half follows another rule
    truth = np.where(late, 1 / (1 + np.exp(-2.5 * concept * x)), score)
    frame = pd.DataFrame({"when": pd.date_range("2026-01-05", periods=3000, freq="h"), "score": score,
                          "prediction": (score >= 0.5).astype(int), "y": (rng.random(3000) < truth).astype(int)})
    return production_performance(frame, task="binary", metric="recall", target="y", threshold=0.7,
                                  expected=MetricInterval("recall", 0.82, 0.79, 0.85, 500), time_column="when",
                                  chunk_freq="W")


def _summary(tmp_path, performance):
    write_artifact(tmp_path / "artifacts", "performance", performance)
    record = RunRecord(run_id="r1", directory=str(tmp_path), created="2026-04-01T08:00:00", project="P",
                       status="succeeded", stages=[], config={}, versions={})
    return collect_summary(tmp_path, record)


def test_failing_model_shows_actual_vs_expected_fail_and_since_when(tmp_path):
    p = _performance(concept=0.1)
    kpi = next(k for k in _summary(tmp_path, p).kpis if k.label == "In production")
    assert kpi.status == "fail" and kpi.value.startswith("recall ") and "(actual)" in kpi.value
    assert kpi.target == "expected 0.82; criterion >= 0.7"
    # The rule changes on 2026-03-08 (row 1500): the run of failing weeks starts with that week or the next.
    since = kpi.detail.split(";")[0].removeprefix("fails since ")
    assert "2026-03-02" <= since <= "2026-03-09" and since == p.since and "95% CI" in kpi.detail


def test_holding_model_passes_and_the_advice_says_nothing_of_production(tmp_path):
    summary = _summary(tmp_path, _performance(concept=1.0))
    kpi = next(k for k in summary.kpis if k.label == "In production")
    assert kpi.status in ("pass", "warn") and "no longer meets" not in summary.recommendation


def test_drift_card_names_drifted_features_and_the_target_apart(tmp_path):
    from mltoolkit.drift import detect_drift

    rng = np.random.default_rng(1)
    ref = pd.DataFrame({"a": rng.normal(0, 1, 800), "y": rng.normal(0, 1, 800)})
    cur = pd.DataFrame({"a": rng.normal(2, 1, 800), "y": rng.normal(3, 1, 800)})
    drift = detect_drift(ref, cur, target="y")
    assert drift.target_drifted and any(c.column == "y" and c.drifted for c in drift.columns)
    write_artifact(tmp_path / "artifacts", "drift", drift)
    record = RunRecord(run_id="r1", directory=str(tmp_path), created="2026-04-01T08:00:00", project="P",
                       status="succeeded", stages=[], config={}, versions={})
    summary = collect_summary(tmp_path, record)
    card = next(k for k in summary.kpis if k.label == "Data drift")
    assert card.detail == "drifted: a"  # the target has its own sentence in the recommendation
    assert "target 'y'" in summary.recommendation


def test_alerts_card_counts_findings_as_the_report_groups_them(tmp_path):
    from mltoolkit.monitor import MonitoringAlert, write_alerts

    alerts = [MonitoringAlert("performance_drop", None, 0.5, 0.8, s, f"drop in {w}", w)
              for s, w in (("critical", "w1"), ("warning", "w2"), ("critical", "w3"))]
    alerts.append(MonitoringAlert("column_drift", "a", 0.3, 0.1, "warning", "'a' drifted"))
    write_alerts(tmp_path / "artifacts" / "alerts.json", alerts)
    record = RunRecord(run_id="r1", directory=str(tmp_path), created="2026-04-01T08:00:00", project="P",
                       status="succeeded", stages=[], config={}, versions={})
    kpi = next(k for k in collect_summary(tmp_path, record).kpis if k.label == "Open alerts")
    assert (kpi.value, kpi.status, kpi.detail) == ("4", "fail", "2 findings, 2 critical")
