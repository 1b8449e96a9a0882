"""Stage 01, problem framing: the project card, from ``mltoolkit.yml`` (or the demo's config when there is none)."""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mltoolkit.framing import ProjectCard, card_from_config, find_config, load_config, save_card

__all__ = ["frame_problem"]


def frame_problem(config_path: str | Path | None = None, *, overrides: Mapping[str, Any] | None = None,
                  project_name: str | None = None, card_path: str | Path = "project_card.yml") -> ProjectCard:
    """Write the project card that every later stage reads.

    Parameters
    ----------
    config_path : path, optional
        The ``mltoolkit.yml`` to follow. None: the one in the working folder or
        its nearest parent (a run of ``mltoolkit run`` works two folders below
        its project), else the demo's config.
    overrides : mapping, optional
        ``problem_framing`` values set in the notebook; None values keep the config's.
    project_name : str, optional
        Overrides the config's ``project``.
    card_path : path
        Where the card is written.

    Returns
    -------
    ProjectCard
        The card, also saved as YAML at ``card_path``.

    Raises
    ------
    ConfigError
        A missing or invalid framing value, naming the key of ``mltoolkit.yml`` to edit.
    """
    path = Path(config_path) if config_path else find_config()
    config = load_config(path)
    if project_name:
        config = dataclasses.replace(config, project=str(project_name))
    card = card_from_config(config, overrides)
    save_card(card, card_path)
    return card
