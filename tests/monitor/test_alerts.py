"""Alerts and the retraining recommendation, from hand-built drift results."""
from __future__ import annotations

from mltoolkit.drift import ColumnDrift, DriftResult
from mltoolkit.monitor import RetrainingRules, build_alerts, recommend_retraining


def _col(name: str, drifted: bool, test: str = "jensenshannon") -> ColumnDrift:
    stat = None if test == "skipped" else (0.3 if drifted else 0.01)
    return ColumnDrift(name, "numeric", test, stat, None, 0.1, drifted, float(drifted), 0.0, 0.0, 1000, 1000)


def _result(cols: list[ColumnDrift], target: str | None = "y") -> DriftResult:
    return DriftResult.from_columns(cols, (), drift_share=0.5, n_reference=1000, n_current=1000, target=target)


def test_target_drift_raises_its_own_alert_below_the_dataset_share():
    # 11 of 27 columns drift, the target among them: 10 of 26 features (38%) is no dataset drift.
    cols = [_col(f"f{i}", i < 10) for i in range(26)] + [_col("y", True)]
    r = _result(cols)
    assert not r.dataset_drift and r.target_drifted and (r.n_drifted, r.n_tested) == (10, 26)
    alerts = build_alerts(r)
    (target,) = [a for a in alerts if a.what == "target_drift"]
    assert target.column == "y" and target.severity == "critical" and "10 of 26" in target.message
    assert not any(a.what == "dataset_drift" for a in alerts)
    assert not any(a.what == "column_drift" and a.column == "y" for a in alerts)
    rec = recommend_retraining(r, rules=RetrainingRules(max_drift_share=0.5))
    assert rec.retrain and rec.reasons == ("the target 'y' drifted",)
    assert not recommend_retraining(r, rules=RetrainingRules(max_drift_share=0.5, on_target_drift=False)).retrain


def test_retraining_share_rule_counts_the_same_columns_as_the_dataset_verdict():
    # 1 of 3 features drifted; a column left out (skipped, not drifted) and the target do not count.
    cols = [_col("a", True), _col("b", False), _col("c", False), _col("day_index", False, "skipped"),
            _col("y", False)]
    r = _result(cols)
    assert r.n_tested == 3
    assert recommend_retraining(r, rules=RetrainingRules(max_drift_share=0.34)).retrain is False
    assert recommend_retraining(r, rules=RetrainingRules(max_drift_share=0.33)).retrain is True
