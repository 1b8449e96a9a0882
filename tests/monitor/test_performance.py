"""Performance in production on generated data whose truth is known: no shift, covariate shift, concept shift."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from mltoolkit.errors import ConfigError
from mltoolkit.evaluate.bootstrap import MetricInterval
from mltoolkit.monitor import build_alerts, production_performance, recommend_retraining

EXPECTED = MetricInterval("f1", 0.80, 0.77, 0.83, 500)


def _production(n: int = 4000, *, shift: float = 0.0, concept: float = 1.0, seed: int = 0) -> pd.DataFrame:
    """Scores are the true probabilities of the training rule (a calibrated model); labels follow ``concept``."""
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, 1.0, n)
    score = 1 / (1 + np.exp(-2.5 * x))
    truth = 1 / (1 + np.exp(-2.5 * concept * x))
    return pd.DataFrame({"when": pd.date_range("2026-01-05", periods=n, freq="90min"), "score": score,
                         "prediction": (score >= 0.5).astype(int), "label": (rng.random(n) < truth).astype(int)})


def _perf(frame: pd.DataFrame, **kw) -> object:
    return production_performance(frame, task="binary", metric="f1", target="label", threshold=0.7,
                                  expected=EXPECTED, time_column="when", chunk_freq="W", **kw)


def test_without_shift_the_actual_lies_in_the_estimate_interval():
    p = _perf(_production())
    inside = [c.estimated.ci_low <= c.actual.value <= c.estimated.ci_high for c in p.chunks]
    assert len(p.chunks) >= 5 and np.mean(inside) >= 0.8
    assert p.overall.estimated.ci_low <= p.overall.actual.value <= p.overall.estimated.ci_high
    assert not any(c.concept_shift for c in p.chunks) and p.status in ("pass", "uncertain")


def test_covariate_shift_with_the_same_rule_is_tracked_by_the_estimate():
    base, shifted = _perf(_production()), _perf(_production(shift=-1.5, seed=1))
    # Rows move toward the negative class: f1 of the positive class falls, and the estimate falls with it.
    assert shifted.overall.actual.value < base.overall.actual.value - 0.1
    assert shifted.overall.estimated.value < base.overall.estimated.value - 0.1
    o = shifted.overall
    assert o.estimated.ci_low <= o.actual.value <= o.estimated.ci_high
    assert not o.concept_shift


def test_concept_shift_drops_the_actual_while_the_estimate_stays_and_is_said():
    base, shifted = _perf(_production()), _perf(_production(concept=0.15, seed=2))
    assert shifted.overall.actual.value < base.overall.actual.value - 0.1
    assert shifted.overall.estimated.value == pytest.approx(base.overall.estimated.value, abs=0.03)
    assert shifted.overall.concept_shift and sum(c.concept_shift for c in shifted.chunks) >= len(shifted.chunks) // 2
    assert any("cannot see this kind of change" in n for n in shifted.notes)
    assert shifted.status == "fail" and shifted.since is not None


def test_unlabelled_rows_are_estimated_and_labelled_ones_measured():
    frame = _production(3000)
    frame["label"] = frame["label"].astype(float)
    frame.loc[frame.index[1500:], "label"] = np.nan
    p = _perf(frame)
    bases = [c.basis for c in p.chunks]
    assert bases[0] == "actual" and bases[-1] == "estimated" and "actual and estimated" in bases
    assert all(c.actual is None for c in p.chunks if c.basis == "estimated")
    assert p.overall.n_labelled == 1500 and p.overall.basis == "actual and estimated"


def test_chunks_failing_the_criterion_raise_alerts_naming_the_chunk_and_drive_retraining():
    p = _perf(_production(concept=0.15, seed=2))
    alerts = build_alerts(_no_drift(), production=p)
    failing = {c.label for c in p.chunks if c.below_threshold}
    below = [a for a in alerts if a.what == "performance_below_criterion"]
    assert failing and {a.chunk for a in below} == failing
    assert any(a.what == "concept_shift" for a in alerts)
    rec = recommend_retraining(_no_drift(), production=p)
    assert rec.retrain and rec.driver == "performance" and "driven by performance" in rec.summary


def test_drift_is_only_watched_when_measured_performance_holds():
    drifted = _no_drift(target_drifted=True)
    rec = recommend_retraining(drifted, production=_perf(_production()))
    assert not rec.retrain and rec.watch and "still holds" in rec.summary
    unlabelled = _production()
    unlabelled["label"] = np.nan
    rec = recommend_retraining(drifted, production=_perf(unlabelled))
    assert rec.retrain and rec.driver == "drift" and "estimated" in rec.summary


def test_regression_says_what_cannot_be_estimated():
    rng = np.random.default_rng(0)
    y = rng.normal(10, 2, 600)
    frame = pd.DataFrame({"prediction": y + rng.normal(0, 1, 600), "y": np.where(np.arange(600) < 300, y, np.nan)})
    p = production_performance(frame, task="regression", metric="mae", target="y", threshold=1.5, chunk_size=100)
    assert not p.estimable and p.assumptions == () and "cannot be estimated without labels" in p.notes[0]
    assert [c.status for c in p.chunks[3:]] == ["unknown"] * 3 and all(c.estimated is None for c in p.chunks)
    known = p.chunks[0].actual
    assert known.value == pytest.approx(np.mean(np.abs(frame.prediction[:100] - y[:100])))


def test_multiclass_metrics_needing_every_probability_are_refused():
    frame = pd.DataFrame({"prediction": ["a", "b"] * 20, "score": [0.6] * 40, "y": ["a", "b"] * 20})
    with pytest.raises(ConfigError, match="every class's probability"):
        production_performance(frame, task="multiclass", metric="roc_auc", target="y")
    p = production_performance(frame, task="multiclass", metric="accuracy", target="y")
    assert p.overall.actual.value == 1.0 and p.overall.estimated.value == pytest.approx(0.6)


def _no_drift(target_drifted: bool = False) -> SimpleNamespace:
    """The fields of a DriftResult that alerts and the recommendation read: no feature drift, maybe the target's."""
    return SimpleNamespace(columns=(), target="label", target_drifted=target_drifted, target_drift=None,
                           schema_changes=(), share_drifted=0.0, drift_share=0.5, n_drifted=0, n_tested=5,
                           dataset_drift=False)
