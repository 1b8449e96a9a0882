"""Training: candidates, time budget, seeds, MLflow, and the model file."""
from __future__ import annotations

import json

import numpy as np
import pytest

from mltoolkit.data import infer_schema, make_trial_conversion
from mltoolkit.errors import DataError, ModelPackageError
from mltoolkit.models import load_model, save_model
from mltoolkit.prep import build_preprocessor
from mltoolkit.train import encode_target, log_training, selection_metric, train_models


@pytest.fixture(scope="module")
def data():
    df = make_trial_conversion(1500, seed=2)
    X = df.drop(columns="converted")
    y = encode_target(df["converted"], "binary").transform(df["converted"])
    return X, y, build_preprocessor(infer_schema(X))


def test_compares_all_candidates_and_is_reproducible(data):
    X, y, pre = data
    a = train_models(X, y, preprocessor=pre, kind="binary", metric="roc_auc", time_budget_s=3, max_trials=3)
    b = train_models(X, y, preprocessor=pre, kind="binary", metric="roc_auc", time_budget_s=3, max_trials=3)
    assert [c.name for c in a.candidates] == ["dummy", "linear", "random_forest", "hist_gradient_boosting"]
    dummy = next(c for c in a.candidates if c.name == "dummy")
    assert dummy.mean == pytest.approx(0.5)
    assert a.best_name != "dummy" and a.best_score > 0.55
    assert [t.mean for t in a.trials] == [t.mean for t in b.trials]
    np.testing.assert_allclose(a.model.predict_proba(X.head(50)), b.model.predict_proba(X.head(50)))
    json.dumps(a.to_dict())


def test_time_budget_is_respected(data):
    X, y, pre = data
    import time

    t0 = time.perf_counter()
    r = train_models(X, y, preprocessor=pre, kind="binary", metric="pr_auc", candidates=["hist_gradient_boosting"],
                     time_budget_s=2, max_trials=50)
    assert r.seconds["tune"] < 2 + 2 * max(r.candidates[-1].fit_seconds * 3, 0.5)
    assert len(r.trials) < 51 and time.perf_counter() - t0 < 60


def test_fewer_rows_than_folds_is_a_clear_error(data):
    X, y, pre = data
    with pytest.raises(DataError, match="fewer than the 5 cross-validation folds"):
        y_small = y.copy()
        y_small[np.flatnonzero(y_small == 1)[3:]] = 0  # only 3 positives
        train_models(X, y_small, preprocessor=pre, kind="binary", metric="roc_auc", cv_folds=5)
    with pytest.raises(DataError, match="only 4 training rows for 5"):
        train_models(X.head(4), y[:4], preprocessor=pre, kind="binary", metric="roc_auc", cv_folds=5)


def test_selection_metric_is_threshold_free():
    assert selection_metric("recall", "binary") == "pr_auc"
    assert selection_metric("f1_macro", "multiclass") == "log_loss"
    assert selection_metric("rmse", "regression") == "rmse"


def test_mlflow_records_run_candidates_and_model(data, tmp_path, monkeypatch):
    X, y, pre = data
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # artifacts go beside the tracking database, not into the working folder
    r = train_models(X, y, preprocessor=pre, kind="binary", metric="roc_auc", candidates=["linear"],
                     time_budget_s=1, max_trials=2)
    run_id = log_training(r, experiment="unit", X_example=X, fingerprint={"short": "abc", "content_hash": "h",
                                                                          "n_rows": len(X)})
    import mlflow

    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    run = client.get_run(run_id)
    assert run.data.params["model"] == "linear" and run.data.tags["dataset.fingerprint"] == "abc"
    assert run.data.metrics["cv_roc_auc"] == pytest.approx(r.best_score)
    children = client.search_runs([run.info.experiment_id], f"tags.mlflow.parentRunId = '{run_id}'")
    assert {c.info.run_name for c in children} >= {"candidate:dummy", "candidate:linear"}
    model = mlflow.sklearn.load_model(f"runs:/{run_id}/model")
    np.testing.assert_allclose(model.predict_proba(X.head(5)), r.model.predict_proba(X.head(5)))
    assert list(elsewhere.iterdir()) == [] and any((tmp_path / "mlruns").rglob("model.skops"))


def test_model_file_checksum_and_trusted_types(data, tmp_path):
    X, y, pre = data
    model = train_models(X, y, preprocessor=pre, kind="binary", metric="roc_auc", candidates=["linear"],
                         time_budget_s=0).model
    path = save_model(model, tmp_path / "m.skops", {"target": "converted"})
    np.testing.assert_allclose(load_model(path).predict_proba(X.head(3)), model.predict_proba(X.head(3)))
    data_bytes = bytearray(path.read_bytes())
    data_bytes[-10] ^= 0xFF
    path.write_bytes(bytes(data_bytes))
    with pytest.raises(ModelPackageError, match="has changed since it was saved"):
        load_model(path)
    with pytest.raises(ModelPackageError, match="does not exist.*05_training"):
        load_model(tmp_path / "none.skops")
