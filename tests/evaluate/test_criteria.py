"""The verdict against the card: met, not met, or not established by the test rows."""
from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from mltoolkit.evaluate import Verdict, bootstrap_metrics, holdout_warnings, judge
from mltoolkit.framing import make_card


def _judge(card, y, s, **kw):
    boot = bootstrap_metrics(y, s, task="binary", n_boot=1000, seed=0)
    values = {i.metric: i.value for i in boot.intervals}
    return judge(card, values, baseline_name="prior", baseline_metric=card.success.metric, baseline_value=0.5,
                 model_value_for_baseline=values[card.success.metric], uncertainty=boot, n_test=len(y), **kw)


def test_ten_test_rows_do_not_establish_the_criterion():
    # roc_auc 0.833 on 10 rows used to read "criterion met".
    y = np.array([0, 0, 0, 0, 1, 0, 1, 1, 1, 1])
    s = np.array([.1, .2, .3, .45, .4, .7, .6, .8, .9, .95])
    card = make_card(project="P", task="binary_classification", target="y", metric="roc_auc", threshold=0.8)
    v = _judge(card, y, s)
    assert v.value == pytest.approx(roc_auc_score(y, s))
    assert v.ci_low < 0.8 < v.ci_high
    assert v.verdict == "not established" and v.met is False
    assert "not established" in v.message and "95% CI" in v.message and "10 test rows" in v.message


def test_criterion_met_and_not_met_when_the_interval_clears_the_threshold():
    rng = np.random.default_rng(0)
    y = (rng.random(2000) < 0.4).astype(int)
    s = np.clip(0.4 * y + 0.6 * rng.random(2000), 0, 1)
    met = make_card(project="P", task="binary_classification", target="y", metric="roc_auc", threshold=0.7)
    v = _judge(met, y, s)
    assert v.verdict == "met" and v.met is True and v.ci_low >= 0.7 and v.baseline_verdict == "beats"
    missed = make_card(project="P", task="binary_classification", target="y", metric="roc_auc", threshold=0.99)
    v = _judge(missed, y, s)
    assert v.verdict == "not met" and v.met is False and "NOT met" in v.message


def test_judge_without_intervals_keeps_the_point_verdict():
    card = make_card(project="P", task="binary_classification", target="y", metric="f1", threshold=0.5)
    v = judge(card, {"f1": 0.6}, baseline_name="b", baseline_metric="f1", baseline_value=0.4,
              model_value_for_baseline=0.6)
    assert v.verdict == "met" and v.met and v.beats_baseline and v.ci_low is None and v.n_boot == 0


def test_verdict_round_trips_through_json_and_reads_old_files():
    card = make_card(project="P", task="binary_classification", target="y", metric="f1", threshold=0.5)
    v = _judge(card, np.array([0, 1] * 20), np.linspace(0, 1, 40), warnings=("w",), missing_classes=())
    assert Verdict.from_dict(json.loads(json.dumps(v.to_dict()))) == v
    old = {k: val for k, val in v.to_dict().items() if k in ("metric", "value", "threshold", "direction", "met",
                                                             "message", "constraint_metric", "constraint_value",
                                                             "constraint_threshold", "baseline", "beats_baseline",
                                                             "decision_threshold")}
    assert Verdict.from_dict(old).metric == "f1"


def test_holdout_warnings_name_missing_classes_and_small_splits():
    w = holdout_warnings(["a"] * 12 + ["b"] * 5, task="multiclass", labels=["a", "b", "c"])
    assert any("'c'" in x and "never occurs" in x for x in w)
    assert any("only 5 test rows of class 'b'" in x for x in w)
    assert any("only 17 test rows" in x for x in w)
    assert holdout_warnings(["a"] * 40 + ["b"] * 40, task="multiclass", labels=["a", "b"]) == ()
    assert any("one class only" in x for x in holdout_warnings([0] * 50, task="binary", labels=["0", "1"]))
