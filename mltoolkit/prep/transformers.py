"""scikit-learn transformers mltoolkit adds: datetime expansion, text booleans, group aggregates, category cleaning.

Each follows the scikit-learn estimator API (fit on train only, ``get_feature_names_out``),
so they sit inside a ``ColumnTransformer`` and are cloned and cross-validated like any other step.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from mltoolkit.data.schema import BOOLEAN_TEXT, boolean_value, datetime_format, to_datetimes
from mltoolkit.errors import ConfigError, SchemaError

__all__ = ["DatetimeFeatures", "BooleanEncoder", "GroupMeans", "CategoryCleaner", "MISSING_LEVEL", "DATE_PARTS",
           "CALENDAR_PARTS"]

MISSING_LEVEL = "(missing)"
#: What DatetimeFeatures makes of a date, in order.
DATE_PARTS = ("year", "month", "day", "weekday", "days_since_ref")
#: The parts of a date that recur (no year, no days since the reference): what a model may learn from a time column.
CALENDAR_PARTS = ("month", "day", "weekday")


def _frame(X: object) -> pd.DataFrame:
    return X if isinstance(X, pd.DataFrame) else pd.DataFrame(X)


def _as_utc_naive(stamp: pd.Timestamp) -> pd.Timestamp:
    return stamp.tz_convert("UTC").tz_localize(None) if stamp.tz is not None else stamp


def _reference_for(reference: pd.Timestamp, dates: pd.Series) -> pd.Timestamp:
    """``reference`` comparable with ``dates``: a time without a zone is taken as UTC beside zoned ones."""
    zoned = isinstance(dates.dtype, pd.DatetimeTZDtype)
    if zoned and reference.tz is None:
        return reference.tz_localize("UTC")
    if not zoned and reference.tz is not None:
        return _as_utc_naive(reference)
    return reference


class DatetimeFeatures(TransformerMixin, BaseEstimator):
    """Expand datetime columns into year, month, day, weekday and days since a reference date.

    Text is read with one format per column (:func:`mltoolkit.data.schema.to_datetimes`):
    the one given in ``formats`` or else the one found in ``fit``, so a
    single row at prediction time is read as the training data was. Text with
    time-zone offsets is read in UTC; a zoned datetime column keeps its zone.

    Parameters
    ----------
    reference : str, optional
        Reference date for ``days_since_ref``; default: the earliest date seen in ``fit``.
    formats : mapping of str to str, optional
        ``{column: format}`` for text columns, as in
        :attr:`mltoolkit.data.schema.ColumnSchema.datetime_format`.
    parts : sequence of str, optional
        Which of ``year``, ``month``, ``day``, ``weekday``, ``days_since_ref``
        to output, in that order (default: all; :data:`CALENDAR_PARTS` for a
        time column).

    Attributes
    ----------
    reference_ : str
        The reference date as text (in UTC, with its offset, for zoned data).
    formats_ : dict of str to str or None
        The format each column's text is read with (None: not text in ``fit``).
    """

    def __init__(self, reference: str | None = None, formats: Mapping[str, str | None] | None = None,
                 parts: Sequence[str] | None = None) -> None:
        self.reference = reference
        self.formats = formats
        self.parts = parts

    @property
    def parts_(self) -> tuple[str, ...]:
        """The parts output, in order (models saved before ``parts`` existed output all of them)."""
        chosen = getattr(self, "parts", None)
        if chosen is None:
            return DATE_PARTS
        unknown = sorted(set(chosen) - set(DATE_PARTS))
        if unknown:
            raise ConfigError(f"unknown date part(s) {unknown}; choose from {', '.join(DATE_PARTS)}",
                              parameter="parts")
        return tuple(p for p in DATE_PARTS if p in chosen)

    def _dates(self, frame: pd.DataFrame, column: str) -> pd.Series:
        # Models saved before formats existed lack formats_: they read text as pandas guesses it.
        fmt = getattr(self, "formats_", {}).get(str(column))
        return to_datetimes(frame[column], fmt)

    def fit(self, X: object, y: object = None) -> DatetimeFeatures:
        frame = _frame(X)
        self.feature_names_in_ = np.asarray([str(c) for c in frame.columns], dtype=object)
        self.n_features_in_ = frame.shape[1]
        given = dict(self.formats or {})
        self.formats_ = {}
        dates = {}
        for c in frame.columns:
            values = frame[c]
            fmt = given.get(str(c))
            if fmt is None and not pd.api.types.is_datetime64_any_dtype(values.dtype):
                fmt = datetime_format(values)
            self.formats_[str(c)] = fmt
            dates[c] = to_datetimes(values, fmt)
        if self.reference is not None:
            self.reference_ = str(pd.Timestamp(self.reference))
        else:
            mins = [d.min() for d in dates.values()]
            mins = [m for m in mins if pd.notna(m)]
            first = min(mins, key=_as_utc_naive) if mins else pd.Timestamp("1970-01-01")
            # In UTC: the same instant, and text pandas reads back (a zone's old local mean time, +00:53:28, is not).
            self.reference_ = str(first.tz_convert("UTC") if first.tz is not None else first)
        return self

    def transform(self, X: object) -> np.ndarray:
        check_is_fitted(self, "reference_")
        frame = _frame(X)
        ref = pd.Timestamp(self.reference_)
        blocks = []
        keep = [DATE_PARTS.index(p) for p in self.parts_]
        for c in frame.columns:
            d = self._dates(frame, c)
            days = (d - _reference_for(ref, d)) / pd.Timedelta(days=1)
            every = [d.dt.year, d.dt.month, d.dt.day, d.dt.day_of_week, days]
            blocks += [every[i] for i in keep]
        return np.column_stack([b.to_numpy(dtype=float, na_value=np.nan) for b in blocks]) if blocks \
            else np.empty((len(frame), 0))

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        names = input_features if input_features is not None else self.feature_names_in_
        return np.asarray([f"{c}_{p}" for c in names for p in self.parts_], dtype=object)


class BooleanEncoder(TransformerMixin, BaseEstimator):
    """Booleans, whether held as ``True``/``False``, 0/1 or text such as ``yes``/``No``/``t``, as 1.0 and 0.0.

    Text is read with :data:`mltoolkit.data.schema.BOOLEAN_TEXT` (any case,
    spaces ignored); missing values stay missing (NaN) for the imputer after
    it. Put before any numeric step, so the fitted pipeline reads new data's
    text as training did.

    Attributes
    ----------
    mapping_ : dict of str to float
        Text (stripped, lower-cased) to its number: the whole fitted state, for
        code that applies the step without pandas.

    Raises
    ------
    SchemaError
        In ``fit``, when a column holds values that are not booleans (the
        message names the column and values). In ``transform`` such values are
        missing, as a category never seen in training is.
    """

    def fit(self, X: object, y: object = None) -> BooleanEncoder:
        frame = _frame(X)
        self.feature_names_in_ = np.asarray([str(c) for c in frame.columns], dtype=object)
        self.n_features_in_ = frame.shape[1]
        self.mapping_ = {text: float(value) for text, value in BOOLEAN_TEXT.items()}
        for c in frame.columns:
            values = frame[c].dropna()
            bad = values[values.map(boolean_value).isna()] if len(values) else values
            if len(bad):
                examples = ", ".join(repr(v) for v in pd.unique(bad)[:3])
                raise SchemaError(f"column '{c}' is treated as boolean but holds {examples}; override its kind "
                                  f"(for example schema overrides {{'{c}': 'categorical'}}) or clean the values",
                                  column=str(c))
        return self

    def transform(self, X: object) -> np.ndarray:
        check_is_fitted(self, "mapping_")
        frame = _frame(X)
        out = np.full(frame.shape, np.nan)
        for j, c in enumerate(frame.columns):
            values = frame[c]
            if pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_numeric_dtype(values.dtype):
                numbers = values.to_numpy(dtype=float, na_value=np.nan)
                out[:, j] = np.where(np.isin(numbers, (0.0, 1.0)), numbers, np.nan)
            else:
                out[:, j] = [np.nan if (b := boolean_value(v)) is None else float(b) for v in values]
        return out

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        return np.asarray(input_features if input_features is not None else self.feature_names_in_, dtype=object)


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
