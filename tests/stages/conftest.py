"""Shared by the stage-step tests."""
from __future__ import annotations

import shutil

import pytest


@pytest.fixture
def work(project, tmp_path, monkeypatch):
    """The module's ``project`` (a folder where stages ran, and its card) copied as the working folder; the card.

    Each test changes its own copy; the module's project is built once.
    """
    root, card = project
    for name in ("data", "models", "artifacts"):
        shutil.copytree(root / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return card
