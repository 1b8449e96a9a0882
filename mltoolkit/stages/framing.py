"""Stage 01, problem framing: the project card, from ``mltoolkit.yml`` (or the demo's config when there is none).

The stage is three steps, cells of ``01_problem_framing.ipynb``:
:func:`framing_config` (which config is followed, and why that one),
:func:`framing_card` (the card it describes, with the notebook's overrides) and
:func:`~mltoolkit.framing.save_card`. :func:`frame_problem` runs them in one call.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mltoolkit.framing import (
    CONFIG_NAME,
    ProjectCard,
    ProjectConfig,
    card_from_config,
    demo_config_path,
    find_config,
    load_config,
    save_card,
)

__all__ = ["FramingConfig", "CONFIG_ORIGINS", "framing_config", "framing_card", "frame_problem"]

#: Where the followed config came from: given as a parameter, the project's own file, or the demo's.
CONFIG_ORIGINS = ("given", "project", "demo")


@dataclasses.dataclass(frozen=True)
class FramingConfig:
    """The config the card is made from, and where it came from.

    Attributes
    ----------
    config : ProjectConfig
        The parsed ``mltoolkit.yml`` (with the notebook's project name, when one was given).
    path : str
        The file read.
    origin : str
        One of :data:`CONFIG_ORIGINS`: ``given`` (the ``config_path`` parameter),
        ``project`` (a ``mltoolkit.yml`` found in the working folder or a parent)
        or ``demo`` (none found: the demo's config).
    searched_from : str
        The folder the search started from (the working folder).
    """

    config: ProjectConfig
    path: str
    origin: str
    searched_from: str

    def __repr__(self) -> str:
        return f"FramingConfig({self.origin}: {self.path})"


def framing_config(config_path: str | Path | None = None, *, project_name: str | None = None) -> FramingConfig:
    """Read the ``mltoolkit.yml`` to follow, and say where it came from.

    Parameters
    ----------
    config_path : path, optional
        The file to follow. None: the one in the working folder or its nearest
        parent (a run of ``mltoolkit run`` works two folders below its
        project), else the demo's config.
    project_name : str, optional
        Overrides the config's ``project``.

    Returns
    -------
    FramingConfig

    Raises
    ------
    DataError
        ``config_path`` does not exist.
    ConfigError
        The file is not valid YAML or holds unknown keys, naming the key.
    """
    here = Path.cwd()
    if config_path:
        path, origin = Path(config_path), "given"
    else:
        path = find_config(here)
        origin = "demo" if path == demo_config_path() else "project"
    config = load_config(path)
    if project_name:
        config = dataclasses.replace(config, project=str(project_name))
    shown = path / CONFIG_NAME if path.is_dir() else path
    return FramingConfig(config=config, path=str(shown), origin=origin, searched_from=str(here))


def framing_card(config: FramingConfig, overrides: Mapping[str, Any] | None = None) -> ProjectCard:
    """The project card ``config`` describes, with ``overrides`` (None values keep the config's).

    See :func:`mltoolkit.framing.card_from_config`.

    Raises
    ------
    ConfigError
        A missing or invalid framing value, naming the key of ``mltoolkit.yml`` to edit.
    """
    return card_from_config(config.config, overrides)


def frame_problem(config_path: str | Path | None = None, *, overrides: Mapping[str, Any] | None = None,
                  project_name: str | None = None, card_path: str | Path = "project_card.yml") -> ProjectCard:
    """Write the project card that every later stage reads.

    The three steps in one call: :func:`framing_config`, :func:`framing_card`
    and :func:`~mltoolkit.framing.save_card`.

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
    card = framing_card(framing_config(config_path, project_name=project_name), overrides)
    save_card(card, card_path)
    return card
