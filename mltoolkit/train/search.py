"""Model selection: cross-validated comparison of candidates, then a time-budgeted search.

Both wrap scikit-learn (``cross_validate``, ``ParameterSampler``); the
preprocessing pipeline is cloned into every fold, so nothing is learned from
held-out rows. Seeds are fixed: the same data and settings give the same models.
"""
from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, ParameterSampler, StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline

from mltoolkit._serialize import to_jsonable
from mltoolkit.errors import ConfigError, DataError
from mltoolkit.evaluate.registry import METRICS, check_metric_for_task
from mltoolkit.train.candidates import BASELINE, candidate_models, search_space

__all__ = ["CandidateScore", "TrialScore", "TrainingResult", "selection_metric", "train_models"]


@dataclasses.dataclass(frozen=True)
class CandidateScore:
    """Cross-validated score of one candidate (in the metric's own units and direction)."""

    name: str
    mean: float
    std: float
    fit_seconds: float
    params: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class TrialScore:
    trial: int
    mean: float
    std: float
    params: dict[str, Any]


@dataclasses.dataclass
class TrainingResult:
    """What training produced.

    Attributes
    ----------
    task_kind, metric : str
        ``metric`` ranks the candidates (see :func:`selection_metric`).
    candidates : list of CandidateScore
        Every candidate with default settings, baseline included.
    best_name : str
        The winning candidate family.
    trials : list of TrialScore
        The tuning trials of the winner (trial 0 = its default settings).
    best_params : dict
        Settings of the final model.
    model : sklearn.pipeline.Pipeline
        Preprocessing + estimator, refitted on all training rows.
    cv_folds, cv_rows : int
        Folds and rows used in cross-validation.
    seconds : dict
        Wall time of comparison, tuning and the final fit.
    """

    task_kind: str
    metric: str
    candidates: list[CandidateScore]
    best_name: str
    trials: list[TrialScore]
    best_params: dict[str, Any]
    model: Pipeline
    baseline_score: float | None
    cv_folds: int
    cv_rows: int
    seed: int
    seconds: dict[str, float]

    @property
    def best_score(self) -> float:
        """Cross-validated score of the final settings (the best trial; trial 0 is the defaults)."""
        return max(self.trials, key=lambda t: _signed(self.metric, t.mean)).mean

    def to_dict(self) -> dict[str, Any]:
        data = to_jsonable({k: v for k, v in dataclasses.asdict(self).items() if k != "model"})
        data["best_score"] = self.best_score
        return data

    def leaderboard(self) -> pd.DataFrame:
        """Candidates sorted best first."""
        rows = [dataclasses.asdict(c) for c in self.candidates]
        frame = pd.DataFrame(rows).drop(columns="params")
        return frame.sort_values("mean", ascending=not METRICS[self.metric].higher_is_better).reset_index(drop=True)


def _signed(metric: str, value: float) -> float:
    return value if METRICS[metric].higher_is_better else -value


def selection_metric(success_metric: str, kind: str) -> str:
    """The metric that ranks candidates in cross-validation.

    Threshold-free metrics rank models by how well they order rows, whatever
    threshold is chosen later; so a threshold-dependent success metric
    (recall, f1, ...) is replaced by PR AUC for binary tasks and by log loss for
    multiclass ones. Other metrics are used as they are.
    """
    spec = check_metric_for_task(success_metric, kind)
    if spec.threshold_dependent:
        return "pr_auc" if kind == "binary" else "log_loss"
    return success_metric


def _folds(y: np.ndarray, kind: str, cv: int, seed: int) -> KFold | StratifiedKFold:
    if cv < 2:
        raise ConfigError(f"cv_folds must be at least 2, got {cv}", parameter="cv_folds")
    if len(y) < cv:
        raise DataError(f"only {len(y)} training rows for {cv} cross-validation folds; lower cv_folds or "
                        "collect more data", parameter="cv_folds")
    if kind == "regression":
        return KFold(cv, shuffle=True, random_state=seed)
    counts = pd.Series(y).value_counts()
    if counts.min() < cv:
        raise DataError(f"class {counts.idxmin()!r} of the target has {counts.min()} training rows, fewer than "
                        f"the {cv} cross-validation folds; lower cv_folds or collect more rows of that class",
                        parameter="cv_folds")
    return StratifiedKFold(cv, shuffle=True, random_state=seed)


def _cv_score(pipe: Pipeline, X: pd.DataFrame, y: np.ndarray, folds: Any, metric: str,
              n_jobs: int | None) -> tuple[float, float, float]:
    spec = METRICS[metric]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = cross_validate(pipe, X, y, cv=folds, scoring=spec.scorer, n_jobs=n_jobs, error_score="raise")
    scores = res["test_score"]
    if spec.scorer.startswith("neg_"):
        scores = -scores
    return float(np.mean(scores)), float(np.std(scores)), float(np.mean(res["fit_time"]))


def train_models(X: pd.DataFrame, y: np.ndarray, *, preprocessor: Any, kind: str, metric: str,
                 candidates: Sequence[str] | None = None, cv_folds: int = 3, time_budget_s: float = 60.0,
                 max_trials: int = 30, max_cv_rows: int = 50_000, seed: int = 42, n_jobs: int | None = None,
                 on_progress: Callable[[str], None] | None = None) -> TrainingResult:
    """Compare candidates by cross-validation, tune the best within a time budget, refit it.

    Parameters
    ----------
    X : pandas.DataFrame
        Training features (raw columns; ``preprocessor`` turns them into numbers).
    y : numpy.ndarray
        Encoded target (see :func:`mltoolkit.train.encode_target`).
    preprocessor : transformer
        Unfitted (or fitted: it is cloned) preprocessing step.
    kind : {"binary", "multiclass", "regression"}
    metric : str
        Ranking metric (see :func:`selection_metric`).
    candidates : sequence of str, optional
        Names from :data:`~mltoolkit.train.CANDIDATES`; default all.
    cv_folds : int
    time_budget_s : float
        Seconds the tuner may spend after the comparison; 0 skips tuning.
    max_trials : int
        Upper bound on tuning trials.
    max_cv_rows : int
        Cross-validation uses a seeded sample of at most this many rows (the final model sees all).
    seed : int
    n_jobs : int, optional
        Parallel folds (``None``: one process).
    on_progress : callable, optional
        Receives one line per finished candidate or trial.

    Returns
    -------
    TrainingResult
    """
    check_metric_for_task(metric, kind)
    say = on_progress or (lambda _line: None)
    y = np.asarray(y)
    if len(X) != len(y):
        raise DataError(f"{len(X)} feature rows but {len(y)} target values", parameter="y")
    if len(X) > max_cv_rows:
        idx = np.random.default_rng(seed).choice(len(X), size=max_cv_rows, replace=False)
        X_cv, y_cv = X.iloc[idx], y[idx]
    else:
        X_cv, y_cv = X, y
    folds = _folds(y_cv, kind, cv_folds, seed)
    models = candidate_models(kind, seed=seed, names=tuple(candidates) if candidates else None)
    if BASELINE not in models:
        models = {BASELINE: candidate_models(kind, seed=seed, names=[BASELINE])[BASELINE], **models}
    t0 = time.perf_counter()
    scores: list[CandidateScore] = []
    for name, est in models.items():
        pipe = Pipeline([("prep", clone(preprocessor)), ("model", est)])
        mean, std, fit_s = _cv_score(pipe, X_cv, y_cv, folds, metric, n_jobs)
        scores.append(CandidateScore(name, mean, std, fit_s, {}))
        say(f"{name}: {metric} {mean:.4f} ± {std:.4f}")
    compare_s = time.perf_counter() - t0
    contenders = [s for s in scores if s.name != BASELINE] or scores
    best = max(contenders, key=lambda s: _signed(metric, s.mean))
    baseline_score = next(s.mean for s in scores if s.name == BASELINE)

    t1 = time.perf_counter()
    trials: list[TrialScore] = [TrialScore(0, best.mean, best.std, {})]
    best_params: dict[str, Any] = {}
    space = search_space(best.name, kind)
    if space and time_budget_s > 0:
        base_pipe = Pipeline([("prep", clone(preprocessor)), ("model", models[best.name])])
        sampler = ParameterSampler(space, n_iter=max_trials, random_state=seed)
        # Stop before a trial that would likely overrun the budget (one trial takes about one candidate's CV).
        per_trial = max(best.fit_seconds * cv_folds, 1e-3)
        for i, params in enumerate(sampler, start=1):
            if time.perf_counter() - t1 + per_trial > time_budget_s:
                break
            t_trial = time.perf_counter()
            pipe = clone(base_pipe).set_params(**params)
            mean, std, _ = _cv_score(pipe, X_cv, y_cv, folds, metric, n_jobs)
            per_trial = max(per_trial, time.perf_counter() - t_trial)
            clean = {k.removeprefix("model__"): (v.item() if hasattr(v, "item") else v) for k, v in params.items()}
            trials.append(TrialScore(i, mean, std, clean))
            say(f"trial {i}: {metric} {mean:.4f} {clean}")
        winner = max(trials, key=lambda t: _signed(metric, t.mean))
        best_params = winner.params
    tune_s = time.perf_counter() - t1

    t2 = time.perf_counter()
    final = Pipeline([("prep", clone(preprocessor)), ("model", clone(models[best.name]))])
    if best_params:
        final.set_params(**{f"model__{k}": v for k, v in best_params.items()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        final.fit(X, y)
    fit_s = time.perf_counter() - t2
    return TrainingResult(task_kind=kind, metric=metric, candidates=scores, best_name=best.name, trials=trials,
                          best_params=best_params, model=final, baseline_score=baseline_score, cv_folds=cv_folds,
                          cv_rows=len(X_cv), seed=seed,
                          seconds={"compare": compare_s, "tune": tune_s, "final_fit": fit_s})
