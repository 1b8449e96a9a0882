"""The column kinds data collection decided for a project (``artifacts/schema.json``), read by the later stages."""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from mltoolkit.data.schema import Schema, infer_schema

__all__ = ["decided_schema"]


def decided_schema(features: pd.DataFrame, artifacts_dir: str | Path = "artifacts",
                   overrides: Mapping[str, str] | None = None) -> Schema:
    """The schema data collection decided (``schema.json``), with ``overrides`` on top; inferred when there is none.

    Parameters
    ----------
    features : pandas.DataFrame
        The columns wanted, in their order.
    artifacts_dir : path
        Holds ``schema.json`` when data collection ran there.
    overrides : mapping of str to str, optional
        Kinds forced on top (a stage's ``schema_overrides``).

    Returns
    -------
    Schema
        One column per column of ``features``: the decided kind where collection decided it and nothing
        overrides it, inferred from ``features`` otherwise (keeping kinds declared in ``data.column_kinds``).
    """
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
