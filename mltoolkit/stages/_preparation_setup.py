"""The first step of data preparation: the training rows, the schema and what becomes of each column.

:func:`preparation_setup` decides; :func:`add_feature_step` adds a transformer
of one's own to what it decided (one notebook cell each).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from mltoolkit._serialize import to_jsonable
from mltoolkit.data import decided_schema, load_split
from mltoolkit.data.schema import Schema
from mltoolkit.errors import SchemaError
from mltoolkit.framing import ProjectCard
from mltoolkit.prep import FeatureStep, PrepOptions, build_preprocessor, feature_step

__all__ = ["ColumnDecision", "PreparationSetup", "add_feature_step", "decided_schema", "preparation_setup"]


@dataclasses.dataclass(frozen=True)
class ColumnDecision:
    """Whether a column of the training data is used, and why not when it is not."""

    column: str
    kind: str
    used: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


@dataclasses.dataclass(frozen=True, eq=False)
class PreparationSetup:
    """What data preparation starts from (the result of :func:`preparation_setup`).

    Attributes
    ----------
    card : ProjectCard
    train : pandas.DataFrame
        The training split, target included.
    schema : Schema
        The feature columns' kinds (data collection's ``schema.json`` with the overrides).
    schema_source : str
        Where the schema comes from.
    options : PrepOptions
        The preprocessing options, with the card's id columns and ``data.drop_columns`` in ``drop``.
    decisions : tuple of ColumnDecision
        Per column of the training data, used or not and why.
    feature_steps : tuple of FeatureStep
        Transformers of one's own (:func:`add_feature_step`).
    data_dir : str
    """

    card: ProjectCard
    train: pd.DataFrame
    schema: Schema
    schema_source: str
    options: PrepOptions
    decisions: tuple[ColumnDecision, ...]
    feature_steps: tuple[FeatureStep, ...] = ()
    data_dir: str = "data"

    @property
    def features(self) -> pd.DataFrame:
        """The training rows without the target."""
        return self.train.drop(columns=[self.card.target])

    def __repr__(self) -> str:
        used = sum(d.used for d in self.decisions)
        added = f", feature steps {', '.join(s.name for s in self.feature_steps)}" if self.feature_steps else ""
        return (f"PreparationSetup({len(self.train):,} training rows, {used} of {len(self.decisions)} columns used, "
                f"target {self.card.target!r}{added})")


def _decisions(schema: Schema, card: ProjectCard, options: PrepOptions) -> tuple[ColumnDecision, ...]:
    out = [ColumnDecision(card.target, "target", False, "the target (what the model predicts)")]
    for col in schema.columns:
        name, kind = col.name, col.kind
        if name in card.id_columns:
            why = "an id column of the project (data.id_columns)"
        elif name in card.drop_columns:
            why = "listed in data.drop_columns"
        elif name in options.drop:
            why = "the drop option of this stage"
        elif kind in ("identifier", "text"):
            why = f"{kind} (an id or free text carries no signal a model may generalize from)"
        else:
            why = ""
        out.append(ColumnDecision(name, kind, not why, why))
    return tuple(out)


def preparation_setup(card: ProjectCard, *, data_dir: str | Path = "data", options: Mapping[str, Any] | None = None,
                      schema_overrides: Mapping[str, str] | None = None,
                      artifacts_dir: str | Path = "artifacts") -> PreparationSetup:
    """Load ``<data_dir>/train.parquet`` and decide the schema and the preprocessing options.

    The schema is the one data collection decided (``<artifacts_dir>/schema.json``,
    from inference and the project's ``data.column_kinds``); ``schema_overrides``
    change kinds on top of it. The project's id columns and ``data.drop_columns``
    are never features.

    Raises
    ------
    SchemaError
        The card's target is not a column, or ``schema_overrides`` names unknown columns.
    ConfigError
        An unknown or invalid preprocessing option.
    """
    train = load_split(data_dir, "train")
    if card.target not in train.columns:
        raise SchemaError(f"target '{card.target}' of the project card is not a column of {data_dir}/train.parquet",
                          column=card.target)
    unknown = sorted(set(schema_overrides or {}) - set(train.columns))
    if unknown:
        raise SchemaError(f"schema_overrides name column(s) {unknown} not in the training data",
                          column=unknown[0], parameter="schema_overrides")
    opts = PrepOptions.from_dict(options)
    never = [c for c in (*card.id_columns, *card.drop_columns) if c in train.columns and c not in opts.drop]
    opts = dataclasses.replace(opts, drop=(*opts.drop, *never))
    features = train.drop(columns=[card.target])
    schema = decided_schema(features, artifacts_dir, schema_overrides)
    saved = (Path(artifacts_dir) / "schema.json").exists()
    source = ("schema.json of data collection" if saved else "inferred from the training rows") + (
        f", with overrides for {', '.join(schema_overrides)}" if schema_overrides else "")
    return PreparationSetup(card=card, train=train, schema=schema, schema_source=source, options=opts,
                            decisions=_decisions(schema, card, opts), data_dir=str(data_dir))


def add_feature_step(setup: PreparationSetup, name: str, transformer: Any,
                     columns: str | Iterable[str]) -> PreparationSetup:
    """A copy of ``setup`` with a transformer of one's own on ``columns``; its output joins the features.

    Any scikit-learn transformer will do. The columns keep their usual
    treatment; numeric ones are imputed before the transformer sees them.
    The step is fitted on the training rows with the rest of the preprocessing
    and saved inside it, so training, evaluation, the deployment package and
    monitoring apply it, and ``preprocessing.json`` records it.

    Parameters
    ----------
    setup : PreparationSetup
        From :func:`preparation_setup`.
    name : str
        The step's name; its features are called ``<name>__<feature>``.
    transformer : transformer
        Unfitted, e.g. ``FunctionTransformer(np.log1p)``, ``SplineTransformer(n_knots=4)``,
        ``PolynomialFeatures(2)`` or ``KBinsDiscretizer(5, encode="onehot-dense")``.
    columns : str or list of str
        Columns of the training data it reads.

    Returns
    -------
    PreparationSetup

    Raises
    ------
    ConfigError
        A name already in use, something that is not a transformer, or a
        column that is unknown (the message lists the available ones), the
        target or dropped.

    Examples
    --------
    >>> setup = add_feature_step(setup, "log_income", FunctionTransformer(np.log1p),
    ...                          columns=["income"])  # doctest: +SKIP
    """
    card, opts = setup.card, setup.options
    refused = {card.target: "it is the target; a feature made from it would leak the answer"}
    refused |= {d.column: f"it is not a feature: {d.reason}; remove it from there to use it"
                for d in setup.decisions if not d.used and d.column in opts.drop}
    available = [d.column for d in setup.decisions if d.column not in refused]
    try:
        parts = [n for n, _, _ in build_preprocessor(setup.schema, target=card.target, options=opts).transformers]
    except SchemaError:  # no built-in part at all: only the steps' names are taken
        parts = []
    step = feature_step(name, transformer, columns, available=available, refused=refused,
                        taken=[*parts, "remainder", *(s.name for s in setup.feature_steps)])
    return dataclasses.replace(setup, feature_steps=(*setup.feature_steps, step))
