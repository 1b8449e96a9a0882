"""scikit-learn transformers mltoolkit adds: datetime expansion, group aggregates, category cleaning.

Each follows the scikit-learn estimator API (fit on train only, ``get_feature_names_out``),
so they sit inside a ``ColumnTransformer`` and are cloned and cross-validated like any other step.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

__all__ = ["DatetimeFeatures", "GroupMeans", "CategoryCleaner", "MISSING_LEVEL"]

MISSING_LEVEL = "(missing)"
_PARTS = ("year", "month", "day", "weekday", "days_since_ref")


def _frame(X: object) -> pd.DataFrame:
    return X if isinstance(X, pd.DataFrame) else pd.DataFrame(X)


class DatetimeFeatures(TransformerMixin, BaseEstimator):
    """Expand datetime columns into year, month, day, weekday and days since a reference date.

    Parameters
    ----------
    reference : str, optional
        Reference date for ``days_since_ref``; default: the earliest date seen in ``fit``.
    """

    def __init__(self, reference: str | None = None) -> None:
        self.reference = reference

    def fit(self, X: object, y: object = None) -> DatetimeFeatures:
        frame = _frame(X)
        self.feature_names_in_ = np.asarray([str(c) for c in frame.columns], dtype=object)
        self.n_features_in_ = frame.shape[1]
        if self.reference is not None:
            self.reference_ = str(pd.Timestamp(self.reference))
        else:
            mins = [pd.to_datetime(frame[c], errors="coerce").min() for c in frame.columns]
            mins = [m for m in mins if pd.notna(m)]
            self.reference_ = str(min(mins)) if mins else "1970-01-01"
        return self

    def transform(self, X: object) -> np.ndarray:
        check_is_fitted(self, "reference_")
        frame = _frame(X)
        ref = pd.Timestamp(self.reference_)
        blocks = []
        for c in frame.columns:
            d = pd.to_datetime(frame[c], errors="coerce")
            days = (d - ref) / pd.Timedelta(days=1)
            blocks += [d.dt.year, d.dt.month, d.dt.day, d.dt.day_of_week, days]
        return np.column_stack([b.to_numpy(dtype=float, na_value=np.nan) for b in blocks]) if blocks \
            else np.empty((len(frame), 0))

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        names = input_features if input_features is not None else self.feature_names_in_
        return np.asarray([f"{c}_{p}" for c in names for p in _PARTS], dtype=object)


class GroupMeans(TransformerMixin, BaseEstimator):
    """Mean of a numeric column within groups of a categorical one, learned on train.

    Takes two columns ``[value, group]``; unseen or missing groups get the
    overall mean. A typical aggregation feature ("visits compared with others
    in the same country") without looking at the target.
    """

    def fit(self, X: object, y: object = None) -> GroupMeans:
        frame = _frame(X)
        if frame.shape[1] != 2:
            raise ValueError("GroupMeans takes exactly two columns: value, group")
        self.feature_names_in_ = np.asarray([str(c) for c in frame.columns], dtype=object)
        self.n_features_in_ = 2
        values = pd.to_numeric(frame.iloc[:, 0], errors="coerce")
        groups = frame.iloc[:, 1].astype("string").fillna(MISSING_LEVEL)
        means = values.groupby(groups).mean()
        self.overall_ = float(values.mean()) if values.notna().any() else 0.0
        self.means_ = {str(k): float(v) for k, v in means.items() if pd.notna(v)}
        return self

    def transform(self, X: object) -> np.ndarray:
        check_is_fitted(self, "means_")
        frame = _frame(X)
        groups = frame.iloc[:, 1].astype("string").fillna(MISSING_LEVEL)
        out = groups.map(self.means_).astype(float).fillna(self.overall_)
        return out.to_numpy(dtype=float).reshape(-1, 1)

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        names = input_features if input_features is not None else self.feature_names_in_
        return np.asarray([f"{names[0]}_mean_by_{names[1]}"], dtype=object)


class CategoryCleaner(TransformerMixin, BaseEstimator):
    """Categorical columns as plain Python strings, missing values as their own level.

    Lets the encoders see one consistent type whatever pandas produced
    (Arrow strings, categoricals, booleans with gaps, mixed objects).
    """

    def fit(self, X: object, y: object = None) -> CategoryCleaner:
        frame = _frame(X)
        self.feature_names_in_ = np.asarray([str(c) for c in frame.columns], dtype=object)
        self.n_features_in_ = frame.shape[1]
        return self

    def transform(self, X: object) -> np.ndarray:
        frame = _frame(X)
        cleaned = frame.astype("string").fillna(MISSING_LEVEL)
        return cleaned.to_numpy(dtype=object)

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        return np.asarray(input_features if input_features is not None else self.feature_names_in_, dtype=object)
