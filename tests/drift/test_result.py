"""The dataset verdict: one rule, checked by hand on small column sets."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mltoolkit.drift import ColumnDrift, dataset_verdict, detect_drift


def _col(name: str, drifted: bool, test: str = "ks") -> ColumnDrift:
    p = None if test == "skipped" else (0.01 if drifted else 0.5)
    return ColumnDrift(name, "numeric", test, None if p is None else 0.3, p, 0.05, drifted, float(drifted), 0.0, 0.0,
                       100, 100)


def test_verdict_counts_broken_columns_and_leaves_out_skipped_ones_and_the_target():
    cols = [_col("a", True), _col("b", False), _col("c", False), _col("type_changed", True, "skipped"),
            _col("day_index", False, "skipped"), _col("y", True)]
    v = dataset_verdict(cols, 0.5, target="y")
    # Counted by hand: a, b, c and the broken column; 2 of 4 drifted.
    assert (v.n_tested, v.n_drifted, v.share_drifted) == (4, 2, 0.5)
    assert v.dataset_drift and v.target_drifted
    assert not dataset_verdict(cols, 0.51, target="y").dataset_drift
    assert dataset_verdict(cols, 0.5).n_tested == 5  # without a declared target, y is a feature like any other
    assert not dataset_verdict([_col("x", False, "skipped")], 0.1).dataset_drift  # nothing compared: no verdict


def test_reflagging_with_unchanged_thresholds_keeps_the_verdict_of_detection():
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"x": rng.normal(size=300), "z": rng.normal(size=300)})
    cur = pd.DataFrame({"x": ["n/a", "high", "low"] * 100, "z": rng.normal(size=300)})  # x: type changed
    r = detect_drift(ref, cur, drift_share=0.5)
    assert (r.n_tested, r.n_drifted, r.dataset_drift) == (2, 1, True)
    again = r.with_thresholds()
    assert (again.n_tested, again.n_drifted, again.dataset_drift) == (r.n_tested, r.n_drifted, r.dataset_drift)


def test_target_is_judged_on_its_own_and_left_out_of_the_share():
    rng = np.random.default_rng(1)
    n = 2000
    ref = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "y": rng.random(n) < 0.2})
    cur = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "y": rng.random(n) < 0.5})
    r = detect_drift(ref, cur, target="y")
    assert r.target == "y" and r.target_drifted and r.target_drift.drifted
    assert (r.n_tested, r.n_drifted, r.dataset_drift) == (2, 0, False)
    assert r.to_dict()["target_drifted"] is True
    assert r.with_thresholds(drift_share=0.1).target_drifted  # re-flagging keeps the target apart
    with pytest.raises(Exception, match="target 'label'"):
        detect_drift(ref, cur, target="label")
