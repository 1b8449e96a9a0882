"""Model evaluation: metrics, threshold curves, calibration, lift and per-slice performance.

Names are imported on first use (PEP 562): reading the metric registry (as the
project card does) does not import scikit-learn.
"""
from __future__ import annotations

from mltoolkit._lazy import lazy_exports

# Imported now (it needs nothing): the function shares its module's name, which a later import of the
# submodule would otherwise leave bound to the package attribute.
from mltoolkit.evaluate.model_card import model_card, model_card_markdown

#: Public name -> the module defining it.
_EXPORTS = {
    **dict.fromkeys(("CalibrationCurve", "LiftGain", "ThresholdCurves", "calibration_curve", "lift_gain",
                     "threshold_curves"), "curves"),
    **dict.fromkeys(("METRICS", "TASKS", "ClassificationMetrics", "MetricInfo", "MulticlassMetrics",
                     "RegressionMetrics", "ResidualSummary", "check_metric_for_task", "classification_metrics",
                     "metric_value", "missing_classes", "multiclass_metrics", "regression_metrics",
                     "residual_summary"), "metrics"),
    **dict.fromkeys(("BootstrapResult", "MetricInterval", "better_side", "bootstrap_metrics"), "bootstrap"),
    **dict.fromkeys(("VERDICTS", "ThresholdChoice", "Verdict", "choose_threshold", "holdout_warnings",
                     "judge"), "criteria"),
    **dict.fromkeys(("FeatureImportance", "permutation_importance"), "importance"),
    **dict.fromkeys(("MetricSpec", "metrics_for", "task_kind"), "registry"),
    **dict.fromkeys(("MISSING", "OTHER", "ColumnSlices", "SliceResult", "SliceRow", "slice_performance"), "slices"),
}

__all__ = list(_EXPORTS) + ["model_card", "model_card_markdown"]

__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
