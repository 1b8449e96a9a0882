"""A fast path for a few rows through a fitted ``Pipeline([("prep", ColumnTransformer), ("model", estimator)])``.

For one online request the fitted preprocessing costs far more than the
model: scikit-learn's ``ColumnTransformer`` indexes pandas frames, validates
and wraps every step's output, which for one row is most of the time. This
path applies the same fitted steps to numpy arrays: encoders as lookup tables
read off the fitted encoder (:class:`_EncoderTable`), imputers and scalers
from their fitted statistics, the transformers mltoolkit adds
(:mod:`mltoolkit.prep.transformers`) from their fitted state; values of a kind
the fast code does not cover go to the fitted step itself. The columns come
out in the fitted order, so the estimator sees what the full pipeline gives it.

Any part it does not know (another transformer, a passthrough remainder,
sparse output) makes :func:`build_row_path` return ``None`` with the reason, and
:class:`~mltoolkit.deploy.package.ModelPackage` checks the path against the full
pipeline on probe rows before it uses it.
"""
from __future__ import annotations

import copy
import dataclasses
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from mltoolkit.data.schema import boolean_value
from mltoolkit.prep.transformers import DATE_PARTS
from mltoolkit.prep.transformers import MISSING_LEVEL, BooleanEncoder, CategoryCleaner, DatetimeFeatures, GroupMeans

__all__ = ["RowPath", "Rows", "build_row_path"]

#: Rows as a DataFrame, or as the checked columns of :func:`mltoolkit.deploy.records.check_records`.
Rows = pd.DataFrame | Mapping[str, np.ndarray]


def _floats(X: Rows, columns: list[str]) -> np.ndarray:
    return np.column_stack([v.astype(float) if isinstance(v := X[c], np.ndarray) and v.dtype != object
                            else v.to_numpy(dtype=float, na_value=np.nan) for c in columns])


def _objects(X: Rows, columns: list[str]) -> np.ndarray:
    return np.column_stack([v if isinstance(v := X[c], np.ndarray) and v.dtype == object
                            else v.to_numpy(dtype=object, na_value=None) for c in columns])


def _only_text(values: np.ndarray) -> bool:
    return all(v is None or type(v) is str for v in values.flat)


def _clean_categories(step: CategoryCleaner) -> Callable[[np.ndarray], np.ndarray]:
    """CategoryCleaner: on strings, missing values become their own level; other values go to the step itself
    (pandas' text of numbers and booleans is what the model saw)."""
    def clean(values: np.ndarray) -> np.ndarray:
        if not _only_text(values):
            return step.transform(values)
        out = values.copy()
        out[pd.isna(values)] = MISSING_LEVEL
        return out

    return clean


def _booleans(step: BooleanEncoder) -> Callable[[np.ndarray], np.ndarray]:
    """BooleanEncoder: each value read with the one boolean vocabulary (0/1, True/False, yes/no text); else NaN."""
    def encode(values: np.ndarray) -> np.ndarray:
        flat = [np.nan if (b := boolean_value(v)) is None else float(b) for v in values.ravel()]
        return np.asarray(flat, dtype=float).reshape(values.shape)

    return encode


def _datetime_parts(reference: str,
                    parts: Sequence[str] = DATE_PARTS) -> Callable[[Rows, list[str]], np.ndarray]:
    """DatetimeFeatures' year, month, day, weekday and days since ``reference`` (those in ``parts``), without a frame.

    ``datetime64`` columns (online requests) are taken apart with numpy's
    calendar units; anything else (time-zone-aware times, a frame's column) with
    pandas as the transformer does. Days since the reference are one division of
    timedelta64 values, which is how pandas computes them too.
    """
    ref, day = pd.Timestamp(reference), pd.Timedelta(days=1)
    keep = [DATE_PARTS.index(p) for p in parts]

    def numpy_parts(d: np.ndarray) -> list[np.ndarray]:
        nat = np.isnat(d)
        months, days = d.astype("datetime64[M]"), d.astype("datetime64[D]")
        parts = [months.astype("datetime64[Y]").astype(np.int64) + 1970, months.astype(np.int64) % 12 + 1,
                 (days - months).astype(np.int64) + 1, (days.astype(np.int64) + 3) % 7]  # 1970-01-01 was a Thursday
        return [*(np.where(nat, np.nan, q) for q in parts), (d - ref.to_datetime64()) / np.timedelta64(1, "D")]

    def expand(X: Rows, columns: list[str]) -> np.ndarray:
        blocks: list[Any] = []
        for c in columns:
            v = X[c]
            if isinstance(v, np.ndarray) and v.dtype.kind == "M":
                every = numpy_parts(v)
            else:
                d = pd.DatetimeIndex(pd.to_datetime(v, errors="coerce"))
                every = [d.year, d.month, d.day, d.day_of_week, (d - ref) / day]
            blocks += [every[i] for i in keep]
        return np.column_stack([np.asarray(b, dtype=float) for b in blocks])

    return expand


def _imputer(step: SimpleImputer) -> Callable[[np.ndarray], np.ndarray]:
    """A fitted SimpleImputer on floats: gaps filled with its statistics, then its missing indicators."""
    stats = np.asarray(step.statistics_, dtype=float)
    indicator = getattr(step, "indicator_", None)
    if not (isinstance(step.missing_values, float) and np.isnan(step.missing_values)) or np.isnan(stats).any() \
            or (indicator is not None and indicator.features != "missing-only"):
        return step.transform
    flagged = None if indicator is None else np.asarray(indicator.features_)

    def impute(values: np.ndarray) -> np.ndarray:
        gaps = np.isnan(values)
        filled = np.where(gaps, stats, values)
        return filled if flagged is None else np.hstack([filled, gaps[:, flagged].astype(float)])

    return impute


def _scaler(step: StandardScaler) -> Callable[[np.ndarray], np.ndarray]:
    """A fitted StandardScaler: minus its mean, divided by its scale, as it computes them."""
    def scale(values: np.ndarray) -> np.ndarray:
        out = values.astype(float)
        if step.with_mean:
            out -= step.mean_
        if step.with_std:
            out /= step.scale_
        return out

    return scale


def _group_means(step: GroupMeans) -> Callable[[np.ndarray], np.ndarray]:
    """GroupMeans: the learned mean of each row's group (strings; other values go to the step itself)."""
    def lookup(values: np.ndarray) -> np.ndarray:
        groups = values[:, 1]
        if not _only_text(groups):
            return step.transform(values)
        return np.array([step.means_.get(MISSING_LEVEL if g is None else g, step.overall_) for g in groups],
                        dtype=float).reshape(-1, 1)

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


class _EncoderTable:
    """A fitted one-hot or ordinal encoder as a lookup: each input column's output for each of its values.

    Read off the encoder itself: it transforms rows that differ from a reference
    row in one column only, once for every fitted category and once for a value
    never seen, which shows which output columns belong to each input column and
    what they hold. Each input column is encoded on its own, so a row's output is
    the reference output with every column's part looked up. Values without an
    entry (unseen, where the encoder refuses them) go to the encoder.
    """

    _UNSEEN = "\x00(a value never seen in training)"

    def __init__(self, encoder: OneHotEncoder | OrdinalEncoder) -> None:
        self.encoder = encoder
        with warnings.catch_warnings():
            # Arrays where it saw a frame, and the unseen probe value: both on purpose.
            warnings.simplefilter("ignore", UserWarning)
            self._read_off(encoder)

    def _read_off(self, encoder: OneHotEncoder | OrdinalEncoder) -> None:
        categories = [list(c) for c in encoder.categories_]
        reference = [c[0] for c in categories]
        self.base = encoder.transform(np.array([reference], dtype=object))[0]
        self.columns: list[tuple[np.ndarray, dict[Any, np.ndarray], np.ndarray | None]] = []
        taken = np.zeros(self.base.shape[0], dtype=bool)
        for j, values in enumerate(categories):
            rows = np.array([reference] * (len(values) + 1), dtype=object)
            rows[:, j] = [*values, self._UNSEEN]
            try:
                out = encoder.transform(rows)
            except ValueError:  # handle_unknown="error": unseen values go to the encoder, which refuses them
                rows, out = rows[:-1], encoder.transform(rows[:-1])
            positions = np.flatnonzero((out != self.base).any(axis=0))
            if taken[positions].any():
                raise TypeError(f"{type(encoder).__name__} mixes input columns in its output")
            taken[positions] = True
            table = {v: out[i, positions] for i, v in enumerate(values)}
            unseen = out[len(values), positions] if len(out) > len(values) else None
            self.columns.append((positions, table, unseen))

    def __call__(self, values: np.ndarray) -> np.ndarray:
        out = np.tile(self.base, (values.shape[0], 1))
        for j, (positions, table, unseen) in enumerate(self.columns):
            if positions.size:
                parts = [table.get(v, unseen) for v in values[:, j]]
                if any(p is None for p in parts):
                    return self.encoder.transform(values)
                out[:, positions] = parts
        return out


def _step(step: Any) -> Callable[[np.ndarray], np.ndarray]:
    if isinstance(step, (OneHotEncoder, OrdinalEncoder)):
        if isinstance(step, OneHotEncoder) and step.sparse_output:
            raise TypeError("sparse one-hot output takes the frame path")
        return _EncoderTable(step)
    if isinstance(step, SimpleImputer):
        return _imputer(step)
    if isinstance(step, StandardScaler):
        return _scaler(step)
    if isinstance(step, CategoryCleaner):
        return _clean_categories(step)
    if isinstance(step, GroupMeans):
        return _group_means(step)
    if isinstance(step, BooleanEncoder):
        return _booleans(step)
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
                read, chain = _datetime_parts(chain[0].reference_, chain[0].parts_), chain[1:]
            else:
                read = _floats if isinstance(chain[0], (SimpleImputer, StandardScaler)) else _objects
            parts.append(_Part(list(columns), read, tuple(_step(s) for s in chain)))
    except TypeError as exc:
        return None, f"preprocessing part without an array path: {exc}"
    if not parts:
        return None, "the preprocessing keeps no columns"
    return RowPath(tuple(parts), estimator), "array path"
