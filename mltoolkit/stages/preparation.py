"""Stage 04, data preparation: leakage check, preprocessing pipeline fitted on train, saved.

The stage is steps, each one cell of ``04_data_preparation.ipynb``:
:func:`preparation_setup` (the training rows, the schema and what becomes of
each column), :func:`add_feature_step` (optional, a transformer of one's own),
:func:`check_target_leakage`, :func:`fit_preprocessing` (the fitted pipeline),
:func:`feature_preview` and :func:`save_preparation` (``preprocessor.skops``
and ``preprocessing.json``). :func:`prepare_data` runs them in one call.
"""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.compose import ColumnTransformer

from mltoolkit._serialize import to_jsonable
from mltoolkit.data.schema import Schema
from mltoolkit.framing import ProjectCard
from mltoolkit.models import save_model
from mltoolkit.prep import (
    FeaturePreview,
    FeatureStep,
    FeatureStepRecord,
    LeakageScore,
    PreprocessingSummary,
    attach_feature_steps,
    build_preprocessor,
    check_feature_step_fits,
    check_leakage,
    describe_preprocessor,
    preview_features,
)
from mltoolkit.stages._preparation_setup import (
    ColumnDecision,
    PreparationSetup,
    add_feature_step,
    decided_schema,
    preparation_setup,
)

__all__ = [
    "ColumnDecision",
    "PreparationResult",
    "PreparationSetup",
    "add_feature_step",
    "check_target_leakage",
    "decided_schema",
    "feature_preview",
    "fit_preprocessing",
    "preparation_setup",
    "prepare_data",
    "save_preparation",
]


@dataclasses.dataclass(frozen=True)
class PreparationResult:
    """``preprocessing.json``: the preprocessing per column, the leakage scores, the schema and the feature steps."""

    summary: PreprocessingSummary
    leakage: tuple[LeakageScore, ...]
    schema: Schema
    preprocessor_path: str
    n_train_rows: int
    feature_steps: tuple[FeatureStepRecord, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({"summary": self.summary.to_dict(), "leakage": [s.to_dict() for s in self.leakage],
                            "schema": self.schema.to_dict(), "preprocessor_path": self.preprocessor_path,
                            "n_train_rows": self.n_train_rows,
                            "feature_steps": [s.to_dict() for s in self.feature_steps]})


def check_target_leakage(setup: PreparationSetup, *, threshold: float = 0.98,
                         allow: Sequence[str] = ()) -> tuple[LeakageScore, ...]:
    """Score how well each used column predicts the target on its own; refuse a leaking one.

    Raises
    ------
    SchemaError
        A column (not in ``allow``) scores above ``threshold``; see :func:`mltoolkit.prep.check_leakage`.
    """
    card = setup.card
    scores = check_leakage(setup.train.drop(columns=list(setup.options.drop)), card.target,
                           task_kind=card.task_kind, positive_class=card.positive_class, threshold=threshold,
                           allow=allow, source=f"{setup.data_dir}/train.parquet")
    return tuple(scores)


def _numeric(features: pd.DataFrame) -> list[str]:
    return [str(c) for c in features.columns
            if pd.api.types.is_numeric_dtype(features[c]) and not pd.api.types.is_bool_dtype(features[c])]


def fit_preprocessing(setup: PreparationSetup) -> ColumnTransformer:
    """The preprocessing ``ColumnTransformer`` (with the feature steps) fitted on the training rows.

    Each feature step is first fitted alone, so a step that fails, gives
    missing or infinite values, or cannot be saved safely is refused naming it.

    Raises
    ------
    SchemaError
        No usable feature column, or an option naming an unknown column.
    ConfigError
        A feature step that fails on the training rows.
    """
    features, opts = setup.features, setup.options
    numeric = _numeric(features)
    for step in setup.feature_steps:
        check_feature_step_fits(step, features, numeric=numeric, impute=opts.numeric_impute)
    pre = build_preprocessor(setup.schema, target=setup.card.target, options=opts)
    attach_feature_steps(pre, setup.feature_steps, numeric=numeric, impute=opts.numeric_impute)
    return pre.fit(features)


def _records(setup: PreparationSetup, preprocessor: ColumnTransformer) -> tuple[FeatureStepRecord, ...]:
    names = [str(n) for n in preprocessor.get_feature_names_out()]
    return tuple(s.describe([n for n in names if n.startswith(f"{s.name}__")]) for s in setup.feature_steps)


def feature_preview(setup: PreparationSetup, preprocessor: ColumnTransformer, *, n_rows: int = 5) -> FeaturePreview:
    """The first ``n_rows`` training rows as the model will see them (see :func:`mltoolkit.prep.preview_features`)."""
    return preview_features(preprocessor, setup.features, n_rows=n_rows, added=[s.name for s in setup.feature_steps])


def save_preparation(setup: PreparationSetup, preprocessor: ColumnTransformer, leakage: Iterable[LeakageScore], *,
                     preprocessor_path: str | Path = "models/preprocessor.skops",
                     artifacts_dir: str | Path = "artifacts") -> PreparationResult:
    """Save the fitted preprocessor (skops, with a JSON sidecar) and ``<artifacts_dir>/preprocessing.json``."""
    card, opts = setup.card, setup.options
    records = _records(setup, preprocessor)
    summary = describe_preprocessor(preprocessor, setup.schema, target=card.target, options=opts,
                                    feature_steps=records)
    path = save_model(preprocessor, preprocessor_path,
                      {"kind": "preprocessor", "target": card.target, "schema": setup.schema.to_dict(),
                       "options": opts.to_dict(), "feature_steps": [r.to_dict() for r in records]})
    result = PreparationResult(summary=summary, leakage=tuple(leakage), schema=setup.schema,
                               preprocessor_path=str(path), n_train_rows=len(setup.train), feature_steps=records)
    art = Path(artifacts_dir)
    art.mkdir(parents=True, exist_ok=True)
    (art / "preprocessing.json").write_text(json.dumps(result.to_dict(), indent=2), encoding="utf-8")
    return result


def prepare_data(card: ProjectCard, *, data_dir: str | Path = "data", options: Mapping[str, Any] | None = None,
                 schema_overrides: Mapping[str, str] | None = None, allow_leaky: Sequence[str] = (),
                 leakage_threshold: float = 0.98, preprocessor_path: str | Path = "models/preprocessor.skops",
                 artifacts_dir: str | Path = "artifacts",
                 feature_steps: Iterable[FeatureStep | tuple[str, Any, Sequence[str]]] = ()) -> PreparationResult:
    """Fit the preprocessing pipeline on the training split and save it.

    The steps in one call: :func:`preparation_setup`,
    :func:`add_feature_step` for each of
    ``feature_steps`` (``FeatureStep`` objects or ``(name, transformer, columns)``),
    :func:`check_target_leakage`, :func:`fit_preprocessing` and :func:`save_preparation`.

    The schema is the one data collection decided (``<artifacts_dir>/schema.json``,
    from inference and the project's ``data.column_kinds``); ``schema_overrides``
    given here change kinds on top of it. The project's id columns and
    ``data.drop_columns`` are never features. Refuses
    (:class:`~mltoolkit.errors.SchemaError`) a column that leaks the target, and
    schema overrides naming unknown columns. Writes the fitted preprocessor
    (skops) and ``<artifacts_dir>/preprocessing.json``.
    """
    setup = preparation_setup(card, data_dir=data_dir, options=options, schema_overrides=schema_overrides,
                              artifacts_dir=artifacts_dir)
    for step in feature_steps:
        name, transformer, columns = (step.name, step.transformer, step.columns) if isinstance(step, FeatureStep) \
            else step
        setup = add_feature_step(setup, name, transformer, columns)
    leakage = check_target_leakage(setup, threshold=leakage_threshold, allow=allow_leaky)
    pre = fit_preprocessing(setup)
    return save_preparation(setup, pre, leakage, preprocessor_path=preprocessor_path, artifacts_dir=artifacts_dir)
