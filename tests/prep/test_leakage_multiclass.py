"""Leakage check on multiclass targets: a column that separates one class is a feature, a copy of the target a leak."""
from __future__ import annotations

import numpy as np
import pandas as pd

from mltoolkit.prep import leakage_scores


def _frame(n=300, seed=0):
    rng = np.random.default_rng(seed)
    species = rng.choice(["a", "b", "c"], n, p=[0.4, 0.4, 0.2])
    return pd.DataFrame({
        # separates class c from the rest perfectly, a from b not at all (like flipper length for Gentoo)
        "flipper": np.where(species == "c", 220, 190) + rng.normal(0, 3, n),
        "copy": pd.Series(species).map({"a": 1.0, "b": 2.0, "c": 3.0}),
        "noise": rng.normal(size=n), "species": species,
    })


def test_a_column_separating_one_class_is_not_a_leak():
    scores = {s.column: s for s in leakage_scores(_frame(), "species", task_kind="multiclass")}
    assert not scores["flipper"].leaky and 0.7 < scores["flipper"].value < 0.95


def test_a_copy_of_the_target_is_a_leak():
    scores = {s.column: s for s in leakage_scores(_frame(), "species", task_kind="multiclass")}
    assert scores["copy"].leaky and scores["copy"].value > 0.99
    assert not scores["noise"].leaky


def test_penguin_measurements_are_features_not_leaks():
    palmerpenguins = __import__("pytest").importorskip("palmerpenguins")
    df = palmerpenguins.load_penguins().dropna(subset=["species"])
    scores = leakage_scores(df, "species", task_kind="multiclass")
    assert scores and not any(s.leaky for s in scores)  # flipper length alone tells Gentoo apart: biology, no leak
