"""Stage 05, training: compare candidates, tune the best, track in MLflow, save the model.

The stage is four steps, each one cell of ``05_training.ipynb``:
:func:`training_setup` (the training rows and the candidate models),
:func:`compare_candidates` (the cross-validated leaderboard), :func:`tune_best`
(tuning the winner and refitting it) and :func:`finish_training` (MLflow, the
model file, ``training.json`` and the reference profile). :func:`train_stage`
runs them in one call.
"""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from mltoolkit._serialize import to_jsonable
from mltoolkit.artifacts import read_artifact
from mltoolkit.data import decided_schema, load_split
from mltoolkit.drift import build_reference
from mltoolkit.framing import ProjectCard
from mltoolkit.models import load_model, save_model
from mltoolkit.train import (
    CandidateComparison,
    TargetEncoding,
    TrainingResult,
    candidate_models,
    compare_models,
    encode_target,
    log_training,
    selection_metric,
    tune_and_refit,
)

__all__ = ["TrainingData", "compare_candidates", "finish_training", "train_stage", "training_setup", "tune_best"]


@dataclasses.dataclass(frozen=True, eq=False)
class TrainingData:
    """The training rows as the training steps use them.

    Attributes
    ----------
    train : pandas.DataFrame
        The training split (rare classes left out, see ``notes``), target included.
    X : pandas.DataFrame
        Its feature columns.
    y : numpy.ndarray
        The encoded target.
    encoding : TargetEncoding
    preprocessor : transformer
        The preprocessing saved by data preparation (cloned into every fold).
    task_kind, target, metric : str
        ``metric`` ranks the candidates (:func:`~mltoolkit.train.selection_metric` of the card's metric).
    cv_folds, seed : int
    data_dir : str
    notes : tuple of str
        What was left out of training, and why.
    """

    train: pd.DataFrame
    X: pd.DataFrame
    y: np.ndarray
    encoding: TargetEncoding
    preprocessor: Any
    task_kind: str
    target: str
    metric: str
    cv_folds: int
    seed: int
    data_dir: str
    notes: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return (f"TrainingData({len(self.X):,} rows × {self.X.shape[1]} features, target {self.target!r}, "
                f"ranked by {self.metric})")


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


def training_setup(card: ProjectCard, *, data_dir: str | Path = "data",
                   preprocessor_path: str | Path = "models/preprocessor.skops",
                   candidates: Sequence[str] | Mapping[str, BaseEstimator] | None = None, cv_folds: int = 3,
                   seed: int = 42) -> tuple[TrainingData, dict[str, BaseEstimator]]:
    """Load ``<data_dir>/train.parquet`` and the saved preprocessor; return them with the candidate models.

    Parameters
    ----------
    card : ProjectCard
    data_dir, preprocessor_path : path
        The splits of data collection and the preprocessing of data preparation.
    candidates : sequence of str or mapping of str to estimator, optional
        Names from :data:`~mltoolkit.train.CANDIDATES` (default all), or estimators by name (kept as given).
    cv_folds, seed : int

    Returns
    -------
    (TrainingData, dict)
        The data, and the candidate estimators by name: add your own with
        :func:`~mltoolkit.train.add_candidate` before :func:`compare_candidates`.

    Raises
    ------
    DataError, SchemaError
        No training split, or a target that does not fit the card.
    ConfigError
        An unknown candidate name.

    Notes
    -----
    Classes with fewer training rows than ``cv_folds`` are left out of
    training, with a note (a model cannot learn a class from one or two rows,
    and cross-validation cannot be stratified on it).
    """
    train = load_split(data_dir, "train")
    card.check_target(train[card.target], source=f"{data_dir}/train.parquet")
    train, notes = _without_rare_classes(train, card, cv_folds)
    encoding = encode_target(train[card.target], card.task_kind, card.positive_class)
    data = TrainingData(train=train, X=train.drop(columns=[card.target]), y=encoding.transform(train[card.target]),
                        encoding=encoding, preprocessor=load_model(preprocessor_path), task_kind=card.task_kind,
                        target=card.target, metric=selection_metric(card.success.metric, card.task_kind),
                        cv_folds=cv_folds, seed=seed, data_dir=str(data_dir), notes=tuple(notes))
    if isinstance(candidates, Mapping):
        models = dict(candidates)
    else:
        models = candidate_models(card.task_kind, seed=seed, names=tuple(candidates) if candidates else None)
    return data, models


def compare_candidates(data: TrainingData, candidates: Sequence[str] | Mapping[str, BaseEstimator] | None = None, *,
                       n_jobs: int | None = None,
                       on_progress: Callable[[str], None] | None = None) -> CandidateComparison:
    """Cross-validate every candidate with its default settings (the baseline is added when missing).

    See :func:`mltoolkit.train.compare_models`; folds and seed come from ``data``.
    """
    return compare_models(data.X, data.y, preprocessor=data.preprocessor, kind=data.task_kind, metric=data.metric,
                          candidates=candidates, cv_folds=data.cv_folds, seed=data.seed, n_jobs=n_jobs,
                          on_progress=on_progress)


def tune_best(data: TrainingData, comparison: CandidateComparison, *, time_budget_s: float = 30.0,
              max_trials: int = 20, space: Mapping[str, Any] | None = None, n_jobs: int | None = None,
              on_progress: Callable[[str], None] | None = None) -> TrainingResult:
    """Tune the leaderboard's winner within ``time_budget_s`` and refit it on all training rows.

    See :func:`mltoolkit.train.tune_and_refit` (``space`` tunes a candidate of your own).
    """
    return tune_and_refit(data.X, data.y, comparison, preprocessor=data.preprocessor, time_budget_s=time_budget_s,
                          max_trials=max_trials, space=space, n_jobs=n_jobs, on_progress=on_progress)


def finish_training(card: ProjectCard, data: TrainingData, result: TrainingResult, *,
                    model_path: str | Path = "models/model.skops", track: bool = True, experiment: str | None = None,
                    artifacts_dir: str | Path = "artifacts",
                    reference_path: str | Path | None = "models/reference.json",
                    on_progress: Callable[[str], None] | None = None) -> str | None:
    """Track the run in MLflow, save the model, ``training.json`` and the training data's reference profile.

    Returns the MLflow run id (None when ``track`` is False). The model is a
    skops file with a JSON sidecar naming its features, target encoding and
    scores; the reference profile (``reference_path``, next to the model; the
    deployment package carries it) lets monitoring run without the raw
    training data.
    """
    art = Path(artifacts_dir)
    version = read_artifact(art, "data_fingerprint")
    fp = to_jsonable(version) if version is not None else {}
    X = data.X
    run_id = None
    if track:
        run_id = log_training(result, experiment=experiment or card.project or "mltoolkit", X_example=X, fingerprint=fp,
                              extra_params={"target": card.target, "success_criterion": card.success.describe()})
    info = {"kind": "model", "task": card.task, "target": card.target, "encoding": data.encoding.to_dict(),
            "features": [str(c) for c in X.columns], "feature_dtypes": {str(c): str(t) for c, t in X.dtypes.items()},
            "model": result.best_name, "params": result.best_params, "selection_metric": result.metric,
            "cv_score": result.best_score, "baseline_cv_score": result.baseline_score,
            "data_fingerprint": fp.get("short"), "mlflow_run_id": run_id, "seed": result.seed}
    save_model(result.model, model_path, info)
    art.mkdir(parents=True, exist_ok=True)
    (art / "training.json").write_text(json.dumps({**result.to_dict(), "mlflow_run_id": run_id,
                                                    "model_path": str(model_path), "notes": list(data.notes)},
                                                   indent=2), encoding="utf-8")
    for note in data.notes if on_progress else ():
        on_progress(note)
    if reference_path is not None:  # drift statistics of the training data, for monitoring without it
        kinds = {c.name: c.kind for c in decided_schema(X, art).columns}  # the schema data collection decided
        build_reference(data.train, source=f"{data.data_dir}/train.parquet",
                        schema_overrides=kinds).save(reference_path, overwrite=True)
    return run_id


def train_stage(card: ProjectCard, *, data_dir: str | Path = "data",
                preprocessor_path: str | Path = "models/preprocessor.skops", model_path: str | Path = "models/model.skops",
                candidates: Sequence[str] | Mapping[str, BaseEstimator] | None = None, cv_folds: int = 3,
                time_budget_s: float = 30.0, max_trials: int = 20, seed: int = 42, track: bool = True,
                experiment: str | None = None, artifacts_dir: str | Path = "artifacts",
                reference_path: str | Path | None = "models/reference.json",
                on_progress: Callable[[str], None] | None = None) -> tuple[TrainingResult, str | None]:
    """Train on ``<data_dir>/train.parquet`` with the saved preprocessor; save and track the model.

    The four steps in one call: :func:`training_setup`, :func:`compare_candidates`,
    :func:`tune_best` and :func:`finish_training` (see them for what is read,
    written and refused).

    Returns
    -------
    (TrainingResult, str or None)
        The result and the MLflow run id (None when ``track`` is False).
    """
    data, models = training_setup(card, data_dir=data_dir, preprocessor_path=preprocessor_path, candidates=candidates,
                                  cv_folds=cv_folds, seed=seed)
    comparison = compare_candidates(data, models, on_progress=on_progress)
    result = tune_best(data, comparison, time_budget_s=time_budget_s, max_trials=max_trials, on_progress=on_progress)
    run_id = finish_training(card, data, result, model_path=model_path, track=track, experiment=experiment,
                             artifacts_dir=artifacts_dir, reference_path=reference_path, on_progress=on_progress)
    return result, run_id
