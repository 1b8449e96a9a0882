"""A small trained model package shared by the deployment tests (built once per session)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def package(tmp_path_factory) -> Path:
    """A project folder's ``package/``: a linear model trained and evaluated on 1,500 demo rows."""
    from mltoolkit.deploy import build_package
    from mltoolkit.framing import make_card
    from mltoolkit.stages import collect_data, evaluate_stage, prepare_data, train_stage

    root = tmp_path_factory.mktemp("deploy")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        card = make_card(project="P", task="binary_classification", target="converted", metric="f1", threshold=0.3)
        collect_data("demo://trial_conversion?rows=1500", card)
        prepare_data(card)
        train_stage(card, candidates=["linear"], time_budget_s=0, track=False)
        evaluate_stage(card, importance_repeats=0)
        build_package("package")
    finally:
        os.chdir(cwd)
    return root / "package"
