"""Build a small demo model package for the deployment benchmarks (in a temporary folder)."""
from __future__ import annotations

import os
from pathlib import Path


def demo_package(folder: Path, rows: int = 20_000) -> Path:
    """Train the demo model (linear, no tuning, no tracking) in ``folder`` and package it; returns the package."""
    from mltoolkit.deploy import build_package
    from mltoolkit.framing import make_card
    from mltoolkit.stages import collect_data, evaluate_stage, prepare_data, train_stage

    cwd = os.getcwd()
    folder.mkdir(parents=True, exist_ok=True)
    os.chdir(folder)
    try:
        card = make_card(project="bench", task="binary_classification", target="converted", metric="f1",
                         threshold=0.3)
        collect_data(f"demo://trial_conversion?rows={rows}", card)
        prepare_data(card)
        train_stage(card, candidates=["hist_gradient_boosting"], time_budget_s=0, track=False)
        evaluate_stage(card, importance_repeats=0)
        return build_package("package", overwrite=True).resolve()
    finally:
        os.chdir(cwd)
