"""The domain classifier's permutation importance and AUC, checked against scikit-learn's own."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.inspection import permutation_importance
from sklearn.metrics import roc_auc_score

from mltoolkit.drift.multivariate import _permutation_importance, _roc_auc


@pytest.fixture(scope="module")
def fitted() -> tuple[HistGradientBoostingClassifier, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    n = 1200
    X = np.c_[rng.normal(size=n), rng.integers(0, 4, n), rng.normal(size=n), rng.integers(0, 3, n).astype(float),
              np.ones(n)]  # categories and a constant: rows whose shuffled value is their own
    X[rng.random(n) < 0.05, 0] = np.nan
    y = (X[:, 0] + (X[:, 1] == 2) + rng.normal(size=n) > 0.5).astype(float)
    model = HistGradientBoostingClassifier(max_iter=20, random_state=0,
                                           categorical_features=[False, True, False, True, False]).fit(X[:800], y[:800])
    return model, X[800:], y[800:]


def test_roc_auc_of_many_rows_matches_sklearn_with_ties():
    rng = np.random.default_rng(0)
    y = (rng.random(300) < 0.4).astype(float)
    scores = rng.normal(size=(5, 300)).round(1)  # many ties
    assert _roc_auc(y, scores) == pytest.approx([roc_auc_score(y, row) for row in scores], abs=1e-12)


@pytest.mark.parametrize("max_samples, max_cells", [(400, 2_000_000), (250, 2_000_000), (250, 1_000), (250, 1)])
def test_permutation_importance_matches_sklearn_from_the_same_rows_baseline(fitted, max_samples, max_cells):
    model, X, y = fitted
    expected = permutation_importance(model, X, y, scoring="roc_auc", n_repeats=3, random_state=0,
                                      max_samples=max_samples).importances_mean
    ours = _permutation_importance(model, X, y, model.decision_function(X), n_repeats=3, seed=0,
                                   max_samples=max_samples, max_cells=max_cells)
    # The same shuffled scores; scikit-learn's baseline is the AUC of all 400 rows, ours that of the rows shuffled,
    # so on fewer rows the two differ by one offset for every column.
    offset = expected - ours
    assert np.ptp(offset) < 1e-12
    assert max_samples < len(X) or abs(offset[0]) < 1e-12
    assert ours[4] == 0  # a constant never changes a prediction: shuffling it costs nothing
    assert ours[0] > 0.05 and ours[1] > 0.01 and abs(ours[2]) < 0.02  # what the labels follow tells


def test_permutation_importance_does_not_depend_on_how_copies_are_batched(fitted):
    model, X, y = fitted
    X = X[:, [4, 0, 1, 2, 3]]  # the constant first: the last copy fills a batch of one cell exactly
    model = HistGradientBoostingClassifier(max_iter=20, random_state=0,
                                           categorical_features=[False, False, True, False, True]).fit(X, y)
    raw = model.decision_function(X)
    one_batch = _permutation_importance(model, X, y, raw, n_repeats=2, seed=1, max_samples=300)
    for max_cells in (1, 7 * 300, 10**9):
        assert _permutation_importance(model, X, y, raw, n_repeats=2, seed=1, max_samples=300,
                                       max_cells=max_cells) == pytest.approx(one_batch, abs=1e-15)
