"""Locate the stage notebooks and nbconvert templates.

In a built wheel they ship as package data under ``mltoolkit/_bundled``; in a
source checkout (editable install) they are the top-level ``notebooks/`` and
``templates/`` folders that people edit.
"""
from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _lookup(name: str) -> Path:
    bundled = _PACKAGE_DIR / "_bundled" / name
    if bundled.is_dir():
        return bundled
    source = _PACKAGE_DIR.parent / name
    if source.is_dir():
        return source
    raise FileNotFoundError(
        f"mltoolkit's {name}/ folder is missing from {bundled} and {source}; reinstall mltoolkit"
    )


def notebooks_dir() -> Path:
    """Folder holding the stage notebook templates."""
    return _lookup("notebooks")


def templates_dir() -> Path:
    """Folder holding the nbconvert templates."""
    return _lookup("templates")
