"""Permutation feature importance of the raw input columns (scikit-learn's, on a seeded sample)."""
from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance as _sk_permutation_importance

from mltoolkit._serialize import to_jsonable
from mltoolkit.evaluate.bootstrap import bootstrap_metrics
from mltoolkit.evaluate.registry import METRICS

__all__ = ["FeatureImportance", "permutation_importance"]


@dataclasses.dataclass(frozen=True)
class FeatureImportance:
    """Drop in the metric when a column is shuffled (mean and std over repeats), largest first."""

    metric: str
    features: tuple[str, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    n_rows: int
    n_repeats: int

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"feature": self.features, "importance": self.mean, "std": self.std})


def _scorer(metric: str, task: str, labels: Any) -> Any:
    """A scikit-learn scoring callable (larger is better) computing ``metric`` against all ``labels``.

    scikit-learn's named scorers read the classes from the target, so a
    test split missing a class fails in log loss ("different number of classes").
    """
    sign = 1.0 if METRICS[metric].higher_is_better else -1.0

    def score(estimator: Any, X: pd.DataFrame, y: np.ndarray) -> float:
        if task == "regression":
            pred = estimator.predict(X)
        else:
            pred = estimator.predict_proba(X)
            pred = pred[:, 1] if task == "binary" else pred
        value = bootstrap_metrics(y, pred, task=task, metrics=[metric], labels=labels, n_boot=0).interval(metric).value
        return np.nan if value is None else sign * value

    return score


def permutation_importance(model: Any, X: pd.DataFrame, y: np.ndarray, *, metric: str, n_repeats: int = 5,
                           max_rows: int = 5000, seed: int = 42, task: str | None = None,
                           labels: Any = None) -> FeatureImportance:
    """How much the metric drops when each input column is shuffled.

    Wraps :func:`sklearn.inspection.permutation_importance` on the whole
    pipeline, so importances are per raw column (before one-hot encoding), on a
    seeded sample of at most ``max_rows`` rows. Positive = the model relies on it.

    Parameters
    ----------
    task : {"binary", "multiclass", "regression"}, optional
        Given, the metric is computed by mltoolkit against ``labels`` (the
        model's ``classes_``; binary models score the probability of
        ``labels[1]``), so rows missing a class are scored; otherwise with
        scikit-learn's scorer of that name.
    labels : sequence, optional
        Classification with ``task``: the classes known from training.
    """
    if len(X) > max_rows:
        idx = np.random.default_rng(seed).choice(len(X), size=max_rows, replace=False)
        X, y = X.iloc[idx], np.asarray(y)[idx]
    scoring = METRICS[metric].scorer if task is None else _scorer(metric, task, labels)
    res = _sk_permutation_importance(model, X, y, scoring=scoring, n_repeats=n_repeats, random_state=seed,
                                     n_jobs=None)
    order = np.argsort(-res.importances_mean)
    return FeatureImportance(metric=metric, features=tuple(str(X.columns[i]) for i in order),
                             mean=tuple(float(res.importances_mean[i]) for i in order),
                             std=tuple(float(res.importances_std[i]) for i in order),
                             n_rows=len(X), n_repeats=n_repeats)
