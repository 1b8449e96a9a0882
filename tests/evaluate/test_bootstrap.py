"""Bootstrap intervals: each resample's metric against scikit-learn, the interval against scipy's bootstrap."""
from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics as skm

from mltoolkit.errors import ConfigError
from mltoolkit.evaluate import MetricInterval, better_side, bootstrap_metrics
from mltoolkit.evaluate.bootstrap import _binary_stats, _multiclass_stats, _regression_stats


@pytest.fixture
def resample():
    rng = np.random.default_rng(3)
    idx = rng.integers(0, 200, 200)
    return idx, np.bincount(idx, minlength=200)[None].astype(float)


def test_binary_metrics_on_resample_counts_match_sklearn_on_resampled_rows(resample):
    idx, w = resample
    rng = np.random.default_rng(0)
    y = rng.random(200) < 0.3
    s = np.round(np.clip(0.3 * y + 0.7 * rng.random(200), 0, 1), 2)  # rounded: ties in the scores
    got = {k: f(w)[0] for k, f in _binary_stats(y, s, 0.5).items()}
    yy, ss = y[idx], s[idx]
    pred = ss >= 0.5
    assert got["accuracy"] == pytest.approx(skm.accuracy_score(yy, pred))
    assert got["precision"] == pytest.approx(skm.precision_score(yy, pred))
    assert got["recall"] == pytest.approx(skm.recall_score(yy, pred))
    assert got["f1"] == pytest.approx(skm.f1_score(yy, pred))
    assert got["roc_auc"] == pytest.approx(skm.roc_auc_score(yy, ss))
    assert got["pr_auc"] == pytest.approx(skm.average_precision_score(yy, ss))
    assert got["log_loss"] == pytest.approx(skm.log_loss(yy, ss, labels=[False, True]))
    assert got["brier"] == pytest.approx(skm.brier_score_loss(yy, ss))


def test_multiclass_metrics_on_resample_counts_match_sklearn_on_resampled_rows(resample):
    idx, w = resample
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 4, 200)
    proba = rng.dirichlet(np.ones(4), 200)
    proba[np.arange(200), codes] += 0.5
    proba /= proba.sum(axis=1, keepdims=True)
    got = {k: f(w)[0] for k, f in _multiclass_stats(codes, proba).items()}
    cc, pp = codes[idx], proba[idx]
    pred = pp.argmax(axis=1)
    assert got["accuracy"] == pytest.approx(skm.accuracy_score(cc, pred))
    for name in ("precision", "recall", "f1"):
        for average in ("macro", "weighted"):
            ref = getattr(skm, f"{name}_score")(cc, pred, average=average, zero_division=0)
            assert got[f"{name}_{average}"] == pytest.approx(ref)
    assert got["log_loss"] == pytest.approx(skm.log_loss(cc, pp, labels=range(4)))
    assert got["roc_auc"] == pytest.approx(skm.roc_auc_score(cc, pp, multi_class="ovr"))


def test_regression_metrics_on_resample_counts_match_sklearn_on_resampled_rows(resample):
    idx, w = resample
    rng = np.random.default_rng(2)
    y = rng.normal(size=200)
    y[:5] = 0.0  # zero targets are left out of mape
    yhat = y + 0.5 * rng.normal(size=200)
    got = {k: f(w)[0] for k, f in _regression_stats(y, yhat).items()}
    a, b = y[idx], yhat[idx]
    nz = a != 0
    assert got["mae"] == pytest.approx(skm.mean_absolute_error(a, b))
    assert got["rmse"] == pytest.approx(skm.root_mean_squared_error(a, b))
    assert got["r2"] == pytest.approx(skm.r2_score(a, b))
    assert got["mape"] == pytest.approx(np.mean(np.abs(a[nz] - b[nz]) / np.abs(a[nz])))


def test_roc_auc_interval_matches_scipy_percentile_bootstrap():
    rng = np.random.default_rng(7)
    y = (rng.random(300) < 0.4).astype(int)
    s = np.clip(0.25 * y + 0.75 * rng.random(300), 0, 1)
    ours = bootstrap_metrics(y, s, task="binary", metrics=["roc_auc"], n_boot=4000, seed=11).interval("roc_auc")
    ref = stats.bootstrap((y, s), lambda a, b: skm.roc_auc_score(a, b), paired=True, vectorized=False,
                          n_resamples=4000, method="percentile", confidence_level=0.95,
                          random_state=np.random.default_rng(12)).confidence_interval
    assert ours.value == pytest.approx(skm.roc_auc_score(y, s))
    assert ours.ci_low == pytest.approx(ref.low, abs=0.01)
    assert ours.ci_high == pytest.approx(ref.high, abs=0.01)


def test_accuracy_interval_matches_scipy_percentile_bootstrap():
    rng = np.random.default_rng(8)
    y = (rng.random(120) < 0.5).astype(int)
    s = np.clip(0.3 * y + 0.7 * rng.random(120), 0, 1)
    ours = bootstrap_metrics(y, s, task="binary", metrics=["accuracy"], n_boot=4000, seed=1).interval("accuracy")
    ref = stats.bootstrap(((s >= 0.5) == y,), np.mean, n_resamples=4000, method="percentile",
                          random_state=np.random.default_rng(2)).confidence_interval
    assert ours.ci_low == pytest.approx(ref.low, abs=0.015) and ours.ci_high == pytest.approx(ref.high, abs=0.015)


def test_intervals_are_seeded_and_n_boot_sets_the_count():
    rng = np.random.default_rng(0)
    y, s = (rng.random(80) < 0.5).astype(int), rng.random(80)
    a = bootstrap_metrics(y, s, task="binary", n_boot=300, seed=5)
    assert a == bootstrap_metrics(y, s, task="binary", n_boot=300, seed=5)
    assert a.interval("f1") != bootstrap_metrics(y, s, task="binary", n_boot=300, seed=6).interval("f1")
    assert a.n_boot == 300 and a.interval("accuracy").n_valid == 300
    none = bootstrap_metrics(y, s, task="binary", n_boot=0).interval("accuracy")
    assert none.ci_low is None and none.value == a.interval("accuracy").value
    json.dumps(a.to_dict())


def test_resamples_come_in_blocks_without_changing_the_result(monkeypatch):
    import mltoolkit.evaluate.bootstrap as b

    rng = np.random.default_rng(0)
    y, s = (rng.random(50) < 0.5).astype(int), rng.random(50)
    whole = bootstrap_metrics(y, s, task="binary", n_boot=200, seed=3)
    monkeypatch.setattr(b, "_BLOCK_CELLS", 50 * 7)  # blocks of 7 resamples
    assert bootstrap_metrics(y, s, task="binary", n_boot=200, seed=3) == whole


def test_baseline_difference_is_paired_on_the_same_resamples():
    rng = np.random.default_rng(4)
    y = (rng.random(150) < 0.4).astype(int)
    model = np.clip(0.3 * y + 0.7 * rng.random(150), 0, 1)
    dummy = np.full(150, y.mean())
    r = bootstrap_metrics(y, model, task="binary", metrics=["pr_auc"], baseline_pred=dummy, n_boot=500, seed=2)
    m, b, d = r.interval("pr_auc"), r.baseline_interval("pr_auc"), r.difference_interval("pr_auc")
    assert b.value == pytest.approx(skm.average_precision_score(y, dummy))
    assert d.value == pytest.approx(m.value - b.value)
    assert m == bootstrap_metrics(y, model, task="binary", metrics=["pr_auc"], n_boot=500, seed=2).interval("pr_auc")
    assert d.ci_low > 0  # clearly better than the base rate


def test_one_class_rows_have_undefined_ranking_metrics_not_an_error():
    y, s = np.zeros(40, dtype=int), np.linspace(0, 1, 40)
    r = bootstrap_metrics(y, s, task="binary", labels=[0, 1], n_boot=100)
    assert r.interval("roc_auc") == MetricInterval("roc_auc", None, None, None, 0)
    assert r.interval("accuracy").value == pytest.approx(0.5)


def test_multiclass_needs_labels():
    with pytest.raises(ConfigError, match="labels"):
        bootstrap_metrics(["a", "b"], [[0.5, 0.5], [0.5, 0.5]], task="multiclass")


@pytest.mark.parametrize("low, high, side", [(0.6, 1.0, "uncertain"), (0.81, 0.9, "better"), (0.5, 0.79, "worse")])
def test_better_side_of_a_threshold(low, high, side):
    assert better_side("roc_auc", MetricInterval("roc_auc", (low + high) / 2, low, high, 100), 0.8) == side
