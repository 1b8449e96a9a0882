"""Monitoring compares columns by the kinds data collection decided, not by a fresh guess."""
from __future__ import annotations

import numpy as np
import pandas as pd

from mltoolkit.framing import make_card
from mltoolkit.framing.config import DataConfig
from mltoolkit.stages import collect_data, monitor_stage


def test_monitoring_uses_the_decided_column_kinds(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"region": rng.integers(1, 30, 600), "x": rng.normal(size=600),
                          "y": rng.choice(["a", "b"], 600)})
    table.to_csv("train.csv", index=False)
    table.sample(300, random_state=1).to_csv("current.csv", index=False)
    card = make_card(project="P", task="binary_classification", target="y", metric="roc_auc", threshold=0.6,
                     data=DataConfig(source="train.csv", current="current.csv",
                                     column_kinds={"region": "categorical"}))
    collect_data(None, card)
    result = monitor_stage(card, reference_path="data/train.parquet")
    tests = {c.column: c.test for c in result.report.drift.columns}
    assert tests["region"] == "chisquare" and tests["x"] == "ks"  # region codes are categories, as configured
