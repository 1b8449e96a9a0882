"""The MLflow model registry: register a trained model, move an alias (staging, production), roll back.

Promotion records which version held the alias before, so a rollback is one call.
The tracking store is the same as training's (``MLFLOW_TRACKING_URI`` or
``sqlite:///mlflow.db``).
"""
from __future__ import annotations

from mltoolkit.errors import ConfigError, ModelPackageError
from mltoolkit.train.tracking import tracking_uri

__all__ = ["ALIASES", "register_model", "promote", "rollback", "version_with_alias"]

ALIASES = ("staging", "production")


def _client():  # noqa: ANN202 - mlflow.MlflowClient, imported lazily (slow import)
    import mlflow

    mlflow.set_tracking_uri(tracking_uri())
    return mlflow.MlflowClient()


def _check_alias(alias: str) -> None:
    if alias not in ALIASES:
        raise ConfigError(f"unknown alias {alias!r}; use one of {', '.join(ALIASES)}", parameter="alias")


def register_model(run_id: str, name: str, *, alias: str | None = "staging") -> str:
    """Register the model logged by training run ``run_id`` under ``name``; return the new version."""
    import mlflow

    if not run_id:
        raise ModelPackageError("the model has no MLflow run id (training ran with track=False); train with "
                                "tracking to register it", parameter="run_id")
    mlflow.set_tracking_uri(tracking_uri())
    version = mlflow.register_model(f"runs:/{run_id}/model", name).version
    if alias:
        promote(name, str(version), alias)
    return str(version)


def version_with_alias(name: str, alias: str) -> str | None:
    """The version that holds ``alias`` now, or None."""
    _check_alias(alias)
    try:
        return str(_client().get_model_version_by_alias(name, alias).version)
    except Exception:  # noqa: BLE001 - mlflow raises MlflowException when the alias is unset
        return None


def promote(name: str, version: str, alias: str = "production", *, reason: str | None = None) -> str | None:
    """Point ``alias`` at ``version``; return the version it pointed at before (None if unset).

    ``reason`` is recorded on the model version (tag ``promotion_reason``).
    """
    _check_alias(alias)
    client = _client()
    previous = version_with_alias(name, alias)
    client.set_registered_model_alias(name, alias, str(version))
    if reason:
        client.set_model_version_tag(name, str(version), "promotion_reason", reason[:5000])
    if previous is not None and previous != str(version):
        client.set_registered_model_tag(name, f"previous_{alias}", previous)
    return previous


def rollback(name: str, alias: str = "production") -> str:
    """Point ``alias`` back at the version it held before the last promotion; return that version."""
    _check_alias(alias)
    client = _client()
    tags = client.get_registered_model(name).tags
    previous = tags.get(f"previous_{alias}")
    if previous is None:
        raise ModelPackageError(f"no earlier version of '{name}' held '{alias}'; nothing to roll back to",
                                parameter="alias")
    current = version_with_alias(name, alias)
    client.set_registered_model_alias(name, alias, previous)
    if current is not None:
        client.set_registered_model_tag(name, f"previous_{alias}", current)
    return previous
