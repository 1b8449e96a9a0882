"""Candidate models per task, and the search space the tuner samples from."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scipy import stats
from sklearn.base import BaseEstimator
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge

from mltoolkit.errors import ConfigError
from mltoolkit.evaluate.registry import task_kind as _kind

__all__ = ["CANDIDATES", "BASELINE", "candidate_models", "add_candidate", "search_space", "default_search_space"]

#: Candidate names, in the order they are compared. ``dummy`` is the baseline.
CANDIDATES = ("dummy", "linear", "random_forest", "hist_gradient_boosting")
BASELINE = "dummy"


def candidate_models(task: str, *, seed: int = 42, names: tuple[str, ...] | list[str] | None = None,
                     n_jobs: int | None = None) -> dict[str, BaseEstimator]:
    """Fresh, unfitted candidate estimators for ``task``, seeded.

    ``linear`` is logistic regression for classification and ridge regression
    for regression; ``dummy`` predicts the class prior (or the mean).
    """
    kind = _kind(task)
    names = tuple(names or CANDIDATES)
    unknown = [n for n in names if n not in CANDIDATES]
    if unknown:
        raise ConfigError(f"unknown candidate model(s) {unknown}; choose from {', '.join(CANDIDATES)}",
                          parameter="candidates")
    if kind == "regression":
        models: dict[str, BaseEstimator] = {
            "dummy": DummyRegressor(strategy="mean"),
            "linear": Ridge(alpha=1.0, random_state=seed),
            "random_forest": RandomForestRegressor(n_estimators=100, min_samples_leaf=3, max_features=0.5,
                                                   n_jobs=n_jobs, random_state=seed),
            "hist_gradient_boosting": HistGradientBoostingRegressor(random_state=seed),
        }
    else:
        models = {
            "dummy": DummyClassifier(strategy="prior"),
            "linear": LogisticRegression(max_iter=2000, C=1.0, random_state=seed),
            "random_forest": RandomForestClassifier(n_estimators=100, min_samples_leaf=3, max_features="sqrt",
                                                    n_jobs=n_jobs, random_state=seed),
            "hist_gradient_boosting": HistGradientBoostingClassifier(random_state=seed),
        }
    return {n: models[n] for n in names}


def add_candidate(candidates: Mapping[str, BaseEstimator], name: str,
                  estimator: BaseEstimator) -> dict[str, BaseEstimator]:
    """A copy of ``candidates`` with ``estimator`` added as ``name`` (replacing a candidate of that name).

    Any scikit-learn estimator will do; it is put behind the project's
    preprocessing and compared like the built-in candidates. Your own
    candidates keep their settings unless you give the tuner a search space.

    Parameters
    ----------
    candidates : mapping of str to estimator
        Such as :func:`candidate_models` returns.
    name : str
        How the leaderboard, ``training.json`` and the model's info name it.
    estimator : estimator
        Unfitted; classifiers need ``predict_proba`` (wrap one without it in
        ``CalibratedClassifierCV(..., ensemble=False)``).

    Returns
    -------
    dict

    Raises
    ------
    ConfigError
        An empty name, or something that is not an estimator.

    Examples
    --------
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> models = add_candidate(candidate_models("binary_classification", names=["linear"]), "knn",
    ...                        KNeighborsClassifier())
    >>> list(models)
    ['linear', 'knn']
    """
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"a candidate needs a name (a non-empty string), got {name!r}", parameter="candidates")
    if not (hasattr(estimator, "fit") and hasattr(estimator, "get_params")):
        raise ConfigError(f"candidate {name!r} is a {type(estimator).__name__}, not a scikit-learn estimator; pass "
                          "one such as sklearn.neighbors.KNeighborsClassifier()", parameter="candidates")
    return {**candidates, name: estimator}


def search_space(name: str, task: str) -> dict[str, Any]:
    """Distributions to sample hyper-parameters of candidate ``name`` from (pipeline step ``model``)."""
    kind = _kind(task)
    spaces: dict[str, dict[str, Any]] = {
        "dummy": {},
        "linear": {"C": stats.loguniform(1e-3, 1e2)} if kind != "regression" else {"alpha": stats.loguniform(1e-3, 1e3)},
        "random_forest": {"n_estimators": stats.randint(50, 300), "min_samples_leaf": stats.randint(1, 20),
                          "max_depth": [None, 6, 10, 16]},
        "hist_gradient_boosting": {"learning_rate": stats.loguniform(0.01, 0.3), "max_leaf_nodes": stats.randint(8, 64),
                                   "min_samples_leaf": stats.randint(10, 200), "l2_regularization": stats.loguniform(1e-4, 10)},
    }
    return {f"model__{k}": v for k, v in spaces[name].items()}


def default_search_space(name: str, estimator: BaseEstimator, task: str, *, seed: int = 42) -> dict[str, Any]:
    """The built-in :func:`search_space` of ``name`` when ``estimator`` is that built-in candidate's kind, else ``{}``.

    A candidate of your own (or a built-in name given another estimator) keeps
    its settings unless the tuner is given a space for it.
    """
    if name not in CANDIDATES:
        return {}
    builtin = candidate_models(task, seed=seed, names=[name])[name]
    return search_space(name, task) if type(builtin) is type(estimator) else {}
