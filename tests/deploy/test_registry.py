"""Registering, promoting and rolling back in the MLflow model registry (local SQLite store)."""
from __future__ import annotations

import pytest

from mltoolkit.data import infer_schema, make_trial_conversion
from mltoolkit.deploy import promote, register_model, rollback, version_with_alias
from mltoolkit.errors import ConfigError, ModelPackageError
from mltoolkit.prep import build_preprocessor
from mltoolkit.train import encode_target, log_training, train_models

pytestmark = pytest.mark.slow


def test_register_promote_and_roll_back(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    df = make_trial_conversion(600, seed=8)
    X, y = df.drop(columns="converted"), encode_target(df["converted"], "binary").transform(df["converted"])
    result = train_models(X, y, preprocessor=build_preprocessor(infer_schema(X)), kind="binary", metric="roc_auc",
                          candidates=["linear"], time_budget_s=0)
    runs = [log_training(result, experiment="reg", X_example=X) for _ in range(2)]
    v1 = register_model(runs[0], "conversion", alias="staging")
    assert version_with_alias("conversion", "staging") == v1
    promote("conversion", v1, "production")
    v2 = register_model(runs[1], "conversion", alias=None)
    assert promote("conversion", v2, "production") == v1
    assert version_with_alias("conversion", "production") == v2
    assert rollback("conversion", "production") == v1
    assert version_with_alias("conversion", "production") == v1
    with pytest.raises(ConfigError, match="unknown alias"):
        promote("conversion", v1, "prod")
    with pytest.raises(ModelPackageError, match="no MLflow run id"):
        register_model("", "conversion")


def test_cli_promote_and_rollback(tmp_path, monkeypatch, capsys):
    from mltoolkit.cli import main

    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    df = make_trial_conversion(400, seed=9)
    X, y = df.drop(columns="converted"), encode_target(df["converted"], "binary").transform(df["converted"])
    result = train_models(X, y, preprocessor=build_preprocessor(infer_schema(X)), kind="binary", metric="roc_auc",
                          candidates=["linear"], time_budget_s=0)
    versions = [register_model(log_training(result, experiment="cli", X_example=X), "m", alias=None)
                for _ in range(2)]
    assert main(["registry", "promote", "m", versions[0], "--reason", "first"]) == 0
    assert main(["registry", "promote", "m", versions[1]]) == 0
    assert main(["registry", "rollback", "m"]) == 0
    assert f"rolled back to version {versions[0]}" in capsys.readouterr().out
    assert main(["registry", "promote", "m", versions[0], "--alias", "prod"]) == 2
