"""The model card shows the verdict and the interval of every test metric."""
from __future__ import annotations

import numpy as np

from mltoolkit.evaluate import bootstrap_metrics, classification_metrics, judge, model_card, model_card_markdown
from mltoolkit.framing import make_card


def test_model_card_shows_verdict_intervals_and_warnings():
    rng = np.random.default_rng(0)
    y = (rng.random(60) < 0.5).astype(int)
    s = np.clip(0.3 * y + 0.7 * rng.random(60), 0, 1)
    card = make_card(project="P", task="binary_classification", target="y", metric="roc_auc", threshold=0.75)
    boot = bootstrap_metrics(y, s, task="binary", n_boot=500, seed=0)
    values = {i.metric: i.value for i in boot.intervals}
    v = judge(card, values, baseline_name="b", baseline_metric="roc_auc", baseline_value=0.5,
              model_value_for_baseline=values["roc_auc"], uncertainty=boot, n_test=60, warnings=("few rows",))
    mc = model_card(card=card.to_dict(), model_info={"features": ["x"]}, verdict=v.to_dict(),
                    metrics=classification_metrics(y, s).to_dict(), split=None, slices_flagged=[], importance=None,
                    threshold_rule=None, calibration_gap=None)
    md = model_card_markdown(mc)
    roc = boot.interval("roc_auc")
    assert mc["performance"]["verdict"] == v.verdict
    assert f"Verdict: **{v.verdict}**" in md
    assert f"| roc_auc | {roc.value:.4g} | {roc.ci_low:.4g} to {roc.ci_high:.4g} |" in md
    assert "95% percentile bootstrap" in md and "- few rows" in md
