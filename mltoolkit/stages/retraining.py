"""Stage 09, retraining: a challenger trained with newly labeled data, compared with the champion.

The challenger is built in its own folder (``challenger/``) by the same
preparation, training and evaluation functions as the champion, so a failure
leaves the champion untouched. Both are compared on held-out rows of the new
data. Nothing is promoted unless asked (``auto_promote``); promotion keeps the
previous champion next to the new one for a one-step rollback and, when a
registry name is given, moves the MLflow ``production`` alias and records why.
"""
from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mltoolkit._serialize import to_jsonable
from mltoolkit.artifacts import read_artifact
from mltoolkit.data import load, load_split
from mltoolkit.data.split import Split, SplitSummary, save_splits
from mltoolkit.errors import DataError, ModelPackageError, SchemaError
from mltoolkit.framing import ProjectCard
from mltoolkit.models import load_model, read_model_info
from mltoolkit.retrain.compare import MIN_HELDOUT_ROWS, ModelComparison, compare_champion_challenger
from mltoolkit.stages.evaluation import default_slice_columns, evaluate_stage
from mltoolkit.stages.preparation import prepare_data
from mltoolkit.stages.training import train_stage
from mltoolkit.train import TargetEncoding

__all__ = ["RetrainingResult", "retrain_stage", "WINDOWS"]

WINDOWS = ("full", "recent")


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


def _check_new_data(new: pd.DataFrame, train: pd.DataFrame, target: str, source: str) -> None:
    if target not in new.columns or new[target].isna().all():
        raise DataError(f"new data {source} has no labels (target '{target}' is missing or empty); retraining needs "
                        "labeled rows — wait for the outcomes, or join them in first", column=target, path=source)
    missing = sorted(set(train.columns) - set(new.columns))
    extra = sorted(set(new.columns) - set(train.columns))
    if missing or extra:
        raise SchemaError(f"new data {source} has other columns than the training data: missing {missing}, "
                          f"unexpected {extra}; align the columns (or retrain from scratch)", path=source,
                          column=(missing or extra)[0])


def _decision_threshold(art: Path) -> float:
    verdict = read_artifact(art, "evaluation")
    return verdict.decision_threshold if verdict is not None and verdict.decision_threshold is not None else 0.5


def _skipped(art: Path, summary: str) -> RetrainingResult:
    result = RetrainingResult(False, summary)
    art.mkdir(parents=True, exist_ok=True)
    (art / "retraining.json").write_text(json.dumps(result.to_dict(), indent=2), encoding="utf-8")
    return result


def _scores(model: Any, info: dict[str, Any], X: pd.DataFrame) -> np.ndarray:
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


def _log_decision(result: RetrainingResult, *, experiment: str, challenger_run: str | None,
                  champion_run: str | None) -> None:
    """Record the champion/challenger decision as an MLflow run of its own (tags say which runs were compared)."""
    import mlflow

    from mltoolkit.train.tracking import use_experiment

    c = result.comparison
    use_experiment(experiment)
    with mlflow.start_run(run_name="retraining decision"):
        mlflow.set_tags({"decision": c.verdict, "promoted": str(result.promoted), "reason": c.reason[:5000],
                         "champion_run_id": str(champion_run), "challenger_run_id": str(challenger_run)})
        mlflow.log_params({"metric": c.metric, "n_rows": c.n_rows, "n_boot": c.n_boot, "new_rows": result.new_rows})
        mlflow.log_metrics({"champion": c.champion, "challenger": c.challenger, "gain": c.difference,
                            "gain_ci_low": c.ci_low, "gain_ci_high": c.ci_high})


def retrain_stage(card: ProjectCard, *, new_data: str | None = None, new_table: str | None = None, data_dir: str | Path = "data",
                  models_dir: str | Path = "models", artifacts_dir: str | Path = "artifacts",
                  challenger_dir: str | Path = "challenger", window: str = "full", holdout_share: float = 0.3,
                  only_if_recommended: bool = True, auto_promote: bool = False, registry_name: str | None = None,
                  candidates: list[str] | None = None, time_budget_s: float = 30.0, track: bool = True,
                  n_boot: int = 300, seed: int = 42) -> RetrainingResult:
    """Train a challenger on old + new labeled data, compare it with the champion, optionally promote it.

    ``new_data`` None takes the project's current data (``data.current`` of
    ``mltoolkit.yml``); when there is none, or it carries no labels yet, the
    stage skips with a note saying so. New data given explicitly must be labeled.

    Writes ``<artifacts_dir>/retraining.json`` (its ``summary`` is the sentence the
    executive report shows).
    """
    art, models = Path(artifacts_dir), Path(models_dir)
    if window not in WINDOWS:
        from mltoolkit.errors import ConfigError

        raise ConfigError(f"window must be one of {', '.join(WINDOWS)}, got {window!r}", parameter="window")
    from_project = new_data is None
    if from_project and card.data is not None:
        new_data, new_table = card.data.current, new_table or card.data.current_table
    if new_data is None:
        return _skipped(art, "No retraining: the project has no current (production) data with labels. Add it with "
                             "data.current in mltoolkit.yml (or the retraining stage's new_data).")
    alerts = read_artifact(art, "alerts")
    if only_if_recommended and alerts is not None and alerts.retrain is False:
        return _skipped(art, "Monitoring found no reason to retrain; the production model stays.")
    if not (models / "model.skops").exists():
        raise ModelPackageError(f"no champion model at {models / 'model.skops'}: there is nothing to compare a "
                                "challenger with yet; train the first model with 05_training (it becomes the champion)",
                                path=str(models / "model.skops"))
    train = load_split(data_dir, "train")
    new = load(new_data, table=new_table)
    if from_project and (card.target not in new.columns or new[card.target].isna().all()):
        return _skipped(art, f"No retraining: the current data has no labels yet (target '{card.target}' is "
                             "missing or empty); it runs once the outcomes are in.")
    _check_new_data(new, train, card.target, str(new_data))
    new = new[new[card.target].notna()].reset_index(drop=True)
    card.check_target(new[card.target], source=str(new_data))
    rng = np.random.default_rng(seed)
    holdout_mask = rng.random(len(new)) < holdout_share
    holdout, new_train = new[holdout_mask].reset_index(drop=True), new[~holdout_mask].reset_index(drop=True)
    if len(holdout) < MIN_HELDOUT_ROWS:
        return _skipped(art, f"No retraining yet: {len(new):,} newly labelled rows leave {len(holdout)} to compare "
                             f"the models on (at least {MIN_HELDOUT_ROWS} are needed); the production model stays "
                             f"until about {int(np.ceil(MIN_HELDOUT_ROWS / holdout_share)):,} labelled rows are in.")

    # The challenger: same stages, its own folder. The old validation split picks its threshold.
    ch = Path(challenger_dir)
    shutil.rmtree(ch, ignore_errors=True)
    combined = pd.concat([train, new_train], ignore_index=True) if window == "full" else new_train
    split = Split(train=combined, validation=load_split(data_dir, "validation"), test=holdout,
                  summary=SplitSummary(strategy=f"retraining ({window})", seed=seed,
                                       rows={"train": len(combined), "validation": 0, "test": len(holdout)},
                                       target_mean={}, time_range=None))
    save_splits(split, ch / "data")
    for name in ("data_fingerprint.json", "split.json", "schema.json"):
        if (art / name).exists():
            (ch / "artifacts").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(art / name, ch / "artifacts" / name)
    champion_info = read_model_info(models / "model.skops")
    prepared = read_artifact(art, "preprocessing")
    prep = prepared.summary.options.to_dict() if prepared is not None else {}
    prepare_data(card, data_dir=ch / "data", options=prep, preprocessor_path=ch / "models" / "preprocessor.skops",
                 artifacts_dir=ch / "artifacts")
    train_stage(card, data_dir=ch / "data", preprocessor_path=ch / "models" / "preprocessor.skops",
                model_path=ch / "models" / "model.skops", candidates=candidates, time_budget_s=time_budget_s,
                seed=seed, track=track, artifacts_dir=ch / "artifacts", reference_path=ch / "models" / "reference.json")
    evaluate_stage(card, data_dir=ch / "data", model_path=ch / "models" / "model.skops",
                   artifacts_dir=ch / "artifacts", importance_repeats=0)

    champion, challenger = load_model(models / "model.skops"), load_model(ch / "models" / "model.skops")
    enc = champion_info["encoding"]
    y = TargetEncoding(enc["kind"], enc.get("positive_label"), tuple(enc.get("labels") or ())).transform(
        holdout[card.target])
    X = holdout[champion_info["features"]]
    thr_a = _decision_threshold(art)
    thr_b = _decision_threshold(ch / "artifacts")
    comparison = compare_champion_challenger(
        y, _scores(champion, champion_info, X), _scores(challenger, champion_info, X), metric=card.success.metric,
        kind=card.task_kind, threshold_champion=thr_a, threshold_challenger=thr_b, n_boot=n_boot, seed=seed,
        frame=holdout, slice_columns=default_slice_columns(X, exclude=[card.target], max_columns=2),
        constraint=(card.success.constraint_metric, card.success.constraint_threshold)
        if card.success.constraint_metric else None, labels=enc.get("labels") if enc["kind"] == "multiclass" else None)
    promoted = False
    if comparison.verdict == "promote" and auto_promote:
        for suffix in (".skops", ".json"):
            shutil.copyfile(models / f"model{suffix}", models / f"previous_model{suffix}")
            shutil.copyfile(ch / "models" / f"model{suffix}", models / f"model{suffix}")
        if (ch / "models" / "reference.json").exists():  # monitoring compares with what the new model learned from
            if (models / "reference.json").exists():
                shutil.copyfile(models / "reference.json", models / "previous_reference.json")
            shutil.copyfile(ch / "models" / "reference.json", models / "reference.json")
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
        summary = f"A model was retrained on {len(new):,} new rows; the production model stays: {comparison.reason}."
    result = RetrainingResult(True, summary, comparison, promoted, str(ch), len(new))
    if track:
        _log_decision(result, experiment=card.project or "mltoolkit",
                      challenger_run=read_model_info(ch / "models" / "model.skops").get("mlflow_run_id"),
                      champion_run=champion_info.get("mlflow_run_id"))
    art.mkdir(parents=True, exist_ok=True)
    (art / "retraining.json").write_text(json.dumps(result.to_dict(), indent=2), encoding="utf-8")
    return result
