"""Stage 05, training: compare candidates, tune the best, track in MLflow, save the model."""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from mltoolkit._serialize import to_jsonable
from mltoolkit.artifacts import read_artifact
from mltoolkit.data import load_split
from mltoolkit.framing import ProjectCard
from mltoolkit.drift import build_reference
from mltoolkit.models import load_model, save_model
from mltoolkit.stages.preparation import decided_schema
from mltoolkit.train import TrainingResult, encode_target, log_training, selection_metric, train_models

__all__ = ["train_stage"]


def _without_rare_classes(train: pd.DataFrame, card: ProjectCard, cv_folds: int) -> tuple[pd.DataFrame, list[str]]:
    if card.task_kind != "multiclass":
        return train, []
    labels = train[card.target].astype("string")
    counts = labels.value_counts()
    rare = counts[counts < cv_folds]
    if rare.empty or len(counts) - len(rare) < 2:
        return train, []  # nothing to leave out, or too little left: cross-validation says what to do
    which = ", ".join(f"{k!r} ({v} row{'s' if v != 1 else ''})" for k, v in rare.items())
    note = (f"left out of training: class{'es' if len(rare) > 1 else ''} {which}, fewer training rows than the "
            f"{cv_folds} cross-validation folds; the model never predicts {'them' if len(rare) > 1 else 'it'}. "
            "Collect more rows, or merge the class into another in the data.")
    return train[~labels.isin(rare.index)].reset_index(drop=True), [note]


def train_stage(card: ProjectCard, *, data_dir: str | Path = "data",
                preprocessor_path: str | Path = "models/preprocessor.skops", model_path: str | Path = "models/model.skops",
                candidates: Sequence[str] | None = None, cv_folds: int = 3, time_budget_s: float = 30.0,
                max_trials: int = 20, seed: int = 42, track: bool = True, experiment: str | None = None,
                artifacts_dir: str | Path = "artifacts", reference_path: str | Path | None = "models/reference.json",
                on_progress: Callable[[str], None] | None = None) -> tuple[TrainingResult, str | None]:
    """Train on ``<data_dir>/train.parquet`` with the saved preprocessor; save and track the model.

    Returns the :class:`~mltoolkit.train.TrainingResult` and the MLflow run id
    (None when ``track`` is False). Writes the model (skops, with a JSON sidecar
    naming its features, target encoding and scores), ``training.json``, and
    the training data's reference profile (``reference_path``, next to the
    model; the deployment package carries it) that monitoring can use instead
    of the raw training data.

    Classes with fewer training rows than ``cv_folds`` are left out of
    training, with a note in ``training.json`` (a model cannot learn a class
    from one or two rows, and cross-validation cannot be stratified on it).
    """
    train = load_split(data_dir, "train")
    card.check_target(train[card.target], source=f"{data_dir}/train.parquet")
    train, notes = _without_rare_classes(train, card, cv_folds)
    preprocessor = load_model(preprocessor_path)
    encoding = encode_target(train[card.target], card.task_kind, card.positive_class)
    X, y = train.drop(columns=[card.target]), encoding.transform(train[card.target])
    metric = selection_metric(card.success.metric, card.task_kind)
    result = train_models(X, y, preprocessor=preprocessor, kind=card.task_kind, metric=metric, candidates=candidates,
                          cv_folds=cv_folds, time_budget_s=time_budget_s, max_trials=max_trials, seed=seed,
                          on_progress=on_progress)
    art = Path(artifacts_dir)
    version = read_artifact(art, "data_fingerprint")
    fp = to_jsonable(version) if version is not None else {}
    run_id = None
    if track:
        run_id = log_training(result, experiment=experiment or card.project or "mltoolkit", X_example=X, fingerprint=fp,
                              extra_params={"target": card.target, "success_criterion": card.success.describe()})
    info = {"kind": "model", "task": card.task, "target": card.target, "encoding": encoding.to_dict(),
            "features": [str(c) for c in X.columns], "feature_dtypes": {str(c): str(t) for c, t in X.dtypes.items()},
            "model": result.best_name, "params": result.best_params, "selection_metric": metric,
            "cv_score": result.best_score, "baseline_cv_score": result.baseline_score,
            "data_fingerprint": fp.get("short"), "mlflow_run_id": run_id, "seed": seed}
    save_model(result.model, model_path, info)
    art.mkdir(parents=True, exist_ok=True)
    (art / "training.json").write_text(json.dumps({**result.to_dict(), "mlflow_run_id": run_id,
                                                    "model_path": str(model_path), "notes": notes}, indent=2),
                                       encoding="utf-8")
    for note in notes if on_progress else ():
        on_progress(note)
    if reference_path is not None:  # drift statistics of the training data, for monitoring without it
        kinds = {c.name: c.kind for c in decided_schema(X, art).columns}  # the schema data collection decided
        build_reference(train, source=f"{data_dir}/train.parquet", schema_overrides=kinds).save(reference_path,
                                                                                                overwrite=True)
    return result, run_id
