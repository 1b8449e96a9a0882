"""Multivariate drift: can a model tell reference rows from current rows?"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from mltoolkit._serialize import to_jsonable
from mltoolkit.data.schema import Schema, infer_schema
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
    schema: Schema | None = None,
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
    schema : Schema, optional
        The kinds of the reference's columns when already read (monitoring
        reads them once for every check); inferred from ``reference`` otherwise.

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
    schema = schema if schema is not None else infer_schema(reference[shared])
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
    # scikit-learn is imported here: a command comparing two files runs this in a forked child (mltoolkit.forking),
    # and the process writing the report need not import it.
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import train_test_split

    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
    X_train, X_test = _encode(X_train, X_test, cat_cols)
    model = HistGradientBoostingClassifier(max_iter=100, random_state=seed,
                                           categorical_features=[c in cat_cols for c in X.columns] if cat_cols else None)
    # One thread: each tree's prediction is a parallel region, and permutation importance predicts every tree
    # for each shuffled copy; on a busy machine the threads' hand-offs cost ten times the work.
    with threadpool_limits(1, user_api="openmp"):
        model.fit(X_train, y_train)
        raw = model.decision_function(X_test)
        auc = float(_roc_auc(y_test, raw[None, :])[0])
        # Which columns tell the two apart is read on at most IMPORTANCE_ROWS held-out rows (per shuffle):
        # the ranking of the telling columns holds, at half the predictions' cost or less.
        importance = _permutation_importance(model, X_test, y_test, raw, n_repeats=3, seed=seed,
                                             max_samples=min(IMPORTANCE_ROWS, len(X_test)))
    order = np.argsort(-importance)
    top = tuple((str(X.columns[i]), float(importance[i])) for i in order[:10] if importance[i] > 0)
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


def _roc_auc(y: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """ROC AUC of each row of ``scores`` against the 0/1 labels ``y``: the Mann-Whitney U with tied scores
    counting one half, which is what ``sklearn.metrics.roc_auc_score`` gives, for many rows in one ranking."""
    from scipy.stats import rankdata

    positive = y == 1
    n_pos = int(positive.sum())
    ranks = rankdata(scores, axis=1)
    return (ranks[:, positive].sum(axis=1) - n_pos * (n_pos + 1) / 2) / (n_pos * (len(y) - n_pos))


def _permutation_importance(model: Any, X: np.ndarray, y: np.ndarray, raw: np.ndarray,
                            *, n_repeats: int, seed: int, max_samples: int,
                            max_cells: int = 2_000_000) -> np.ndarray:
    """Mean drop of ROC AUC when each column of ``X`` is shuffled, on ``max_samples`` of its rows.

    The shuffles are those of ``sklearn.inspection.permutation_importance(scoring="roc_auc")``, and so are the
    shuffled scores. The drop is measured from the AUC of the same rows unshuffled: scikit-learn measures it
    from the AUC of all of ``X``, which adds to every column the difference between the two AUCs (near 0.01
    for 1,500 of 3,000 rows: enough to list columns that tell nothing among the telling ones).

    ``raw`` is the model's ``decision_function`` on ``X``. scikit-learn scores every shuffled copy with its own
    prediction, and the model then encodes its categorical columns again each time (a ColumnTransformer per
    call); here the copies are stacked and scored by a few predictions of up to ``max_cells`` values each, and
    a row whose shuffled value is the one it had (ties: categories, counts, missing values) keeps its
    prediction, which does not depend on other rows.
    """
    # The random draws of scikit-learn's _calculate_permutation_scores: every column starts from the same seed,
    # so all columns see the same rows and the same shuffles.
    from sklearn.utils import check_random_state
    from sklearn.utils.random import sample_without_replacement

    random_seed = check_random_state(seed).randint(np.iinfo(np.int32).max + 1)
    random_state = check_random_state(random_seed)
    if max_samples < len(X):
        rows = sample_without_replacement(len(X), max_samples, random_state=random_state)
        X, y, raw = X[rows], y[rows], raw[rows]
    baseline = _roc_auc(y, raw[None, :])[0]
    order = np.arange(len(X))
    shuffles = []
    for _ in range(n_repeats):
        random_state.shuffle(order)
        shuffles.append(order.copy())
    scores = np.repeat(raw[None, :], X.shape[1] * n_repeats, axis=0)  # one row per shuffled copy
    pending: list[tuple[int, np.ndarray, np.ndarray]] = []  # (copy, its changed rows, those rows shuffled)

    def predict() -> None:
        stacked = np.concatenate([shuffled for _, _, shuffled in pending]) if pending else X[:0]
        if len(stacked):
            ends = np.cumsum([len(changed) for _, changed, _ in pending])[:-1]
            for (copy, changed, _), part in zip(pending, np.split(model.decision_function(stacked), ends)):
                scores[copy, changed] = part
        pending.clear()

    cells = 0
    for j in range(X.shape[1]):
        original = X[:, j]
        column = original
        for r, shuffle in enumerate(shuffles):
            column = column[shuffle]  # scikit-learn shuffles the already shuffled column again
            changed = np.flatnonzero((column != original) & ~(np.isnan(column) & np.isnan(original)))
            shuffled = X[changed]
            shuffled[:, j] = column[changed]
            pending.append((j * n_repeats + r, changed, shuffled))
            cells += shuffled.size
            if cells >= max_cells:
                predict()
                cells = 0
    predict()
    return (baseline - _roc_auc(y, scores)).reshape(X.shape[1], n_repeats).mean(axis=1)
