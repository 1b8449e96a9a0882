"""Feature steps of one's own: any scikit-learn transformer on named columns, its output joining the features.

A :class:`FeatureStep` becomes one more part of the preprocessing
``ColumnTransformer`` (named after the step), next to the parts
:func:`~mltoolkit.prep.build_preprocessor` makes from the schema: the input
columns keep their usual treatment and the step's output columns are added.
Numeric inputs are imputed first (the project's ``numeric_impute``), so a
transformer such as ``SplineTransformer`` never sees a gap. The step is saved
inside the preprocessor, so training, evaluation, the deployment package and
monitoring all apply it.
"""
from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from mltoolkit._serialize import to_jsonable
from mltoolkit.errors import ConfigError

__all__ = [
    "FeatureStep",
    "FeatureStepRecord",
    "attach_feature_steps",
    "check_feature_step_fits",
    "feature_step",
    "feature_steps_of",
]


@dataclasses.dataclass(frozen=True, eq=False)
class FeatureStep:
    """A transformer of one's own on named columns (unfitted), as :func:`feature_step` checked it.

    Attributes
    ----------
    name : str
        The preprocessing part's name; its output columns are ``<name>__<feature>``.
    transformer : transformer
        Any scikit-learn transformer (``fit``/``transform``), unfitted.
    columns : tuple of str
        The input columns it reads.
    """

    name: str
    transformer: Any
    columns: tuple[str, ...]

    def describe(self, features_out: Sequence[str] = ()) -> FeatureStepRecord:
        """What ``preprocessing.json`` records of the step."""
        return FeatureStepRecord(name=self.name, transformer=" ".join(repr(self.transformer).split()),
                                 columns=self.columns, features_out=tuple(str(f) for f in features_out))

    def __repr__(self) -> str:
        return f"FeatureStep({self.name!r}: {' '.join(repr(self.transformer).split())} on {list(self.columns)})"


@dataclasses.dataclass(frozen=True)
class FeatureStepRecord:
    """A feature step as ``preprocessing.json`` and the summaries show it: name, transformer, columns in and out."""

    name: str
    transformer: str
    columns: tuple[str, ...]
    features_out: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def _untrusted(obj: Any) -> list[str]:
    """Types in ``obj`` that :func:`mltoolkit.models.load_model` would refuse to load back."""
    import skops.io

    from mltoolkit.models import TRUSTED_TYPES

    return sorted(set(skops.io.get_untrusted_types(data=skops.io.dumps(obj))) - set(TRUSTED_TYPES))


def _untrusted_message(name: str, types: list[str]) -> str:
    return (f"feature step {name!r} holds types mltoolkit does not load from a model file: {types}; use numpy "
            "functions (FunctionTransformer(np.log1p)) and scikit-learn transformers, not functions defined in the "
            "notebook, so the saved preprocessor loads in training, evaluation and the deployment package")


def feature_step(name: str, transformer: Any, columns: str | Iterable[str], *, available: Sequence[str],
                 taken: Iterable[str] = (), refused: dict[str, str] | None = None) -> FeatureStep:
    """Check a feature step against the data it will run on; return it.

    Parameters
    ----------
    name : str
        Names the step's output columns (``<name>__...``); no ``__`` in it.
    transformer : transformer
        Unfitted scikit-learn transformer (``fit`` and ``transform``), e.g.
        ``FunctionTransformer(np.log1p)``, ``SplineTransformer()``, ``PolynomialFeatures(2)``.
    columns : str or iterable of str
        Input columns.
    available : sequence of str
        Columns the step may read (the feature columns).
    taken : iterable of str
        Names already used by preprocessing parts or other steps.
    refused : dict, optional
        ``{column: why}`` for columns of the data a step may not read (the target, dropped columns).

    Returns
    -------
    FeatureStep

    Raises
    ------
    ConfigError
        A bad or taken name, something that is not a transformer (or holds a
        function that cannot be saved safely), no columns, or a column that is
        not available (the message lists the available ones).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> feature_step("log_x", FunctionTransformer(np.log1p), "x", available=["x", "y"])
    FeatureStep('log_x': FunctionTransformer(func=<ufunc 'log1p'>) on ['x'])
    """
    if not isinstance(name, str) or not name.strip() or "__" in name or name != name.strip():
        raise ConfigError(f"a feature step needs a name without spaces around it or '__' in it (it prefixes the "
                          f"step's feature names), got {name!r}", parameter="name")
    if name in set(taken):
        raise ConfigError(f"a feature step or preprocessing part named {name!r} already exists (names in use: "
                          f"{', '.join(sorted(set(taken)))}); pick another name, or, when re-running a cell, run the "
                          "setup cell again first", parameter="name")
    if isinstance(transformer, type):
        raise ConfigError(f"feature step {name!r}: pass a transformer object, {transformer.__name__}(), not the "
                          "class", parameter="transformer")
    if not all(hasattr(transformer, attr) for attr in ("fit", "transform", "get_params")):
        prefix = "np." if isinstance(transformer, np.ufunc) else ""
        hint = (f"wrap a function in FunctionTransformer({prefix}{getattr(transformer, '__name__', 'func')})"
                if callable(transformer) else "pass one such as FunctionTransformer(np.log1p) or SplineTransformer()")
        raise ConfigError(f"feature step {name!r} is a {type(transformer).__name__}, not a scikit-learn transformer "
                          f"(fit and transform); {hint}", parameter="transformer")
    cols = (columns,) if isinstance(columns, str) else tuple(columns)
    if not cols:
        raise ConfigError(f"feature step {name!r} names no columns; pass columns=[...] from: "
                          f"{', '.join(map(str, available))}", parameter="columns")
    refused = refused or {}
    for col in cols:
        if col in refused:
            raise ConfigError(f"feature step {name!r} cannot read column {col!r}: {refused[col]}", column=col,
                              parameter="columns")
        if col not in set(available):
            raise ConfigError(f"feature step {name!r} names column {col!r}, which is not in the training data; "
                              f"available columns: {', '.join(map(str, available))}", column=col,
                              parameter="columns")
    untrusted = _untrusted(transformer)
    if untrusted:
        raise ConfigError(_untrusted_message(name, untrusted), parameter="transformer")
    return FeatureStep(name=name, transformer=clone(transformer), columns=cols)


def _part(step: FeatureStep, numeric: set[str], impute: str) -> Pipeline:
    """The preprocessing part of ``step``: numeric inputs imputed, then the (cloned) transformer."""
    transformer = clone(step.transformer)
    if isinstance(transformer, FunctionTransformer) and transformer.feature_names_out is None:
        # Its output columns keep the input's names (a function changing the shape must say how to name them).
        transformer.set_params(feature_names_out="one-to-one")
    impute = ([("impute", SimpleImputer(strategy=impute, keep_empty_features=True))]
              if set(step.columns) <= numeric else [])
    return Pipeline([*impute, ("transform", transformer)])


def attach_feature_steps(preprocessor: ColumnTransformer, steps: Sequence[FeatureStep], *,
                         numeric: Iterable[str] = (), impute: str = "median") -> ColumnTransformer:
    """``preprocessor`` (unfitted) with one part per feature step added; its output stays a pandas frame.

    Parameters
    ----------
    numeric : iterable of str
        Numeric columns; a step reading only these has them imputed with ``impute`` first.
    """
    numeric = set(numeric)
    parts = [(s.name, _part(s, numeric, impute), list(s.columns)) for s in steps]
    preprocessor.set_params(transformers=[*preprocessor.transformers, *parts])
    preprocessor.set_output(transform="pandas")
    return preprocessor


def check_feature_step_fits(step: FeatureStep, features: pd.DataFrame, *, numeric: Iterable[str] = (),
                            impute: str = "median") -> tuple[str, ...]:
    """Fit the step alone on ``features`` and check its output; return its output column names.

    Raises
    ------
    ConfigError
        It fails to fit or transform, gives no named columns, gives values that
        are not finite numbers, or holds types a model file cannot carry.
    """
    part = _part(step, set(numeric), impute).set_output(transform="pandas")
    where = f"feature step {step.name!r} ({' '.join(repr(step.transformer).split())} on {list(step.columns)})"
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):  # bad values are reported below
            warnings.simplefilter("ignore", (UserWarning, RuntimeWarning))
            out = part.fit_transform(features[list(step.columns)])
            names = tuple(str(n) for n in part.get_feature_names_out())
    except Exception as exc:  # noqa: BLE001 - any failure of the user's transformer is reported as theirs
        raise ConfigError(f"{where} failed on the training rows ({type(exc).__name__}: {str(exc)[:300]}); check "
                          "the transformer and its columns (sparse output: pass sparse_output=False; a function "
                          "changing the number of columns: pass feature_names_out)", parameter="transformer") from None
    values = out.to_numpy() if isinstance(out, pd.DataFrame) else np.asarray(out)
    try:
        bad = int((~np.isfinite(values.astype(float))).any(axis=1).sum())
    except (TypeError, ValueError):
        raise ConfigError(f"{where} gives values that are not numbers ({values.dtype}); a model needs numbers: "
                          "encode the output (e.g. with OneHotEncoder(sparse_output=False))",
                          parameter="transformer") from None
    if bad:
        raise ConfigError(f"{where} gives missing or infinite values on {bad:,} of {len(values):,} training rows "
                          "(e.g. a logarithm of zero or negative numbers); shift the values or pick another "
                          "transformer", parameter="transformer")
    untrusted = _untrusted(part)
    if untrusted:
        raise ConfigError(_untrusted_message(step.name, untrusted), parameter="transformer")
    return names


def feature_steps_of(preprocessor: ColumnTransformer, records: Iterable[FeatureStepRecord]) -> tuple[FeatureStep, ...]:
    """The feature steps of a saved preprocessor, unfitted (for preparing new data the same way).

    ``records`` name them (``PreparationResult.feature_steps``); each step's
    transformer is cloned from the preprocessor's part of that name.
    """
    parts = {name: part for name, part, _ in preprocessor.transformers}
    steps = []
    for record in records:
        part = parts.get(record.name)
        if part is None:
            raise ConfigError(f"the preprocessor has no part {record.name!r} recorded as a feature step; it comes from "
                              "another preparation run: run data preparation again", parameter="feature_steps")
        transformer = part.steps[-1][1] if isinstance(part, Pipeline) else part
        steps.append(FeatureStep(record.name, clone(transformer), tuple(record.columns)))
    return tuple(steps)
