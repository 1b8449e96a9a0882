"""Experiment tracking with MLflow: every training run, its candidates, trials and model.

The tracking store is a local SQLite file (``sqlite:///mlflow.db`` in the working
directory) unless ``MLFLOW_TRACKING_URI`` says otherwise; ``mltoolkit run``
points it at the project's ``mlflow.db`` so runs accumulate in one place.
"""
from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from mltoolkit import __version__
from mltoolkit.train.search import TrainingResult

__all__ = ["DEFAULT_TRACKING_URI", "tracking_uri", "use_experiment", "code_version", "log_training"]

DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"


def tracking_uri() -> str:
    """``MLFLOW_TRACKING_URI`` if set, else the local SQLite store."""
    return os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI


@contextlib.contextmanager
def _store_lock(uri: str) -> Iterator[None]:
    """Hold an exclusive lock on ``<db>.lock`` beside a local SQLite store (no lock for other stores).

    MLflow creates a new SQLite store by running its schema migrations; two
    processes doing that at once (two ``mltoolkit run`` started together in a
    new project) break each other's migration, so the first one in creates the
    store and the experiment while the others wait.
    """
    if not uri.startswith("sqlite:///"):
        yield
        return
    import fcntl

    db = Path(uri[len("sqlite:///"):]).resolve()
    db.parent.mkdir(parents=True, exist_ok=True)
    with open(db.with_name(db.name + ".lock"), "a", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def use_experiment(name: str) -> None:
    """Point MLflow at :func:`tracking_uri` and at experiment ``name``, creating it if needed.

    With a local SQLite store, a new experiment keeps its artifacts in ``mlruns/``
    beside the database file, not in whatever folder the process runs in. The
    store and the experiment are created under a file lock (``mlflow.db.lock``),
    so concurrent runs of one project can share the store from the start.
    """
    import mlflow

    uri = tracking_uri()
    with _store_lock(uri):
        mlflow.set_tracking_uri(uri)
        if uri.startswith("sqlite:///") and mlflow.get_experiment_by_name(name) is None:
            db = Path(uri[len("sqlite:///"):]).resolve()
            mlflow.create_experiment(name, artifact_location=(db.parent / "mlruns").as_uri())
        mlflow.set_experiment(name)


def code_version(folder: str | Path = ".") -> dict[str, str]:
    """mltoolkit's version and, inside a git work tree, the commit (``+dirty`` with local changes)."""
    out = {"mltoolkit": __version__}
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True,
                                timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=folder, capture_output=True, text=True,
                               timeout=5, check=True).stdout.strip()
        out["git_commit"] = commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        pass
    return out


def _flat(params: Mapping[str, Any]) -> dict[str, str]:
    return {str(k): str(v)[:500] for k, v in params.items()}


def log_training(result: TrainingResult, *, experiment: str, X_example: pd.DataFrame,
                 fingerprint: Mapping[str, Any] | None = None, extra_params: Mapping[str, Any] | None = None,
                 extra_metrics: Mapping[str, float] | None = None, run_name: str = "training",
                 log_model: bool = True) -> str:
    """Record a :class:`TrainingResult` in MLflow; return the parent run id.

    The parent run holds the final model (skops format), its settings, the
    cross-validated score, the dataset fingerprint and the code version; one
    nested run per candidate and per tuning trial holds its score.
    """
    import mlflow
    import mlflow.sklearn
    from mlflow.models import infer_signature

    from mltoolkit.models.persist import TRUSTED_TYPES

    use_experiment(experiment)
    versions = code_version()
    fp = dict(fingerprint or {})
    with mlflow.start_run(run_name=run_name) as parent:
        mlflow.set_tags({"mltoolkit.version": versions["mltoolkit"], "task": result.task_kind,
                         "best_model": result.best_name, **({"mlflow.source.git.commit": versions["git_commit"]}
                                                            if "git_commit" in versions else {}),
                         **({"dataset.fingerprint": str(fp.get("short"))} if fp else {})})
        mlflow.log_params(_flat({"model": result.best_name, "selection_metric": result.metric,
                                 "cv_folds": result.cv_folds, "cv_rows": result.cv_rows, "seed": result.seed,
                                 **{f"model.{k}": v for k, v in result.best_params.items()},
                                 **({"dataset.content_hash": fp.get("content_hash"), "dataset.rows": fp.get("n_rows")}
                                    if fp else {}),
                                 **dict(extra_params or {})}))
        mlflow.log_metrics({f"cv_{result.metric}": result.best_score,
                            **({f"baseline_cv_{result.metric}": result.baseline_score}
                               if result.baseline_score is not None else {}),
                            **{f"seconds_{k}": v for k, v in result.seconds.items()},
                            **dict(extra_metrics or {})})
        for cand in result.candidates:
            with mlflow.start_run(run_name=f"candidate:{cand.name}", nested=True):
                mlflow.log_params({"model": cand.name})
                mlflow.log_metrics({f"cv_{result.metric}": cand.mean, f"cv_{result.metric}_std": cand.std,
                                    "fit_seconds": cand.fit_seconds})
        for trial in result.trials[1:]:
            with mlflow.start_run(run_name=f"trial:{trial.trial}", nested=True):
                mlflow.log_params(_flat({"model": result.best_name, **trial.params}))
                mlflow.log_metrics({f"cv_{result.metric}": trial.mean, f"cv_{result.metric}_std": trial.std})
        if log_model:
            example = X_example.head(5)
            signature = infer_signature(example, result.model.predict(example))
            mlflow.sklearn.log_model(result.model, name="model", serialization_format="skops",
                                     skops_trusted_types=list(TRUSTED_TYPES), signature=signature,
                                     pip_requirements=[f"mltoolkit=={versions['mltoolkit']}", "scikit-learn", "skops"])
        return parent.info.run_id
