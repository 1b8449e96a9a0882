"""Multivariate drift: can a model tell reference rows from current rows?"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.inspection import permutation_importance
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from mltoolkit._serialize import to_jsonable
from mltoolkit.data.schema import infer_schema
from mltoolkit.drift.detect import excluded_columns
from mltoolkit.errors import ConfigError, DataError

__all__ = ["DomainClassifierResult", "domain_classifier_drift"]

#: Held-out rows permutation importance shuffles (per repeat) to rank the telling columns.
IMPORTANCE_ROWS = 1500


@dataclasses.dataclass(frozen=True)
class DomainClassifierResult:
    """ROC AUC of a classifier telling reference from current, on held-out rows.

    0.5 means the two cannot be told apart (no multivariate drift); 1.0 means
    they are fully separable. ``top_features`` are the columns whose shuffling
    costs the classifier the most AUC (permutation importance). ``skipped``
    names the columns it did not learn from, and why: a time column, an
    identifier or a counter tells any two periods apart without saying
    anything about the data.
    """

    roc_auc: float
    threshold: float
    drifted: bool
    top_features: tuple[tuple[str, float], ...]
    n_reference: int
    n_current: int
    skipped: dict[str, str] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def domain_classifier_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    threshold: float = 0.55,
    max_rows: int = 20_000,
    seed: int = 0,
    time_column: str | None = None,
    id_columns: Sequence[str] = (),
) -> DomainClassifierResult:
    """Train a gradient-boosting model to separate reference from current rows.

    Parameters
    ----------
    reference, current : pandas.DataFrame
    columns : sequence of str, optional
        Features (default: shared numeric, boolean and categorical columns).
        Either way the time column, identifiers and undeclared counters
        (:func:`mltoolkit.drift.excluded_columns`) are left out and listed in
        ``skipped`` with the reason.
    threshold : float, default 0.55
        Drift when the held-out ROC AUC reaches this.
    max_rows : int, default 20000
        Rows sampled from each side (the verdict needs no more).
    seed : int, default 0
    time_column : str, optional
        The time column, left out.
    id_columns : sequence of str
        Identifier columns, left out.

    Returns
    -------
    DomainClassifierResult

    Raises
    ------
    DataError
        Fewer than 20 rows on a side.
    ConfigError
        No column is left to learn from.
    """
    if len(reference) < 20 or len(current) < 20:
        raise DataError(f"the domain classifier needs at least 20 rows per side (reference {len(reference)}, "
                        f"current {len(current)})")
    shared = [c for c in reference.columns if c in current.columns]
    schema = infer_schema(reference[shared])
    candidates = list(columns) if columns is not None else shared
    skipped = excluded_columns(reference, candidates, time_column=time_column, id_columns=id_columns,
                               kinds={c: schema.kind(c) for c in shared})
    if columns is None:
        learnable = set(schema.of_kind("numeric", "boolean", "categorical"))
        skipped |= {c: f"{schema.kind(c)} column: not a feature of the classifier" for c in candidates
                    if c not in learnable and c not in skipped}
    columns = [c for c in candidates if c not in skipped]
    if not columns:
        raise ConfigError(f"no column is left for the domain classifier (left out: {', '.join(skipped) or 'none'})",
                          parameter="columns")
    ref = reference[list(columns)].sample(min(max_rows, len(reference)), random_state=seed)
    cur = current[list(columns)].sample(min(max_rows, len(current)), random_state=seed)
    X = pd.concat([ref, cur], ignore_index=True)
    y = np.r_[np.zeros(len(ref)), np.ones(len(cur))]
    cat_cols = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c])]
    for c in cat_cols:
        X[c] = X[c].astype("object").where(X[c].notna(), "(missing)").astype(str)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
    X_train, X_test = _encode(X_train, X_test, cat_cols)
    model = HistGradientBoostingClassifier(max_iter=100, random_state=seed,
                                           categorical_features=[c in cat_cols for c in X.columns] if cat_cols else None)
    # One thread: each tree's prediction is a parallel region, and permutation importance predicts 100 trees
    # 37 times; on a busy machine the threads' hand-offs cost ten times the work (30 s instead of 1.5 s).
    with threadpool_limits(1, user_api="openmp"):
        model.fit(X_train, y_train)
        auc = float(roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]))
        # Which columns tell the two apart is read on at most IMPORTANCE_ROWS held-out rows (per shuffle):
        # the ranking of the telling columns holds, at half the predictions' cost or less.
        imp = permutation_importance(model, X_test, y_test, scoring="roc_auc", n_repeats=3, random_state=seed,
                                     max_samples=min(1.0, IMPORTANCE_ROWS / len(X_test)))
    order = np.argsort(-imp.importances_mean)
    top = tuple((str(X.columns[i]), float(imp.importances_mean[i])) for i in order[:10] if imp.importances_mean[i] > 0)
    return DomainClassifierResult(roc_auc=auc, threshold=threshold, drifted=auc >= threshold, top_features=top,
                                  n_reference=len(ref), n_current=len(cur), skipped=skipped)


def _encode(train: pd.DataFrame, test: pd.DataFrame, cat_cols: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Both sides as float matrices, categories as their sorted codes among the training rows (unseen: -1).

    What scikit-learn's ``OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)`` gives, once:
    permutation importance then shuffles codes instead of encoding the strings again for every shuffle.
    """
    out = []
    for frame in (train, test):
        matrix = np.empty(frame.shape, dtype=float)
        for j, c in enumerate(frame.columns):
            if c in cat_cols:
                categories = np.sort(train[c].unique())
                matrix[:, j] = pd.Categorical(frame[c], categories=categories).codes
            else:
                matrix[:, j] = frame[c].to_numpy(dtype=float, na_value=np.nan)
        out.append(matrix)
    return out[0], out[1]
