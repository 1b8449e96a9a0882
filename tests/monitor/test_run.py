"""One monitoring pass reads each table's column kinds once and gives every check the same kinds."""
from __future__ import annotations

import pytest

import mltoolkit.data.schema as schema_module
from mltoolkit.data import make_trial_conversion
from mltoolkit.drift import (
    chunks,
    detect,
    detect_drift,
    domain_classifier_drift,
    drift_by_chunk,
    multivariate,
)
from mltoolkit.monitor import run, run_monitoring


@pytest.fixture(scope="module")
def pair():
    return (make_trial_conversion(1500).drop(columns="prospect_id"),
            make_trial_conversion(1500, seed=1, drift=0.5).drop(columns="prospect_id"))


def test_each_table_is_read_once_for_every_check(pair, monkeypatch):
    calls = []

    def counted(df, overrides=None):
        calls.append(len(df))
        return schema_module.infer_schema(df, overrides=overrides)

    for module in (run, detect, chunks, multivariate):
        monkeypatch.setattr(module, "infer_schema", counted)
    run_monitoring(*pair, time_column="signup_date", target="converted")
    assert calls == [1500, 1500]  # the reference, then the current data


def test_results_are_those_of_each_check_on_its_own(pair):
    ref, cur = pair
    report = run_monitoring(ref, cur, time_column="signup_date", target="converted", chunk_freq="M")
    alone = detect_drift(ref, cur, time_column="signup_date", target="converted")
    assert [(c.column, c.test, c.score, c.drifted) for c in report.drift.columns] == \
        [(c.column, c.test, c.score, c.drifted) for c in alone.columns]
    features = [c for c in ref.columns if c != "converted"]
    assert report.domain == domain_classifier_drift(ref[features], cur[features], time_column="signup_date")
    assert list(report.chunks) == drift_by_chunk(ref, cur, time_column="signup_date", freq="M", target="converted")
