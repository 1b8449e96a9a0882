from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn import metrics as skm

from mltoolkit.errors import ConfigError, DataError
from mltoolkit.evaluate import (
    METRICS,
    check_metric_for_task,
    classification_metrics,
    metric_value,
    multiclass_metrics,
    regression_metrics,
    residual_summary,
)


@pytest.fixture(scope="module")
def binary():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    p = np.clip(0.35 * y + 0.65 * rng.random(400), 0, 1)
    return y, p


def test_classification_metrics_match_sklearn(binary):
    y, p = binary
    m = classification_metrics(y, p, threshold=0.4)
    pred = p >= 0.4
    assert m.accuracy == pytest.approx(skm.accuracy_score(y, pred))
    assert m.precision == pytest.approx(skm.precision_score(y, pred))
    assert m.recall == pytest.approx(skm.recall_score(y, pred))
    assert m.f1 == pytest.approx(skm.f1_score(y, pred))
    assert m.roc_auc == pytest.approx(skm.roc_auc_score(y, p))
    assert m.pr_auc == pytest.approx(skm.average_precision_score(y, p))
    assert m.log_loss == pytest.approx(skm.log_loss(y, p))
    assert m.brier == pytest.approx(skm.brier_score_loss(y, p))
    assert (m.tn, m.fp, m.fn, m.tp) == tuple(skm.confusion_matrix(y, pred).ravel())
    assert m.n == 400 and m.positive_rate == pytest.approx(y.mean())


def test_classification_metrics_with_string_positive_label(binary):
    y, p = binary
    labels = np.where(y == 1, "churn", "stay")
    m = classification_metrics(labels, p, positive_label="churn")
    assert m.roc_auc == pytest.approx(skm.roc_auc_score(y, p))


def test_classification_result_is_json_serializable(binary):
    d = json.loads(json.dumps(classification_metrics(*binary).to_dict()))
    assert d["task"] == "binary" and set(d) >= {"tn", "fp", "fn", "tp", "roc_auc"}


def test_one_class_target_raises_data_error_naming_target():
    with pytest.raises(DataError, match="'churned'.*only one class") as e:
        classification_metrics([1, 1, 1], [0.2, 0.5, 0.9], target_name="churned")
    assert e.value.column == "churned"


def test_missing_target_raises_data_error():
    with pytest.raises(DataError, match="'churned' has 1 missing"):
        classification_metrics([1.0, np.nan, 0.0], [0.2, 0.5, 0.9], target_name="churned")


def test_length_mismatch_raises_data_error():
    with pytest.raises(DataError, match="3 rows but y_score has 2"):
        classification_metrics([1, 0, 1], [0.2, 0.5])


def test_scores_outside_unit_interval_raise_data_error():
    with pytest.raises(DataError, match="probabilities in \\[0, 1\\]"):
        classification_metrics([1, 0], [0.2, 1.5])


def test_absent_positive_label_raises_config_error():
    with pytest.raises(ConfigError, match="positive_label 'yes'") as e:
        classification_metrics(["a", "b"], [0.2, 0.5], positive_label="yes")
    assert e.value.parameter == "positive_label"


def test_multiclass_metrics_match_sklearn():
    rng = np.random.default_rng(1)
    classes = np.array(["a", "b", "c"])
    y = classes[rng.integers(0, 3, 300)]
    raw = rng.random((300, 3)) + 0.8 * (y[:, None] == classes)
    proba = raw / raw.sum(axis=1, keepdims=True)
    m = multiclass_metrics(y, proba, classes)
    pred = classes[proba.argmax(axis=1)]
    assert m.accuracy == pytest.approx(skm.accuracy_score(y, pred))
    assert m.f1_macro == pytest.approx(skm.f1_score(y, pred, average="macro"))
    assert m.f1_weighted == pytest.approx(skm.f1_score(y, pred, average="weighted"))
    assert m.precision_macro == pytest.approx(skm.precision_score(y, pred, average="macro"))
    assert m.recall_macro == pytest.approx(skm.recall_score(y, pred, average="macro"))
    assert m.log_loss == pytest.approx(skm.log_loss(y, proba, labels=classes))
    assert m.roc_auc == pytest.approx(skm.roc_auc_score(y, proba, multi_class="ovr"))
    assert [list(r) for r in m.confusion] == skm.confusion_matrix(y, pred, labels=classes).tolist()
    assert m.labels == ("a", "b", "c")
    json.dumps(m.to_dict())


def test_multiclass_unknown_label_raises_data_error():
    with pytest.raises(DataError, match="'segment' has labels not in classes: 'z'"):
        multiclass_metrics(["a", "z"], [[0.5, 0.5], [0.5, 0.5]], ["a", "b"], target_name="segment")


def test_regression_metrics_match_sklearn():
    rng = np.random.default_rng(2)
    y = rng.normal(10, 3, 200)
    y[:5] = 0.0
    pred = y + rng.normal(0, 1, 200)
    m = regression_metrics(y, pred)
    assert m.mae == pytest.approx(skm.mean_absolute_error(y, pred))
    assert m.rmse == pytest.approx(np.sqrt(skm.mean_squared_error(y, pred)))
    assert m.r2 == pytest.approx(skm.r2_score(y, pred))
    assert m.median_ae == pytest.approx(skm.median_absolute_error(y, pred))
    # MAPE skips zero targets: equal to sklearn's on the non-zero rows.
    assert m.mape == pytest.approx(skm.mean_absolute_percentage_error(y[5:], pred[5:]))
    assert m.n == 200 and m.n_mape == 195
    json.dumps(m.to_dict())


def test_regression_nan_prediction_raises_data_error():
    with pytest.raises(DataError, match="y_pred has 1 missing"):
        regression_metrics([1.0, 2.0], [1.0, np.nan])


def test_residual_summary_matches_numpy():
    rng = np.random.default_rng(3)
    y = rng.normal(size=500)
    pred = y + rng.normal(0, 0.5, 500)
    s = residual_summary(y, pred, bins=10)
    res = y - pred
    counts, edges = np.histogram(res, bins=10)
    assert s.hist_counts == tuple(counts) and s.hist_edges == pytest.approx(edges)
    assert s.quantiles[s.quantile_levels.index(0.5)] == pytest.approx(np.median(res))
    assert sum(s.pred_bin_counts) == 500 and len(s.pred_bin_mean) == 10
    assert np.average(s.residual_bin_mean, weights=s.pred_bin_counts) == pytest.approx(res.mean())
    json.dumps(s.to_dict())


def test_registry_covers_every_named_metric():
    assert set(METRICS) == {"accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc", "log_loss", "brier", "mae",
                            "rmse", "r2", "mape", "f1_macro", "f1_weighted", "precision_macro", "recall_macro"}
    assert METRICS["log_loss"].direction == "lower" and METRICS["r2"].hi == 1.0
    json.dumps({k: v.to_dict() for k, v in METRICS.items()})


def test_metric_value_reads_by_name(binary):
    m = classification_metrics(*binary)
    assert metric_value("roc_auc", m) == m.roc_auc


def test_metric_not_fitting_task_raises_config_error_listing_fitting_ones(binary):
    with pytest.raises(ConfigError, match="'mae' does not fit a binary task; for a binary task choose one of") as e:
        check_metric_for_task("mae", "binary")
    assert e.value.parameter == "metric"
    with pytest.raises(ConfigError, match="mae, rmse, r2, mape"):
        metric_value("f1", regression_metrics([1.0, 2.0], [1.0, 3.0]))


def test_binary_metrics_with_known_labels_accept_one_class_rows():
    m = classification_metrics([0, 0, 0, 0], [0.1, 0.6, 0.4, 0.2], labels=[0, 1])
    assert m.roc_auc is None and m.pr_auc is None
    assert (m.tn, m.fp, m.fn, m.tp) == (3, 1, 0, 0) and m.recall == 0.0
    assert m.log_loss == pytest.approx(skm.log_loss([0, 0, 0, 0], [0.1, 0.6, 0.4, 0.2], labels=[0, 1]))
    json.dumps(m.to_dict())


def test_binary_metrics_refuse_labels_unknown_to_training():
    with pytest.raises(DataError, match="not seen in training: 2"):
        classification_metrics([0, 1, 2], [0.1, 0.6, 0.4], labels=[0, 1])


def test_multiclass_with_a_class_missing_from_the_target_uses_all_classes():
    from mltoolkit.evaluate import multiclass_metrics

    rng = np.random.default_rng(0)
    classes = ["a", "b", "c", "d", "e"]
    y = rng.choice(classes[:4], 200)  # "e" known from training, absent from the test rows
    proba = rng.dirichlet(np.ones(5), 200)
    proba[np.arange(200), [classes.index(c) for c in y]] += 0.6
    proba /= proba.sum(axis=1, keepdims=True)
    m = multiclass_metrics(y, proba, classes)
    pred = np.asarray(classes)[proba.argmax(axis=1)]
    assert m.missing_classes == ("e",) and m.labels == tuple(classes) and len(m.confusion) == 5
    assert m.log_loss == pytest.approx(skm.log_loss(y, proba, labels=classes))
    # Macro averages over the classes held or predicted, as scikit-learn without labels.
    assert m.f1_macro == pytest.approx(skm.f1_score(y, pred, average="macro", zero_division=0))
    assert m.recall_macro == pytest.approx(skm.recall_score(y, pred, average="macro", zero_division=0))
    # ROC AUC: one-vs-rest over the four classes present.
    present = [skm.roc_auc_score(y == c, proba[:, classes.index(c)]) for c in classes[:4]]
    assert m.roc_auc == pytest.approx(np.mean(present))


def test_multiclass_with_every_class_present_matches_sklearn_roc_auc():
    from mltoolkit.evaluate import multiclass_metrics

    rng = np.random.default_rng(1)
    y = rng.choice(["a", "b", "c"], 100)
    proba = rng.dirichlet(np.ones(3), 100)
    m = multiclass_metrics(y, proba, ["a", "b", "c"])
    assert m.missing_classes == ()
    assert m.roc_auc == pytest.approx(skm.roc_auc_score(y, proba, multi_class="ovr", labels=["a", "b", "c"]))
