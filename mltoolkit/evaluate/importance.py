"""Permutation feature importance of the raw input columns (scikit-learn's, on a seeded sample)."""
from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance as _sk_permutation_importance

from mltoolkit._serialize import to_jsonable
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


def permutation_importance(model: Any, X: pd.DataFrame, y: np.ndarray, *, metric: str, n_repeats: int = 5,
                           max_rows: int = 5000, seed: int = 42) -> FeatureImportance:
    """How much the metric drops when each input column is shuffled.

    Wraps :func:`sklearn.inspection.permutation_importance` on the whole
    pipeline, so importances are per raw column (before one-hot encoding), on a
    seeded sample of at most ``max_rows`` rows. Positive = the model relies on it.
    """
    if len(X) > max_rows:
        idx = np.random.default_rng(seed).choice(len(X), size=max_rows, replace=False)
        X, y = X.iloc[idx], np.asarray(y)[idx]
    res = _sk_permutation_importance(model, X, y, scoring=METRICS[metric].scorer, n_repeats=n_repeats,
                                     random_state=seed, n_jobs=None)
    order = np.argsort(-res.importances_mean)
    return FeatureImportance(metric=metric, features=tuple(str(X.columns[i]) for i in order),
                             mean=tuple(float(res.importances_mean[i]) for i in order),
                             std=tuple(float(res.importances_std[i]) for i in order),
                             n_rows=len(X), n_repeats=n_repeats)
