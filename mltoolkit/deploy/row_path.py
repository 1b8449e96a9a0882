"""A fast path for a few rows through a fitted ``Pipeline([("prep", ColumnTransformer), ("model", estimator)])``.

For one online request the fitted preprocessing costs far more than the
model: scikit-learn's ``ColumnTransformer`` indexes pandas frames, validates
and wraps every step's output, which for one row is most of the time. This
path takes the same fitted steps and feeds them numpy arrays: scikit-learn's
own transformers (imputers, scalers, encoders) are called as they are; the
transformers mltoolkit adds (:mod:`mltoolkit.prep.transformers`) are applied
from their fitted state with numpy. The columns come out in the fitted order,
so the estimator sees exactly what the full pipeline would give it.

Any part it does not know (another transformer, a passthrough remainder,
sparse output) makes :func:`build_row_path` return ``None`` with the reason, and
:class:`~mltoolkit.deploy.package.ModelPackage` checks the path against the full
pipeline on probe rows before it uses it.
"""
from __future__ import annotations

import copy
import dataclasses
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from mltoolkit.prep.transformers import MISSING_LEVEL, CategoryCleaner, DatetimeFeatures, GroupMeans

__all__ = ["RowPath", "Rows", "build_row_path"]

_SKLEARN_STEPS = (SimpleImputer, StandardScaler, OneHotEncoder, OrdinalEncoder)


#: Rows as a DataFrame, or as the checked columns of :func:`mltoolkit.deploy.records.check_records`.
Rows = pd.DataFrame | Mapping[str, np.ndarray]


def _floats(X: Rows, columns: list[str]) -> np.ndarray:
    return np.column_stack([v.astype(float) if isinstance(v := X[c], np.ndarray) and v.dtype != object
                            else v.to_numpy(dtype=float, na_value=np.nan) for c in columns])


def _objects(X: Rows, columns: list[str]) -> np.ndarray:
    return np.column_stack([v if isinstance(v := X[c], np.ndarray) and v.dtype == object
                            else v.to_numpy(dtype=object, na_value=None) for c in columns])


def _clean_categories(values: np.ndarray) -> np.ndarray:
    """CategoryCleaner on strings: missing values become their own level (the frame path's result for str input)."""
    out = values.copy()
    out[pd.isna(values)] = MISSING_LEVEL
    return out


def _datetime_parts(reference: str) -> Callable[[Rows, list[str]], np.ndarray]:
    """DatetimeFeatures' year, month, day, weekday and days since ``reference``, on an index instead of a frame."""
    ref, day = pd.Timestamp(reference), pd.Timedelta(days=1)

    def expand(X: Rows, columns: list[str]) -> np.ndarray:
        blocks = []
        for c in columns:
            d = pd.DatetimeIndex(pd.to_datetime(X[c], errors="coerce"))
            blocks += [d.year, d.month, d.day, d.day_of_week, (d - ref) / day]
        return np.column_stack([np.asarray(b, dtype=float) for b in blocks])

    return expand


def _group_means(means: dict[str, float], overall: float) -> Callable[[np.ndarray], np.ndarray]:
    def lookup(values: np.ndarray) -> np.ndarray:
        groups = [MISSING_LEVEL if pd.isna(g) else str(g) for g in values[:, 1]]
        return np.array([means.get(g, overall) for g in groups], dtype=float).reshape(-1, 1)

    return lookup


@dataclasses.dataclass(frozen=True)
class _Part:
    columns: list[str]
    read: Callable[[Rows, list[str]], np.ndarray]  # the part's columns as the first step's output
    steps: tuple[Callable[[np.ndarray], np.ndarray], ...]


@dataclasses.dataclass(frozen=True)
class RowPath:
    """The fitted preprocessing of a pipeline, applied to a few rows with numpy (see the module docstring)."""

    parts: tuple[_Part, ...]
    estimator: Any

    def features(self, X: Rows) -> np.ndarray:
        """The model's input features for the rows of ``X`` (the columns the fitted pipeline produces)."""
        blocks = []
        with warnings.catch_warnings():
            # The steps were fitted on frames; arrays in the same column order are what they saw.
            warnings.filterwarnings("ignore", message="X does not have valid feature names")
            for part in self.parts:
                values = part.read(X, part.columns)
                for step in part.steps:
                    values = step(values)
                blocks.append(np.asarray(values, dtype=float))
        return np.asfortranarray(np.hstack(blocks))  # the layout the frame path hands the model (same sums)

    def predict(self, X: Rows, method: str) -> np.ndarray:
        """``estimator.<method>`` on :meth:`features` of ``X`` (``predict`` or ``predict_proba``)."""
        features = self.features(X)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="X does not have valid feature names")
            return getattr(self.estimator, method)(features)


def _step(step: Any) -> Callable[[np.ndarray], np.ndarray]:
    if isinstance(step, _SKLEARN_STEPS):
        if isinstance(step, OneHotEncoder) and step.sparse_output:
            raise TypeError("sparse one-hot output takes the frame path")
        return step.transform
    if isinstance(step, CategoryCleaner):
        return _clean_categories
    if isinstance(step, GroupMeans):
        return _group_means(step.means_, step.overall_)
    raise TypeError(f"{type(step).__name__} has no array path")


def build_row_path(model: Any) -> tuple[RowPath | None, str]:
    """The row path of a fitted ``Pipeline([prep ColumnTransformer, estimator])``, or None and the reason.

    Parameters
    ----------
    model : sklearn.pipeline.Pipeline
        A fitted two-step pipeline as mltoolkit's training stage saves it.

    Returns
    -------
    (RowPath or None, str)
        The path, or None when some part of the model has no array path; the
        string says which (or "array path" when there is one).
    """
    steps = getattr(model, "steps", None)
    if not steps or len(steps) != 2 or not isinstance(steps[0][1], ColumnTransformer):
        return None, "the model is not a preprocessing ColumnTransformer followed by an estimator"
    # A copy whose steps return arrays: the saved one wraps every step's output in a DataFrame.
    prep, estimator = copy.deepcopy(steps[0][1]).set_output(transform="default"), steps[1][1]
    parts = []
    try:
        for name, transformer, columns in prep.transformers_:
            if isinstance(transformer, str):
                if transformer == "drop":
                    continue
                raise TypeError(f"'{name}' is {transformer!r}")
            chain = [s for _, s in transformer.steps] if hasattr(transformer, "steps") else [transformer]
            if isinstance(chain[0], DatetimeFeatures):
                read, chain = _datetime_parts(chain[0].reference_), chain[1:]
            else:
                read = _floats if isinstance(chain[0], (SimpleImputer, StandardScaler)) else _objects
            parts.append(_Part(list(columns), read, tuple(_step(s) for s in chain)))
    except TypeError as exc:
        return None, f"preprocessing part without an array path: {exc}"
    if not parts:
        return None, "the preprocessing keeps no columns"
    return RowPath(tuple(parts), estimator), "array path"
