"""Model selection: cross-validated comparison of candidates, then a time-budgeted search.

Both wrap scikit-learn (``cross_validate``, ``ParameterSampler``); the
preprocessing pipeline is cloned into every fold, so nothing is learned from
held-out rows. Seeds are fixed: the same data and settings give the same models.
"""
from __future__ import annotations

import contextlib
import dataclasses
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone, is_regressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, ParameterSampler, StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from mltoolkit._serialize import to_jsonable
from mltoolkit.errors import ConfigError, DataError
from mltoolkit.evaluate.registry import METRICS, check_metric_for_task
from mltoolkit.train.candidates import BASELINE, candidate_models, default_search_space

__all__ = ["CandidateScore", "TrialScore", "CandidateComparison", "TrainingResult", "selection_metric",
           "compare_models", "tune_and_refit", "train_models"]


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


@dataclasses.dataclass(frozen=True)
class CandidateComparison:
    """Every candidate cross-validated with its default settings, and the one that won.

    Attributes
    ----------
    task_kind, metric : str
    candidates : list of CandidateScore
        In the order compared, baseline first.
    best_name : str
        The best candidate other than the baseline (the baseline when it is alone).
    baseline_score : float or None
    cv_folds, cv_rows, seed : int
        Folds, rows (the seeded sample of at most ``max_cv_rows``) and seed of the comparison.
    max_cv_rows : int
    seconds : float
        Wall time of the comparison.
    estimators : dict
        The unfitted estimators compared, by name (tuning and the final fit start from them).
    """

    task_kind: str
    metric: str
    candidates: list[CandidateScore]
    best_name: str
    baseline_score: float | None
    cv_folds: int
    cv_rows: int
    seed: int
    max_cv_rows: int
    seconds: float
    estimators: dict[str, BaseEstimator] = dataclasses.field(repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({k: v for k, v in dataclasses.asdict(self).items() if k != "estimators"})

    def leaderboard(self) -> pd.DataFrame:
        """Candidates sorted best first."""
        return _leaderboard(self.candidates, self.metric)


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
        return _leaderboard(self.candidates, self.metric)


def _leaderboard(candidates: Sequence[CandidateScore], metric: str) -> pd.DataFrame:
    frame = pd.DataFrame([dataclasses.asdict(c) for c in candidates]).drop(columns="params")
    return frame.sort_values("mean", ascending=not METRICS[metric].higher_is_better).reset_index(drop=True)


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


#: Fits on fewer rows than this use one OpenMP thread (see :func:`_fit_threads`).
THREADED_FIT_FROM_ROWS = 100_000


def _fit_threads(n_rows: int) -> Any:
    """One OpenMP thread for fits on fewer than :data:`THREADED_FIT_FROM_ROWS` rows.

    HistGradientBoosting's OpenMP threads gain little on small data, and when
    another process is busy they spin waiting for each other: a fit on 6,459
    rows took 2.4-19 s on two threads of a busy 2-core machine and 0.3 s on
    one. Larger fits keep every thread. Cross-validation samples at most
    ``max_cv_rows`` rows, so comparing and tuning are always in this regime.
    """
    return threadpool_limits(1, user_api="openmp") if n_rows < THREADED_FIT_FROM_ROWS else contextlib.nullcontext()


def _cv_score(pipe: Pipeline, X: pd.DataFrame, y: np.ndarray, folds: Any, metric: str,
              n_jobs: int | None) -> tuple[float, float, float]:
    spec = METRICS[metric]
    with warnings.catch_warnings(), _fit_threads(len(X)):
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = cross_validate(pipe, X, y, cv=folds, scoring=spec.scorer, n_jobs=n_jobs, error_score="raise")
    scores = res["test_score"]
    if spec.scorer.startswith("neg_"):
        scores = -scores
    return float(np.mean(scores)), float(np.std(scores)), float(np.mean(res["fit_time"]))


def _cv_sample(X: pd.DataFrame, y: np.ndarray, max_cv_rows: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    if len(X) > max_cv_rows:
        idx = np.random.default_rng(seed).choice(len(X), size=max_cv_rows, replace=False)
        return X.iloc[idx], y[idx]
    return X, y


def _check_estimators(models: Mapping[str, Any], kind: str) -> None:
    """Refuse what cannot be cross-validated for ``kind``, naming the candidate and what to do."""
    for name, est in models.items():
        if not (hasattr(est, "fit") and hasattr(est, "get_params")):
            raise ConfigError(f"candidate {name!r} is a {type(est).__name__}, not a scikit-learn estimator; pass an "
                              "estimator such as sklearn.neighbors.KNeighborsClassifier()", parameter="candidates")
        if kind == "regression" and not is_regressor(est):
            raise ConfigError(f"candidate {name!r} ({type(est).__name__}) is not a regressor, and the task is "
                              "regression; pass a regressor", parameter="candidates")
        if kind != "regression" and (is_regressor(est) or not hasattr(est, "predict_proba")):
            raise ConfigError(f"candidate {name!r} ({type(est).__name__}) gives no class probabilities "
                              "(predict_proba), which ranking, thresholds and evaluation need; pass a classifier "
                              "that has them, or wrap it: CalibratedClassifierCV(SVC(), ensemble=False)", parameter="candidates")


def compare_models(X: pd.DataFrame, y: np.ndarray, *, preprocessor: Any, kind: str, metric: str,
                   candidates: Sequence[str] | Mapping[str, BaseEstimator] | None = None, cv_folds: int = 3,
                   max_cv_rows: int = 50_000, seed: int = 42, n_jobs: int | None = None,
                   on_progress: Callable[[str], None] | None = None) -> CandidateComparison:
    """Cross-validate every candidate with its default settings behind ``preprocessor``.

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
    candidates : sequence of str or mapping of str to estimator, optional
        Names from :data:`~mltoolkit.train.CANDIDATES` (default all), or estimators by name, such as
        :func:`~mltoolkit.train.candidate_models` returns with your own added
        (:func:`~mltoolkit.train.add_candidate`). The baseline is added when missing.
    cv_folds : int
    max_cv_rows : int
        Cross-validation uses a seeded sample of at most this many rows.
    seed : int
    n_jobs : int, optional
        Parallel folds (``None``: one process).
    on_progress : callable, optional
        Receives one line per finished candidate.

    Returns
    -------
    CandidateComparison

    Raises
    ------
    ConfigError
        An unknown candidate name, or an estimator that does not fit the task.
    DataError
        Fewer rows (or rows of a class) than folds.
    """
    check_metric_for_task(metric, kind)
    say = on_progress or (lambda _line: None)
    y = np.asarray(y)
    if len(X) != len(y):
        raise DataError(f"{len(X)} feature rows but {len(y)} target values", parameter="y")
    X_cv, y_cv = _cv_sample(X, y, max_cv_rows, seed)
    folds = _folds(y_cv, kind, cv_folds, seed)
    if isinstance(candidates, Mapping):
        models = dict(candidates)
        if not models:
            raise ConfigError("no candidate models to compare; add one with add_candidate", parameter="candidates")
    else:
        models = candidate_models(kind, seed=seed, names=tuple(candidates) if candidates else None)
    if BASELINE not in models:
        models = {BASELINE: candidate_models(kind, seed=seed, names=[BASELINE])[BASELINE], **models}
    _check_estimators(models, kind)
    t0 = time.perf_counter()
    scores: list[CandidateScore] = []
    for name, est in models.items():
        pipe = Pipeline([("prep", clone(preprocessor)), ("model", clone(est))])
        mean, std, fit_s = _cv_score(pipe, X_cv, y_cv, folds, metric, n_jobs)
        scores.append(CandidateScore(name, mean, std, fit_s, {}))
        say(f"{name}: {metric} {mean:.4f} ± {std:.4f}")
    contenders = [s for s in scores if s.name != BASELINE] or scores
    best = max(contenders, key=lambda s: _signed(metric, s.mean))
    return CandidateComparison(task_kind=kind, metric=metric, candidates=scores, best_name=best.name,
                               baseline_score=next(s.mean for s in scores if s.name == BASELINE), cv_folds=cv_folds,
                               cv_rows=len(X_cv), seed=seed, max_cv_rows=max_cv_rows,
                               seconds=time.perf_counter() - t0, estimators=models)


def tune_and_refit(X: pd.DataFrame, y: np.ndarray, comparison: CandidateComparison, *, preprocessor: Any,
                   time_budget_s: float = 60.0, max_trials: int = 30, space: Mapping[str, Any] | None = None,
                   n_jobs: int | None = None, on_progress: Callable[[str], None] | None = None) -> TrainingResult:
    """Tune the comparison's winner within a time budget, then refit the best settings on all rows.

    Parameters
    ----------
    X, y, preprocessor
        As given to :func:`compare_models` (the same cross-validation sample and folds are used).
    comparison : CandidateComparison
    time_budget_s : float
        Seconds the tuner may spend; 0 skips tuning.
    max_trials : int
        Upper bound on tuning trials.
    space : mapping, optional
        Distributions or lists per parameter of the winning estimator (``{"C": scipy.stats.loguniform(1e-2, 1e2)}``);
        default: the built-in space of a built-in candidate, none for your own (its settings are kept).
    n_jobs : int, optional
    on_progress : callable, optional
        Receives one line per trial, and what was decided.

    Returns
    -------
    TrainingResult
    """
    say = on_progress or (lambda _line: None)
    y = np.asarray(y)
    kind, metric, seed, cv_folds = comparison.task_kind, comparison.metric, comparison.seed, comparison.cv_folds
    X_cv, y_cv = _cv_sample(X, y, comparison.max_cv_rows, seed)
    folds = _folds(y_cv, kind, cv_folds, seed)
    best = next(s for s in comparison.candidates if s.name == comparison.best_name)
    estimator = comparison.estimators[best.name]
    t1 = time.perf_counter()
    trials: list[TrialScore] = [TrialScore(0, best.mean, best.std, {})]
    best_params: dict[str, Any] = {}
    grid = ({f"model__{k}": v for k, v in space.items()} if space is not None else default_search_space(
        best.name, estimator, kind, seed=seed))
    if not grid:
        say(f"no search space for {best.name!r}: its settings are kept (pass space= to tune it)")
    elif time_budget_s <= 0:
        say(f"tuning skipped (time_budget_s is {time_budget_s:g}): {best.name} keeps its default settings")
    else:
        base_pipe = Pipeline([("prep", clone(preprocessor)), ("model", clone(estimator))])
        sampler = ParameterSampler(grid, n_iter=max_trials, random_state=seed)
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
    final = Pipeline([("prep", clone(preprocessor)), ("model", clone(estimator))])
    if best_params:
        final.set_params(**{f"model__{k}": v for k, v in best_params.items()})
    with warnings.catch_warnings(), _fit_threads(len(X)):
        warnings.simplefilter("ignore", ConvergenceWarning)
        final.fit(X, y)
    fit_s = time.perf_counter() - t2
    say(f"chosen: {best.name} ({', '.join(f'{k}={v}' for k, v in best_params.items()) or 'default settings'}), "
        f"refitted on all {len(X):,} training rows")
    return TrainingResult(task_kind=kind, metric=metric, candidates=list(comparison.candidates), best_name=best.name,
                          trials=trials, best_params=best_params, model=final, baseline_score=comparison.baseline_score,
                          cv_folds=cv_folds, cv_rows=comparison.cv_rows, seed=seed,
                          seconds={"compare": comparison.seconds, "tune": tune_s, "final_fit": fit_s})


def train_models(X: pd.DataFrame, y: np.ndarray, *, preprocessor: Any, kind: str, metric: str,
                 candidates: Sequence[str] | Mapping[str, BaseEstimator] | None = None, cv_folds: int = 3,
                 time_budget_s: float = 60.0, max_trials: int = 30, max_cv_rows: int = 50_000, seed: int = 42,
                 n_jobs: int | None = None, on_progress: Callable[[str], None] | None = None) -> TrainingResult:
    """Compare candidates by cross-validation, tune the best within a time budget, refit it.

    :func:`compare_models` followed by :func:`tune_and_refit`; see them for the parameters.

    Returns
    -------
    TrainingResult
    """
    comparison = compare_models(X, y, preprocessor=preprocessor, kind=kind, metric=metric, candidates=candidates,
                                cv_folds=cv_folds, max_cv_rows=max_cv_rows, seed=seed, n_jobs=n_jobs,
                                on_progress=on_progress)
    return tune_and_refit(X, y, comparison, preprocessor=preprocessor, time_budget_s=time_budget_s,
                          max_trials=max_trials, n_jobs=n_jobs, on_progress=on_progress)
