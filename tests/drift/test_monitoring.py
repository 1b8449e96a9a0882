from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mltoolkit.data import load, make_trial_conversion
from mltoolkit.drift import (
    actual_performance,
    domain_classifier_drift,
    drift_by_chunk,
    estimate_performance,
    performance_drift,
)
from mltoolkit.errors import ConfigError
from mltoolkit.monitor import RetrainingRules, run_monitoring


def test_domain_classifier_separates_drifted_data_and_not_same_data():
    ref = make_trial_conversion(3000)
    drifted = domain_classifier_drift(ref.drop(columns="prospect_id"),
                                      make_trial_conversion(3000, seed=4, drift=1.0).drop(columns="prospect_id"))
    same = domain_classifier_drift(ref.drop(columns="prospect_id"),
                                   make_trial_conversion(3000, seed=5).drop(columns="prospect_id"))
    assert drifted.drifted and drifted.roc_auc > 0.7
    assert {name for name, _ in drifted.top_features[:3]} & {"website_visits", "days_in_trial", "location"}
    assert not same.drifted and abs(same.roc_auc - 0.5) < 0.05


def test_cbpe_equals_actual_in_expectation_when_calibrated():
    rng = np.random.default_rng(0)
    p = rng.beta(2, 5, 200_000)
    y = (rng.random(p.size) < p).astype(int)  # labels drawn from the probabilities: perfectly calibrated
    est, act = estimate_performance(p), actual_performance(y, p)
    for metric in ("accuracy", "precision", "recall", "f1"):
        assert est[metric] == pytest.approx(act[metric], abs=0.01)


def test_cbpe_matches_hand_computation():
    p = np.array([0.9, 0.8, 0.3, 0.1])
    est = estimate_performance(p, threshold=0.5)
    tp, fp, fn = 1.7, 0.3, 0.4
    assert est["precision"] == pytest.approx(tp / (tp + fp))
    assert est["recall"] == pytest.approx(tp / (tp + fn))


def test_performance_drift_flags_drop_and_threshold():
    d = performance_drift({"f1": 0.80}, {"f1": 0.70}, metric="f1", success_threshold=0.75)
    assert d.degraded and d.drop == pytest.approx(0.10) and "degraded" in d.message
    assert not performance_drift({"f1": 0.80}, {"f1": 0.79}, metric="f1").degraded
    with pytest.raises(ConfigError):
        performance_drift({}, {}, metric="auc")


def test_chunks_by_week_and_by_rows():
    cur = make_trial_conversion(3000, seed=2, drift=1.0, start="2026-01-05", days=28)
    weekly = drift_by_chunk(make_trial_conversion(3000), cur, time_column="signup_date", freq="W")
    assert len(weekly) == 4 and all("days_in_trial" in c.drifted_columns for c in weekly)
    by_rows = drift_by_chunk(make_trial_conversion(3000), cur, chunk_size=1000)
    assert [c.n_rows for c in by_rows] == [1000, 1000, 1000]


def test_chunks_with_probabilities_estimate_performance_without_labels():
    ref = make_trial_conversion(2000)
    cur = make_trial_conversion(2000, seed=3).drop(columns="converted")
    cur["proba"] = np.random.default_rng(0).random(len(cur))
    chunks = drift_by_chunk(ref, cur, chunk_size=500, proba_column="proba", target="converted")
    assert all(c.performance_estimated and c.performance["f1"] is not None for c in chunks)


def test_run_monitoring_on_demo_batches_writes_alerts_and_recommends_retraining(tmp_path):
    report = run_monitoring(load("demo://trial_conversion"), load("demo://trial_conversion/production"),
                            target="converted", time_column="signup_date")
    assert sorted(report.drift.drifted_columns) == ["days_in_trial", "location", "website_visits"]
    assert report.recommendation.retrain
    paths = report.save(tmp_path)
    alerts = json.loads(paths["alerts"].read_text())
    assert {a["column"] for a in alerts["alerts"] if a["what"] == "column_drift"} == {
        "days_in_trial", "location", "website_visits"}
    assert all({"what", "column", "value", "threshold", "severity", "message"} <= set(a) for a in alerts["alerts"])
    assert alerts["retrain"] is True and alerts["recommendation"].startswith("Retrain")


def test_no_drift_gives_no_retraining():
    report = run_monitoring(make_trial_conversion(3000), make_trial_conversion(3000, seed=8), target="converted",
                            rules=RetrainingRules(max_drift_share=0.3))
    assert not report.recommendation.retrain


def test_unknown_time_column_is_named():
    df = make_trial_conversion(200)
    with pytest.raises(ConfigError, match="time_column 'when'"):
        run_monitoring(df, df, time_column="when")


def test_missing_value_jump_raises_an_alert():
    ref = pd.DataFrame({"x": np.arange(500.0)})
    cur = pd.DataFrame({"x": np.where(np.arange(500) % 3 == 0, np.nan, np.arange(500.0))})
    report = run_monitoring(ref, cur, domain_classifier=False)
    assert any(a.what == "missing_values" and a.column == "x" for a in report.alerts)


def test_monitoring_from_a_saved_profile_matches_raw_and_says_what_it_skipped():
    from mltoolkit.data import make_trial_conversion
    from mltoolkit.drift import build_reference
    from mltoolkit.monitor import run_monitoring

    ref = make_trial_conversion(4_000, seed=0)
    cur = make_trial_conversion(3_000, seed=2, drift=1.0)
    raw = run_monitoring(ref, cur, target="converted", time_column="signup_date")
    prof = run_monitoring(build_reference(ref), cur, target="converted", time_column="signup_date")
    assert prof.drift.drifted_columns == raw.drift.drifted_columns
    # Small weekly chunks get KS; on raw data ties are broken at random, from a profile they are not (conservative):
    # only the heavily tied count column may differ.
    assert [c.label for c in prof.chunks] == [c.label for c in raw.chunks]
    differ = {col for a, b in zip(raw.chunks, prof.chunks) for col in set(a.drifted_columns) ^ set(b.drifted_columns)}
    assert differ <= {"support_tickets"}
    assert prof.domain is None and "domain classifier) was not run" in prof.recommendation.summary
    unlabeled = run_monitoring(build_reference(ref), cur.drop(columns=["converted"]), time_column="signup_date")
    assert "converted" not in [c.column for c in unlabeled.drift.columns]  # labels arrive later: not an error
    assert ("removed", "converted") in [(s.change, s.column) for s in unlabeled.drift.schema_changes]
    raw_unlabeled = run_monitoring(ref, cur.drop(columns=["converted"]), time_column="signup_date")
    assert [(s.change, s.column) for s in raw_unlabeled.drift.schema_changes] == \
        [(s.change, s.column) for s in unlabeled.drift.schema_changes]


def test_time_index_and_ids_do_not_teach_the_domain_classifier(two_years):
    early, late = (df.drop(columns="churned") for df in two_years)
    with_index = domain_classifier_drift(early, late)
    assert with_index.roc_auc < 0.6 and not with_index.drifted  # the features are stable; only the index moves
    assert "row after row" in with_index.skipped["day_index"]
    assert "whole number" in with_index.skipped["customer_number"]
    assert with_index.skipped["date"].startswith("datetime column")
    declared = domain_classifier_drift(early, late, time_column="day_index", id_columns=["customer_number"])
    assert "time_column" in declared.skipped["day_index"] and "id_columns" in declared.skipped["customer_number"]
    assert declared.to_dict()["skipped"] == declared.skipped


def test_monitoring_leaves_time_and_ids_out_and_alerts_on_the_target_alone(two_years):
    early, late = two_years
    report = run_monitoring(early, late, target="churned", time_column="date", id_columns=["customer_number"],
                            chunk_freq="M")
    assert report.domain is not None and not report.domain.drifted
    assert {"date", "customer_number", "day_index"} <= set(report.domain.skipped)
    skipped = {c.column: c.reason for c in report.drift.columns if c.test == "skipped"}
    assert "time_column" in skipped["date"] and "id_columns" in skipped["customer_number"]
    assert "day_index" in skipped
    assert not report.drift.dataset_drift and report.drift.target_drifted
    (target_alert,) = [a for a in report.alerts if a.what == "target_drift"]
    assert target_alert.column == "churned" and target_alert.severity == "critical"
    assert not any(a.what == "column_drift" and a.column == "churned" for a in report.alerts)
    assert report.recommendation.retrain and "the target 'churned' drifted" in report.recommendation.reasons
    assert all(c.target_drifted for c in report.chunks)
    assert not any(a.what == "multivariate_drift" for a in report.alerts)
    from mltoolkit.widgets import DriftWidget, MonitoringSummary

    summary = MonitoringSummary(report).static_html()
    assert "Left out: " in summary and "day_index" in summary and "Target: 'churned' drifted" in summary
    assert "target drift" in DriftWidget(report.drift).static_html()
