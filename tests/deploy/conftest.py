"""A small trained model package shared by the deployment tests (built once per session)."""
from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def package(trained_project) -> Path:
    """A project folder's ``package/``: a linear model trained and evaluated on 1,500 demo rows."""
    return trained_project(1500, "deploy") / "package"
