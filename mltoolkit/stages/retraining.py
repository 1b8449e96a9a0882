"""Stage 09, retraining: a challenger trained with newly labeled data, compared with the champion.

The challenger is built in its own folder (``challenger/``) by the same
preparation, training and evaluation functions as the champion, so a failure
leaves the champion untouched. Both are compared on held-out rows of the new
data. Nothing is promoted unless asked (``auto_promote``); promotion keeps the
previous champion next to the new one for a one-step rollback and, when a
registry name is given, moves the MLflow ``production`` alias and records why.

The stage is four steps, each one cell of ``09_retraining.ipynb``:
:func:`check_new_labels` (the new labelled rows, or why retraining waits),
:func:`train_challenger`, :func:`compare_with_champion` (both models on the same
held-out rows) and :func:`decide_retraining` (promote, keep or inconclusive, and
where it is recorded). :func:`retrain_stage` runs them in one call.
"""
from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from mltoolkit._serialize import to_jsonable
from mltoolkit.artifacts import read_artifact
from mltoolkit.data import load_split
from mltoolkit.data.split import Split, SplitSummary, save_splits
from mltoolkit.errors import DataError
from mltoolkit.evaluate.registry import METRICS
from mltoolkit.framing import ProjectCard
from mltoolkit.models import load_model, read_model_info
from mltoolkit.prep import feature_steps_of
from mltoolkit.retrain.compare import ModelComparison, compare_champion_challenger
from mltoolkit.stages._champion import (
    Challenger,
    HeadToHead,
    decision_threshold,
    log_decision,
    model_scores,
    promote_files,
)
from mltoolkit.stages._retraining_labels import WINDOWS, NewLabels, check_new_labels
from mltoolkit.stages.evaluation import default_slice_columns, evaluate_stage
from mltoolkit.stages.preparation import prepare_data
from mltoolkit.stages.training import train_stage
from mltoolkit.train import TargetEncoding

__all__ = [
    "WINDOWS",
    "Challenger",
    "HeadToHead",
    "NewLabels",
    "RetrainingDecision",
    "RetrainingResult",
    "check_new_labels",
    "compare_with_champion",
    "decide_retraining",
    "retrain_stage",
    "train_challenger",
]

@dataclasses.dataclass(frozen=True)
class RetrainingResult:
    ran: bool
    summary: str
    comparison: ModelComparison | None = None
    promoted: bool = False
    challenger_dir: str | None = None
    new_rows: int = 0

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


@dataclasses.dataclass(frozen=True)
class RetrainingDecision:
    """The decision and where it is recorded.

    Attributes
    ----------
    result : RetrainingResult
        What ``retraining.json`` holds (its ``summary`` is the sentence the executive report shows).
    record : str
        The path of ``retraining.json``.
    mlflow_run_id, experiment : str or None
        The MLflow run recording the decision, and its experiment (None when not tracked or skipped).
    models_dir : str
        Where the production model is (replaced on promotion, the old one kept as ``previous_model``).
    registry_name : str or None
        The registered model whose ``production`` alias moved on promotion.
    """

    result: RetrainingResult
    record: str
    mlflow_run_id: str | None = None
    experiment: str | None = None
    models_dir: str = "models"
    registry_name: str | None = None


def _write(art: Path, result: RetrainingResult) -> Path:
    art.mkdir(parents=True, exist_ok=True)
    path = art / "retraining.json"
    path.write_text(json.dumps(result.to_dict(), indent=2), encoding="utf-8")
    return path


def _champion_preparation(art: Path) -> dict[str, Any]:
    """How the champion's data were prepared, as :func:`prepare_data` arguments: the same options, the column
    kinds it ended with (overrides included), the leaky columns it was allowed and its added feature steps."""
    prepared = read_artifact(art, "preprocessing")
    if prepared is None:
        return {}
    steps: tuple = ()
    if prepared.feature_steps:
        path = Path(prepared.preprocessor_path)
        if not path.exists():
            raise DataError(f"{path} (the champion's preprocessor, named in {art / 'preprocessing.json'}) does not "
                            "exist; its feature steps are needed to prepare the challenger's data the same way. "
                            "Run retraining in the folder the stages ran in", path=str(path))
        steps = feature_steps_of(load_model(path), prepared.feature_steps)
    return {"options": prepared.summary.options.to_dict(),
            "schema_overrides": {c.name: c.kind for c in prepared.schema.columns},
            "allow_leaky": [score.column for score in prepared.leakage if score.leaky],
            "feature_steps": steps}


def train_challenger(card: ProjectCard, labels: NewLabels, *, data_dir: str | Path = "data",
                     artifacts_dir: str | Path = "artifacts", challenger_dir: str | Path = "challenger",
                     candidates: list[str] | None = None, time_budget_s: float = 30.0,
                     track: bool = True) -> Challenger:
    """Train and evaluate a challenger in ``challenger_dir`` with the champion's stages and preprocessing options.

    It learns from the old training rows plus the new ones (``window="full"``)
    or the new ones only (``recent``), picks its threshold on the old
    validation split and is evaluated on the held-out new rows. The folder is
    emptied first; the champion's files are only read. Nothing is trained when
    ``labels`` says retraining waits.
    """
    if not labels.ready:
        return Challenger(labels.note)
    art, ch, seed = Path(artifacts_dir), Path(challenger_dir), labels.seed
    shutil.rmtree(ch, ignore_errors=True)
    combined = pd.concat([labels.train, labels.new_train], ignore_index=True) if labels.window == "full" \
        else labels.new_train
    holdout = labels.holdout
    split = Split(train=combined, validation=load_split(data_dir, "validation"), test=holdout,
                  summary=SplitSummary(strategy=f"retraining ({labels.window})", seed=seed,
                                       rows={"train": len(combined), "validation": 0, "test": len(holdout)},
                                       target_mean={}, time_range=None))
    save_splits(split, ch / "data")
    for name in ("data_fingerprint.json", "split.json", "schema.json"):
        if (art / name).exists():
            (ch / "artifacts").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(art / name, ch / "artifacts" / name)
    prepare_data(card, data_dir=ch / "data", preprocessor_path=ch / "models" / "preprocessor.skops",
                 artifacts_dir=ch / "artifacts", **_champion_preparation(art))
    training, run_id = train_stage(
        card, data_dir=ch / "data", preprocessor_path=ch / "models" / "preprocessor.skops",
        model_path=ch / "models" / "model.skops", candidates=candidates, time_budget_s=time_budget_s, seed=seed,
        track=track, artifacts_dir=ch / "artifacts", reference_path=ch / "models" / "reference.json")
    evaluation = evaluate_stage(card, data_dir=ch / "data", model_path=ch / "models" / "model.skops",
                                artifacts_dir=ch / "artifacts", importance_repeats=0)
    return Challenger(None, str(ch), labels.window, len(combined), training, run_id, evaluation)


def compare_with_champion(card: ProjectCard, labels: NewLabels, challenger: Challenger, *,
                          models_dir: str | Path = "models", artifacts_dir: str | Path = "artifacts",
                          n_boot: int = 300) -> HeadToHead:
    """Score champion and challenger on the same held-out new rows; a paired bootstrap interval on the gain.

    Each classifier keeps its own decision threshold. See
    :func:`mltoolkit.retrain.compare_champion_challenger` for the verdict.
    """
    if challenger.note is not None:
        return HeadToHead(challenger.note)
    models, ch = Path(models_dir), Path(challenger.directory)
    champion_info = read_model_info(models / "model.skops")
    champion, model = load_model(models / "model.skops"), load_model(ch / "models" / "model.skops")
    holdout = labels.holdout
    enc = champion_info["encoding"]
    y = TargetEncoding(enc["kind"], enc.get("positive_label"), tuple(enc.get("labels") or ())).transform(
        holdout[card.target])
    X = holdout[champion_info["features"]]
    thr_a, thr_b = decision_threshold(Path(artifacts_dir)), decision_threshold(ch / "artifacts")
    comparison = compare_champion_challenger(
        y, model_scores(champion, champion_info, X), model_scores(model, champion_info, X),
        metric=card.success.metric, kind=card.task_kind, threshold_champion=thr_a, threshold_challenger=thr_b,
        n_boot=n_boot, seed=labels.seed, frame=holdout,
        slice_columns=default_slice_columns(X, exclude=[card.target], max_columns=2),
        constraint=(card.success.constraint_metric, card.success.constraint_threshold)
        if card.success.constraint_metric else None, labels=enc.get("labels") if enc["kind"] == "multiclass" else None)
    thresholds = card.task_kind == "binary" and METRICS[card.success.metric].threshold_dependent
    return HeadToHead(None, comparison, champion_info.get("model"), challenger.training.best_name,
                      thr_a if thresholds else None, thr_b if thresholds else None)


def decide_retraining(card: ProjectCard, labels: NewLabels, challenger: Challenger, head_to_head: HeadToHead, *,
                      models_dir: str | Path = "models", artifacts_dir: str | Path = "artifacts",
                      auto_promote: bool = False, registry_name: str | None = None,
                      track: bool = True) -> RetrainingDecision:
    """Promote, keep or call it inconclusive; write ``retraining.json`` and log the decision in MLflow.

    The challenger replaces the champion only when the comparison says
    ``promote`` and ``auto_promote`` is on; the champion is then kept as
    ``previous_model`` and, with ``registry_name``, the registry's
    ``production`` alias moves with the reason. When retraining waited, the
    record says why.
    """
    art, models = Path(artifacts_dir), Path(models_dir)
    comparison = head_to_head.comparison
    if comparison is None:
        result = RetrainingResult(False, head_to_head.note or labels.note or "No retraining.")
        return RetrainingDecision(result, str(_write(art, result)), models_dir=str(models))
    ch = Path(challenger.directory)
    champion_run = read_model_info(models / "model.skops").get("mlflow_run_id")
    promoted = False
    if comparison.verdict == "promote" and auto_promote:
        promote_files(models, ch)
        run_id = read_model_info(models / "model.skops").get("mlflow_run_id")
        if registry_name and run_id:
            from mltoolkit.deploy.registry import promote, register_model

            version = register_model(run_id, registry_name, alias=None)
            promote(registry_name, version, "production", reason=comparison.reason)
        promoted = True
    if promoted:
        summary = f"A retrained model replaced the production model: {comparison.reason}."
    elif comparison.verdict == "promote":
        summary = (f"A retrained model is ready to replace the production model ({comparison.reason}); "
                   "promotion awaits approval.")
    else:
        summary = (f"A model was retrained on {len(labels.new):,} new rows; the production model stays: "
                   f"{comparison.reason}.")
    result = RetrainingResult(True, summary, comparison, promoted, str(ch), len(labels.new))
    decision_run = experiment = None
    if track:
        experiment = card.project or "mltoolkit"
        decision_run = log_decision(comparison, promoted=promoted, new_rows=result.new_rows, experiment=experiment,
                                    challenger_run=read_model_info(ch / "models" / "model.skops").get("mlflow_run_id"),
                                    champion_run=champion_run)
    return RetrainingDecision(result, str(_write(art, result)), decision_run, experiment, str(models),
                              registry_name if promoted else None)


def retrain_stage(card: ProjectCard, *, new_data: str | None = None, new_table: str | None = None, data_dir: str | Path = "data",
                  models_dir: str | Path = "models", artifacts_dir: str | Path = "artifacts",
                  challenger_dir: str | Path = "challenger", window: str = "full", holdout_share: float = 0.3,
                  only_if_recommended: bool = True, auto_promote: bool = False, registry_name: str | None = None,
                  candidates: list[str] | None = None, time_budget_s: float = 30.0, track: bool = True,
                  n_boot: int = 300, seed: int = 42) -> RetrainingResult:
    """Train a challenger on old + new labeled data, compare it with the champion, optionally promote it.

    The four steps in one call: :func:`check_new_labels`, :func:`train_challenger`,
    :func:`compare_with_champion` and :func:`decide_retraining` (see them for what
    is read, written and refused).

    ``new_data`` None takes the project's current data (``data.current`` of
    ``mltoolkit.yml``); when there is none, or it carries no labels yet, the
    stage skips with a note saying so. New data given explicitly must be labeled.

    Writes ``<artifacts_dir>/retraining.json`` (its ``summary`` is the sentence the
    executive report shows).
    """
    labels = check_new_labels(card, new_data=new_data, new_table=new_table, data_dir=data_dir, models_dir=models_dir,
                              artifacts_dir=artifacts_dir, window=window, holdout_share=holdout_share,
                              only_if_recommended=only_if_recommended, seed=seed)
    challenger = train_challenger(card, labels, data_dir=data_dir, artifacts_dir=artifacts_dir,
                                  challenger_dir=challenger_dir, candidates=candidates, time_budget_s=time_budget_s,
                                  track=track)
    head_to_head = compare_with_champion(card, labels, challenger, models_dir=models_dir, artifacts_dir=artifacts_dir,
                                         n_boot=n_boot)
    return decide_retraining(card, labels, challenger, head_to_head, models_dir=models_dir,
                             artifacts_dir=artifacts_dir, auto_promote=auto_promote, registry_name=registry_name,
                             track=track).result
