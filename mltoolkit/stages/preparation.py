"""Stage 04, data preparation: leakage check, preprocessing pipeline fitted on train, saved."""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mltoolkit._serialize import to_jsonable
from mltoolkit.data import infer_schema, load_split
from mltoolkit.data.schema import Schema
from mltoolkit.errors import SchemaError
from mltoolkit.framing import ProjectCard
from mltoolkit.models import save_model
from mltoolkit.prep import LeakageScore, PreprocessingSummary, PrepOptions, build_preprocessor, check_leakage
from mltoolkit.prep import describe_preprocessor

__all__ = ["PreparationResult", "prepare_data", "decided_schema"]


def decided_schema(features: Any, artifacts_dir: str | Path = "artifacts",
                   overrides: Mapping[str, str] | None = None) -> Schema:
    """The schema data collection decided (``schema.json``), with ``overrides`` on top; inferred when there is none."""
    path = Path(artifacts_dir) / "schema.json"
    if not path.exists():
        return infer_schema(features, overrides=overrides)
    saved = Schema.from_dict(json.loads(path.read_text(encoding="utf-8")))
    kinds = {c.name: c.kind for c in saved.columns if c.name in features.columns and c.overridden}
    kinds.update(overrides or {})
    known = {c.name: c for c in saved.columns}
    if set(features.columns) <= set(known) and not overrides:
        return Schema(tuple(known[str(c)] for c in features.columns))
    return infer_schema(features, overrides=kinds)


@dataclasses.dataclass(frozen=True)
class PreparationResult:
    summary: PreprocessingSummary
    leakage: tuple[LeakageScore, ...]
    schema: Schema
    preprocessor_path: str
    n_train_rows: int

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({"summary": self.summary.to_dict(), "leakage": [s.to_dict() for s in self.leakage],
                            "schema": self.schema.to_dict(), "preprocessor_path": self.preprocessor_path,
                            "n_train_rows": self.n_train_rows})


def prepare_data(card: ProjectCard, *, data_dir: str | Path = "data", options: Mapping[str, Any] | None = None,
                 schema_overrides: Mapping[str, str] | None = None, allow_leaky: Sequence[str] = (),
                 leakage_threshold: float = 0.98, preprocessor_path: str | Path = "models/preprocessor.skops",
                 artifacts_dir: str | Path = "artifacts") -> PreparationResult:
    """Fit the preprocessing pipeline on the training split and save it.

    The schema is the one data collection decided (``<artifacts_dir>/schema.json``,
    from inference and the project's ``data.column_kinds``); ``schema_overrides``
    given here change kinds on top of it. The project's id columns and
    ``data.drop_columns`` are never features. Refuses
    (:class:`~mltoolkit.errors.SchemaError`) a column that leaks the target, and
    schema overrides naming unknown columns. Writes the fitted preprocessor
    (skops) and ``<artifacts_dir>/preprocessing.json``.
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
    leakage = check_leakage(train.drop(columns=list(opts.drop)), card.target, task_kind=card.task_kind,
                            positive_class=card.positive_class, threshold=leakage_threshold, allow=allow_leaky,
                            source=f"{data_dir}/train.parquet")
    pre = build_preprocessor(schema, target=card.target, options=opts)
    pre.fit(features)
    summary = describe_preprocessor(pre, schema, target=card.target, options=opts)
    path = save_model(pre, preprocessor_path, {"kind": "preprocessor", "target": card.target,
                                               "schema": schema.to_dict(), "options": opts.to_dict()})
    result = PreparationResult(summary=summary, leakage=tuple(leakage), schema=schema, preprocessor_path=str(path),
                               n_train_rows=len(train))
    art = Path(artifacts_dir)
    art.mkdir(parents=True, exist_ok=True)
    (art / "preprocessing.json").write_text(json.dumps(result.to_dict(), indent=2), encoding="utf-8")
    return result
