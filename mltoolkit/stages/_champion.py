"""Champion and challenger: what the challenger steps hand on, scoring both models, promotion, the decision's log.

Public names are re-exported by :mod:`mltoolkit.stages.retraining`.
"""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mltoolkit.artifacts import read_artifact
from mltoolkit.retrain.compare import ModelComparison
from mltoolkit.train import TrainingResult

if TYPE_CHECKING:
    from mltoolkit.stages.evaluation import EvaluationResult

__all__ = ["Challenger", "HeadToHead", "decision_threshold", "model_scores", "promote_files", "log_decision"]


@dataclasses.dataclass(frozen=True, eq=False)
class Challenger:
    """The model trained on old + new rows in its own folder, or why none was trained.

    Attributes
    ----------
    note : str or None
        None when it was trained; else why not.
    directory : str or None
        Its folder (data, preprocessor, model, artifacts).
    window : str
        ``full`` (old training rows plus new) or ``recent`` (new rows only).
    train_rows : int
    training : TrainingResult or None
    run_id : str or None
        Its MLflow training run.
    evaluation : EvaluationResult or None
        Its evaluation on the held-out new rows (threshold chosen on the old validation split).
    """

    note: str | None
    directory: str | None = None
    window: str = "full"
    train_rows: int = 0
    training: TrainingResult | None = None
    run_id: str | None = None
    evaluation: EvaluationResult | None = None

    def __repr__(self) -> str:
        if self.training is None:
            return f"Challenger(not trained: {self.note})"
        return f"Challenger({self.training.best_name} on {self.train_rows:,} rows, in {self.directory})"


@dataclasses.dataclass(frozen=True)
class HeadToHead:
    """Champion and challenger scored on the same held-out rows, or why they were not.

    Attributes
    ----------
    note : str or None
    comparison : ModelComparison or None
    champion_model, challenger_model : str or None
        Each model's kind (``random_forest``, ...).
    threshold_champion, threshold_challenger : float or None
        Each model's own decision threshold, when the metric depends on it (binary classifiers).
    """

    note: str | None
    comparison: ModelComparison | None = None
    champion_model: str | None = None
    challenger_model: str | None = None
    threshold_champion: float | None = None
    threshold_challenger: float | None = None


def decision_threshold(art: Path) -> float:
    """The decision threshold evaluation chose (``evaluation.json`` in ``art``), else 0.5."""
    verdict = read_artifact(art, "evaluation")
    return verdict.decision_threshold if verdict is not None and verdict.decision_threshold is not None else 0.5


def model_scores(model: Any, info: dict[str, Any], X: pd.DataFrame) -> np.ndarray:
    """Positive-class probability (binary), probabilities over the champion's labels (multiclass), or values."""
    kind = info["encoding"]["kind"]
    if kind == "binary":
        return model.predict_proba(X)[:, 1]
    if kind == "multiclass":
        labels = list(info["encoding"]["labels"])
        proba = model.predict_proba(X)
        out = np.zeros((len(X), len(labels)))
        for j, cls in enumerate(map(str, model.classes_)):  # a class the champion never saw cannot be scored
            if cls in labels:
                out[:, labels.index(cls)] = proba[:, j]
        return out
    return model.predict(X)


def promote_files(models: Path, challenger_dir: Path) -> None:
    """Put the challenger in ``models`` and keep the champion as ``previous_model`` (and its reference profile)."""
    for suffix in (".skops", ".json"):
        shutil.copyfile(models / f"model{suffix}", models / f"previous_model{suffix}")
        shutil.copyfile(challenger_dir / "models" / f"model{suffix}", models / f"model{suffix}")
    if (challenger_dir / "models" / "reference.json").exists():  # monitoring compares with what the new model learned from
        if (models / "reference.json").exists():
            shutil.copyfile(models / "reference.json", models / "previous_reference.json")
        shutil.copyfile(challenger_dir / "models" / "reference.json", models / "reference.json")


def log_decision(comparison: ModelComparison, *, promoted: bool, new_rows: int, experiment: str,
                 challenger_run: str | None, champion_run: str | None) -> str:
    """Record the champion/challenger decision as an MLflow run of its own; returns its id.

    Its tags say which runs were compared.
    """
    import mlflow

    from mltoolkit.train.tracking import use_experiment

    c = comparison
    use_experiment(experiment)
    with mlflow.start_run(run_name="retraining decision") as run:
        mlflow.set_tags({"decision": c.verdict, "promoted": str(promoted), "reason": c.reason[:5000],
                         "champion_run_id": str(champion_run), "challenger_run_id": str(challenger_run)})
        mlflow.log_params({"metric": c.metric, "n_rows": c.n_rows, "n_boot": c.n_boot, "new_rows": new_rows})
        mlflow.log_metrics({"champion": c.champion, "challenger": c.challenger, "gain": c.difference,
                            "gain_ci_low": c.ci_low, "gain_ci_high": c.ci_high})
    return run.info.run_id
