"""Stage 03, exploratory data analysis: the training split profiled with the schema data collection decided."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from mltoolkit.data import decided_schema, load
from mltoolkit.eda import ProfileResult, profile
from mltoolkit.framing import ProjectCard, project_card

__all__ = ["explore_data"]


def explore_data(card: ProjectCard | str | Path | None, *, data_path: str = "data/train.parquet", table: str | None = None,
                 query: str | None = None, encoding: str | None = None, target: str | None = None,
                 sample_size: int | None = None, schema_overrides: Mapping[str, str] | None = None,
                 artifacts_dir: str | Path = "artifacts", profile_json: str | Path | None = None,
                 progress: bool = False) -> tuple[pd.DataFrame, ProfileResult]:
    """Read ``data_path`` and profile it against the card's target.

    ``card`` is the project card or its file (see
    :func:`mltoolkit.framing.project_card`); None or ``""`` profiles the data
    on its own (``mltoolkit profile``).

    Column kinds are those data collection decided (``<artifacts_dir>/schema.json``)
    with ``schema_overrides`` on top. ``target`` None takes the card's target
    (when the data has it). Returns the data and the profile (also saved to
    ``profile_json`` when given).
    """
    if not isinstance(card, ProjectCard):
        card = project_card(card)
    df = load(data_path, table=table, query=query, encoding=encoding)
    target = target or (card.target if card is not None else None)
    if target not in df.columns:
        target = None
    features = df.drop(columns=[target]) if target else df
    kinds = {c.name: c.kind for c in decided_schema(features, artifacts_dir, schema_overrides).columns}
    result = profile(df, target=target, sample=sample_size, schema_overrides=kinds, progress=progress)
    if profile_json:
        Path(profile_json).parent.mkdir(parents=True, exist_ok=True)
        result.to_json(profile_json)
    return df, result
