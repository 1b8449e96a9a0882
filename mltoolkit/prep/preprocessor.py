"""The preprocessing pipeline built from the schema: imputation, encoding, scaling, datetime expansion.

The result is a plain scikit-learn ``ColumnTransformer``: fitted on train only,
cloned inside cross-validation folds by the training stage, and saved inside the
model so production applies exactly the same steps.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from mltoolkit._serialize import to_jsonable
from mltoolkit.data.schema import Schema
from mltoolkit.errors import ConfigError, SchemaError
from mltoolkit.prep.feature_steps import FeatureStepRecord
from mltoolkit.prep.transformers import (
    CALENDAR_PARTS,
    BooleanEncoder,
    CategoryCleaner,
    DatetimeFeatures,
    GroupMeans,
)

__all__ = ["ColumnPlan", "PrepOptions", "PreprocessingSummary", "build_preprocessor", "describe_preprocessor"]


@dataclasses.dataclass(frozen=True)
class PrepOptions:
    """Choices for :func:`build_preprocessor` (all JSON-serializable, saved with the run).

    Attributes
    ----------
    drop : tuple of str
        Columns never used as features (besides the target, identifiers and free text).
    numeric_impute : {"median", "mean", "most_frequent"}
        How gaps in numeric columns are filled; a missing-indicator column is added as well.
    scale : bool
        Standardize numeric features (linear models need it; trees do not mind).
    onehot_min_frequency : float
        Categories rarer than this share of train rows are pooled as "infrequent";
        categories first seen after training fall into the same bucket.
    onehot_max_categories : int
        At most this many one-hot columns per categorical column.
    ordinal : dict
        ``{column: [levels in order]}`` encoded as 0, 1, 2, ...; unknown levels become -1.
    datetime_reference : str, optional
        Reference date of the ``days_since_ref`` feature (default: earliest train date).
    aggregations : dict
        ``{numeric column: categorical column}`` adds the numeric column's mean within
        each group (learned on train).
    calendar_only : tuple of str
        Datetime columns expanded into calendar parts only (month, day, weekday),
        without year and days since the reference, for a column whose later
        values (production rows) a model should not extrapolate from. Not the
        default for the time column: on real tables its position in time
        carried real trends (Seattle weather: macro F1 0.54 with it, 0.19
        without; cars: R² 0.51 against 0.42).
    """

    drop: tuple[str, ...] = ()
    numeric_impute: str = "median"
    scale: bool = True
    onehot_min_frequency: float = 0.01
    onehot_max_categories: int = 20
    ordinal: dict[str, tuple[Any, ...]] = dataclasses.field(default_factory=dict)
    datetime_reference: str | None = None
    aggregations: dict[str, str] = dataclasses.field(default_factory=dict)
    calendar_only: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> PrepOptions:
        data = dict(data or {})
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown preprocessing option(s) {unknown}; valid: {sorted(known)}",
                              parameter=unknown[0])
        for key in ("drop", "calendar_only"):
            if key in data:
                data[key] = tuple([data[key]] if isinstance(data[key], str) else data[key] or ())
        if "ordinal" in data:
            data["ordinal"] = {k: tuple(v) for k, v in (data["ordinal"] or {}).items()}
        if data.get("numeric_impute", "median") not in ("median", "mean", "most_frequent"):
            raise ConfigError(f"numeric_impute must be median, mean or most_frequent, got {data['numeric_impute']!r}",
                              parameter="numeric_impute")
        if not 0 <= float(data.get("onehot_min_frequency", 0.01)) < 1:
            raise ConfigError("onehot_min_frequency must be a share in [0, 1)", parameter="onehot_min_frequency")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


@dataclasses.dataclass(frozen=True)
class ColumnPlan:
    """What happens to one input column."""

    column: str
    kind: str
    treatment: str


def _plan(schema: Schema, target: str | None, options: PrepOptions) -> dict[str, list[str]]:
    for col in (*options.drop, *options.ordinal, *options.aggregations, *options.aggregations.values()):
        if col not in schema:
            raise SchemaError(f"preprocessing option names column '{col}', which is not in the data "
                              f"(columns: {', '.join(schema.names)})", column=col)
    if target is not None and target in options.drop:
        raise ConfigError(f"the target '{target}' is never a feature; remove it from drop", parameter="drop")
    groups: dict[str, list[str]] = {"numeric": [], "boolean": [], "categorical": [], "ordinal": [], "datetime": [],
                                    "dropped": []}
    for name in schema.names:
        kind = schema.kind(name)
        if name == target:
            continue
        if name in options.drop or kind in ("identifier", "text"):
            groups["dropped"].append(name)
        elif name in options.ordinal:
            groups["ordinal"].append(name)
        elif kind == "numeric" or (kind == "boolean" and _held_as_numbers(schema[name].dtype)):
            groups["numeric"].append(name)
        elif kind == "boolean":
            groups["boolean"].append(name)
        elif kind == "categorical":
            groups["categorical"].append(name)
        elif kind == "datetime":
            groups["datetime"].append(name)
        else:  # pragma: no cover - every kind is handled above
            groups["dropped"].append(name)
    return groups


def _held_as_numbers(dtype: str) -> bool:
    """Whether a column read as ``dtype`` holds numbers or booleans (not text, objects or categories)."""
    try:
        resolved = pd.api.types.pandas_dtype(dtype)
    except TypeError:
        return False
    return pd.api.types.is_numeric_dtype(resolved) or pd.api.types.is_bool_dtype(resolved)


def build_preprocessor(schema: Schema, *, target: str | None = None,
                       options: PrepOptions | Mapping[str, Any] | None = None) -> ColumnTransformer:
    """Build an unfitted ``ColumnTransformer`` for the columns of ``schema``.

    Numeric and boolean columns: imputation (with missing indicators) and
    optional scaling; booleans held as text (``yes``/``no``, ``t``/``f``...)
    are first encoded as 1/0 by :class:`~mltoolkit.prep.transformers.BooleanEncoder`,
    missing values staying missing. Categorical: missing values as their own level, one-hot
    encoding with rare and unseen categories pooled. Ordinal columns: ordered
    integer codes. Datetime: year, month, day, weekday, days since a reference
    date. Identifier and free-text columns are dropped (an id carries no signal
    a model may generalize from).

    Parameters
    ----------
    schema : Schema
        From :func:`mltoolkit.data.infer_schema` on the training data.
    target : str, optional
        Excluded from the features.
    options : PrepOptions or dict, optional

    Returns
    -------
    sklearn.compose.ColumnTransformer
        Outputs a pandas DataFrame with readable feature names.
    """
    opts = options if isinstance(options, PrepOptions) else PrepOptions.from_dict(options)
    groups = _plan(schema, target, opts)
    transformers: list[tuple[str, Any, Any]] = []
    scaler = [("scale", StandardScaler())] if opts.scale else []
    if groups["numeric"]:
        transformers.append(("num", Pipeline([("impute", SimpleImputer(strategy=opts.numeric_impute,
                                                                          add_indicator=True,
                                                                          keep_empty_features=True)),
                                              *scaler]), groups["numeric"]))
    if groups["boolean"]:
        transformers.append(("bool", Pipeline([("encode", BooleanEncoder()),
                                               ("impute", SimpleImputer(strategy=opts.numeric_impute,
                                                                        add_indicator=True, keep_empty_features=True)),
                                               *scaler]), groups["boolean"]))
    if groups["categorical"]:
        transformers.append(("cat", Pipeline([
            ("clean", CategoryCleaner()),
            ("onehot", OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=opts.onehot_min_frequency or None,
                                     max_categories=opts.onehot_max_categories, sparse_output=False)),
        ]), groups["categorical"]))
    if groups["ordinal"]:
        levels = [list(map(str, opts.ordinal[c])) for c in groups["ordinal"]]
        transformers.append(("ord", Pipeline([
            ("clean", CategoryCleaner()),
            ("ordinal", OrdinalEncoder(categories=levels, handle_unknown="use_encoded_value", unknown_value=-1)),
        ]), groups["ordinal"]))
    calendar = [c for c in groups["datetime"] if c in opts.calendar_only]
    for name, columns, parts in (("date", [c for c in groups["datetime"] if c not in calendar], None),
                                 ("calendar", calendar, CALENDAR_PARTS)):
        if not columns:
            continue
        formats = {c: schema[c].datetime_format for c in columns if schema[c].datetime_format}
        transformers.append((name, Pipeline([
            ("expand", DatetimeFeatures(opts.datetime_reference, formats or None, parts=parts)),
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            *([("scale", StandardScaler())] if opts.scale else [])]), columns))
    for i, (value_col, group_col) in enumerate(opts.aggregations.items()):
        transformers.append((f"agg{i}", Pipeline([("mean", GroupMeans()), *scaler]), [value_col, group_col]))
    if not transformers:
        raise SchemaError("no usable feature columns: every column is the target, an identifier, free text or "
                          "dropped; check the schema overrides and drop option", column=target)
    ct = ColumnTransformer(transformers, remainder="drop", verbose_feature_names_out=True)
    ct.set_output(transform="pandas")
    return ct


@dataclasses.dataclass(frozen=True)
class PreprocessingSummary:
    """A readable account of the preprocessing: per input column, what it became."""

    columns: tuple[ColumnPlan, ...]
    n_features_out: int
    feature_names: tuple[str, ...]
    options: PrepOptions

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([dataclasses.asdict(c) for c in self.columns])


def describe_preprocessor(preprocessor: ColumnTransformer, schema: Schema, *, target: str | None = None,
                          options: PrepOptions | Mapping[str, Any] | None = None,
                          feature_steps: Sequence[FeatureStepRecord] = ()) -> PreprocessingSummary:
    """Summarize a fitted preprocessor built by :func:`build_preprocessor` (and the feature steps added to it)."""
    opts = options if isinstance(options, PrepOptions) else PrepOptions.from_dict(options)
    groups = _plan(schema, target, opts)
    names = [str(n) for n in preprocessor.get_feature_names_out()]
    scaled = " → standard scaling" if opts.scale else ""
    plans: list[ColumnPlan] = []
    for col in groups["numeric"]:
        plans.append(ColumnPlan(col, schema.kind(col), f"{opts.numeric_impute} imputation + missing indicator{scaled}"))
    for col in groups["boolean"]:
        plans.append(ColumnPlan(col, "boolean", f"text as 1/0, {opts.numeric_impute} imputation + missing "
                                                f"indicator{scaled}"))
    cat = dict(preprocessor.named_transformers_).get("cat")
    for i, col in enumerate(groups["categorical"]):
        n_out = len(cat.named_steps["onehot"].categories_[i]) if cat is not None else 0
        infrequent = cat.named_steps["onehot"].infrequent_categories_[i] if cat is not None else None
        pooled = f", {len(infrequent)} rare levels pooled" if infrequent is not None and len(infrequent) else ""
        plans.append(ColumnPlan(col, "categorical", f"one-hot ({n_out} levels{pooled}; unseen levels → infrequent)"))
    for col in groups["ordinal"]:
        plans.append(ColumnPlan(col, schema.kind(col), f"ordinal codes {list(opts.ordinal[col])}; unknown → -1"))
    for col in groups["datetime"]:
        parts = ("month, day, weekday (calendar only: never its year or days since the first row)"
                 if col in opts.calendar_only else "year, month, day, weekday, days since reference")
        plans.append(ColumnPlan(col, "datetime", f"{parts}{scaled}"))
    for value_col, group_col in opts.aggregations.items():
        plans.append(ColumnPlan(f"{value_col} by {group_col}", "aggregation", f"mean of {value_col} per {group_col}"))
    for step in feature_steps:
        n = len(step.features_out)
        plans.append(ColumnPlan(", ".join(step.columns), "feature step",
                                f"{step.name}: {step.transformer} → {n} feature{'s' if n != 1 else ''} added"))
    for col in groups["dropped"]:
        why = "dropped (option)" if col in opts.drop else f"dropped ({schema.kind(col)})"
        plans.append(ColumnPlan(col, schema.kind(col), why))
    return PreprocessingSummary(columns=tuple(plans), n_features_out=len(names), feature_names=tuple(names),
                                options=opts)

