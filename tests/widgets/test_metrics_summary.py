"""The verdict card's static HTML: three-valued verdict, intervals, warnings; one-class plots."""
from __future__ import annotations

import numpy as np
import pandas as pd

from mltoolkit.evaluate import bootstrap_metrics, classification_metrics, judge, threshold_curves
from mltoolkit.framing import make_card
from mltoolkit.plots.metrics import plot_pr, plot_roc
from mltoolkit.stages.evaluation import EvaluationResult
from mltoolkit.widgets import MetricsWidget, VerdictCard


def _result(y, s, warnings=()):
    card = make_card(project="P", task="binary_classification", target="y", metric="roc_auc", threshold=0.8)
    boot = bootstrap_metrics(y, s, task="binary", labels=[0, 1], n_boot=300, seed=0)
    values = {i.metric: i.value for i in boot.intervals}
    v = judge(card, values, baseline_name="prior", baseline_metric="roc_auc", baseline_value=0.5,
              model_value_for_baseline=values["roc_auc"], uncertainty=boot, n_test=len(y), warnings=warnings)
    return EvaluationResult(task_kind="binary", verdict=v, metrics=classification_metrics(y, s, labels=[0, 1]),
                            threshold=None, curves=threshold_curves(y, s, labels=[0, 1]), calibration=None, lift=None,
                            residuals=None, slices=None, importance=None, model_card={},
                            predictions=pd.DataFrame(), uncertainty=boot)


def test_summary_shows_not_established_with_interval_and_warnings():
    y = np.array([0, 0, 0, 0, 1, 0, 1, 1, 1, 1])
    s = np.array([.1, .2, .3, .45, .4, .7, .6, .8, .9, .95])
    r = _result(y, s, warnings=("only 10 test rows (fewer than 30): too few to decide",))
    html = VerdictCard(r.verdict).static_html()
    assert "NOT ESTABLISHED" in html and "PASS" not in html
    assert "95% CI" in html and "only 10 test rows" in html and "300 resamples" in html
    assert "not established" in repr(VerdictCard(r.verdict))


def test_one_class_rows_plot_and_show_undefined_curves():
    y, s = np.zeros(30, dtype=int), np.linspace(0, 1, 30)
    r = _result(y, s)
    assert r.verdict.verdict == "not established" and "undefined" in r.verdict.message
    texts = [t.get_text() for t in plot_roc(r.curves, threshold=0.5).axes[0].texts]
    assert any("ROC curve undefined" in t for t in texts)
    assert any("undefined" in t.get_text() for t in plot_pr(r.curves, threshold=0.5).axes[0].texts)
    html = MetricsWidget(r.curves, threshold=0.5).static_html()
    assert "Every row is negative" in html
    assert "NOT ESTABLISHED" in VerdictCard(r.verdict).static_html()
