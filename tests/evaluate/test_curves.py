from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve as sk_calibration_curve

from mltoolkit.errors import ConfigError, DataError
from mltoolkit.evaluate import calibration_curve, lift_gain, threshold_curves


@pytest.fixture(scope="module")
def tied():
    """Scores rounded to 2 decimals: many ties, as real models produce."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 3000)
    s = np.round(np.clip(0.3 * y + 0.7 * rng.random(3000), 0, 1), 2)
    return y, s


def test_counts_equal_sklearn_confusion_matrix_at_every_grid_threshold(tied):
    y, s = tied
    c = threshold_curves(y, s)
    assert c.thresholds[0] == 0.0 and c.thresholds[-1] == 1.0
    for i, t in enumerate(c.thresholds):
        tn, fp, fn, tp = skm.confusion_matrix(y, s >= t, labels=[0, 1]).ravel()
        assert (c.tp[i], c.fp[i], c.fn[i], c.tn[i]) == (tp, fp, fn, tn), t


def test_downsampled_grid_keeps_exact_counts_and_endpoints():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 5000)
    s = rng.random(5000)
    c = threshold_curves(y, s, max_points=50)
    assert len(c.thresholds) <= 50 and c.thresholds[0] == 0.0 and c.thresholds[-1] == 1.0
    for i in (1, 17, 33, len(c.thresholds) - 2):
        tn, fp, fn, tp = skm.confusion_matrix(y, s >= c.thresholds[i], labels=[0, 1]).ravel()
        assert (c.tp[i], c.fp[i], c.fn[i], c.tn[i]) == (tp, fp, fn, tn)


def test_areas_match_sklearn_at_full_resolution_even_when_downsampled(tied):
    y, s = tied
    for max_points in (2001, 10):
        c = threshold_curves(y, s, max_points=max_points)
        assert c.roc_auc == pytest.approx(skm.roc_auc_score(y, s), abs=1e-12)
        assert c.pr_auc == pytest.approx(skm.average_precision_score(y, s), abs=1e-12)


def test_at_reports_rates_of_the_grid_threshold_at_or_above(tied):
    y, s = tied
    c = threshold_curves(y, s)
    p = c.at(0.405)
    assert p["threshold"] == pytest.approx(0.41)
    pred = s >= 0.41
    assert p["precision"] == pytest.approx(skm.precision_score(y, pred))
    assert p["recall"] == pytest.approx(skm.recall_score(y, pred))
    assert p["f1"] == pytest.approx(skm.f1_score(y, pred))
    assert p["accuracy"] == pytest.approx(skm.accuracy_score(y, pred))
    assert p["predicted_positive_rate"] == pytest.approx(pred.mean())


def test_curves_hold_only_grid_sized_arrays_so_lookups_never_scan_predictions():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 20_000)
    c = threshold_curves(y, rng.random(20_000), max_points=301)
    arrays = [v for v in vars(c).values() if isinstance(v, np.ndarray)]
    assert arrays and all(len(a) == len(c.thresholds) <= 301 for a in arrays)


def test_expected_value_and_best_threshold(tied):
    y, s = tied
    c = threshold_curves(y, s)
    ev = c.expected_value(0.5, benefit_tp=10, cost_fp=2, cost_fn=1, benefit_tn=0.5)
    pred = s >= 0.5
    tp, fp = int((pred & (y == 1)).sum()), int((pred & (y == 0)).sum())
    fn, tn = int((~pred & (y == 1)).sum()), int((~pred & (y == 0)).sum())
    assert ev["total"] == pytest.approx(10 * tp - 2 * fp - fn + 0.5 * tn)
    assert ev["per_row"] == pytest.approx(ev["total"] / len(y))
    best = c.best_threshold("value", benefit_tp=10, cost_fp=2, cost_fn=1, benefit_tn=0.5)
    assert best["value"] == pytest.approx(max(c.expected_value(t, benefit_tp=10, cost_fp=2, cost_fn=1,
                                                               benefit_tn=0.5)["total"] for t in c.thresholds))
    assert c.best_threshold("f1")["f1"] == pytest.approx(np.max(c.f1))
    with pytest.raises(ConfigError, match="'auc'"):
        c.best_threshold("auc")


def test_curves_are_json_serializable(tied):
    d = json.loads(json.dumps(threshold_curves(*tied).to_dict()))
    assert d["precision"][-1] is None or isinstance(d["precision"][-1], float)


def test_curves_reject_one_class_target():
    with pytest.raises(DataError, match="'label' has only one class"):
        threshold_curves([0, 0, 0], [0.1, 0.2, 0.3], target_name="label")


def test_calibration_curve_wraps_sklearn_and_counts_rows(tied):
    y, s = tied
    for strategy in ("quantile", "uniform"):
        cal = calibration_curve(y, s, n_bins=8, strategy=strategy)
        prob_true, prob_pred = sk_calibration_curve(y, s, n_bins=8, strategy=strategy)
        assert cal.prob_true == pytest.approx(prob_true) and cal.prob_pred == pytest.approx(prob_pred)
        assert sum(cal.counts) == len(y) and len(cal.counts) == len(prob_true)
        json.dumps(cal.to_dict())


def test_lift_gain_by_hand():
    y = np.array([1, 1, 0, 1, 0, 0, 0, 0, 1, 0])
    s = np.linspace(1, 0.1, 10)
    lg = lift_gain(y, s, n_bins=5)
    assert lg.counts == (2, 2, 2, 2, 2) and lg.positives == (2, 1, 0, 0, 1)
    assert lg.cumulative_gain == pytest.approx((0.5, 0.75, 0.75, 0.75, 1.0))
    assert lg.lift == pytest.approx((2.5, 1.25, 0.0, 0.0, 1.25))
    assert lg.cumulative_lift[-1] == pytest.approx(1.0)
    json.dumps(lg.to_dict())


def test_curves_with_known_labels_accept_one_class_rows():
    c = threshold_curves([0, 0, 0, 0], [0.1, 0.2, 0.6, 0.3], labels=[0, 1])
    assert c.one_class and c.roc_auc is None and c.pr_auc is None
    point = c.at(0.5)
    assert point["recall"] is None and point["fp"] == 1 and point["fpr"] == pytest.approx(0.25)
    json.dumps(c.to_dict())
    cal = calibration_curve([0, 0, 0, 0], [0.1, 0.2, 0.6, 0.3], n_bins=2, labels=[0, 1])
    assert cal.prob_true == (0.0, 0.0) and sum(cal.counts) == 4
    lg = lift_gain([0, 0, 0, 0], [0.1, 0.2, 0.6, 0.3], n_bins=2, labels=[0, 1])
    assert np.isnan(lg.cumulative_gain).all() and lg.base_rate == 0.0
