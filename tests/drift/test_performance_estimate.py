"""CBPE estimates with intervals (estimate_metric), checked against independent references."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics as skm

from mltoolkit.drift.performance import estimate_metric
from mltoolkit.errors import ConfigError


def _scores(n: int = 1500, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).beta(0.8, 1.6, n)


def test_accuracy_estimate_matches_the_poisson_binomial_by_hand():
    p = _scores()
    iv = estimate_metric(p, metric="accuracy", threshold=0.5, n_sim=4000, seed=1)
    q = np.maximum(p, 1 - p)  # chance each row is classified right when the probabilities hold
    mean, sd = q.mean(), np.sqrt((q * (1 - q)).sum()) / len(p)
    assert iv.value == pytest.approx(mean, abs=1e-12)
    low, high = stats.norm.ppf([0.025, 0.975], loc=mean, scale=sd)
    assert iv.ci_low == pytest.approx(low, abs=0.004) and iv.ci_high == pytest.approx(high, abs=0.004)


@pytest.mark.parametrize("metric, sk", [("roc_auc", skm.roc_auc_score), ("pr_auc", skm.average_precision_score),
                                         ("f1", None)])
def test_ranking_and_threshold_estimates_match_sklearn_on_simulated_labels(metric, sk):
    p = np.round(_scores(800, seed=2), 2)  # ties, as real scores have
    rng = np.random.default_rng(3)
    ys = rng.random((400, len(p))) < p
    if sk is None:
        values = [skm.f1_score(y, p >= 0.4) for y in ys]
    else:
        values = [sk(y, p) for y in ys]
    iv = estimate_metric(p, metric=metric, threshold=0.4, n_sim=2000, seed=4)
    assert iv.value == pytest.approx(np.mean(values), abs=0.006)
    assert iv.ci_low == pytest.approx(np.quantile(values, 0.025), abs=0.015)
    assert iv.ci_high == pytest.approx(np.quantile(values, 0.975), abs=0.015)


def test_known_labels_enter_as_certainties():
    p = _scores(300)
    y = (np.random.default_rng(5).random(300) < p).astype(float)
    iv = estimate_metric(p, y, "recall", threshold=0.5, n_sim=200)
    assert iv.value == pytest.approx(skm.recall_score(y, p >= 0.5)) and iv.ci_low == iv.ci_high == iv.value


def test_brier_and_log_loss_are_exact_expectations():
    p = _scores(500)
    s = np.clip(p * 0.9 + 0.05, 0, 1)  # scores that differ from the probabilities
    brier = estimate_metric(s, p, "brier", n_sim=100)
    assert brier.value == pytest.approx(np.mean(p * (1 - s) ** 2 + (1 - p) * s ** 2))
    ll = estimate_metric(s, p, "log_loss", n_sim=100)
    assert ll.value == pytest.approx(-np.mean(p * np.log(s) + (1 - p) * np.log(1 - s)))


def test_metrics_without_an_estimate_are_refused_by_name():
    with pytest.raises(ConfigError, match="rmse"):
        estimate_metric(_scores(10), metric="rmse")
