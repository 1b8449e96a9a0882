"""Model evaluation: metrics, threshold curves, calibration, lift and per-slice performance."""
from mltoolkit.evaluate.curves import (
    CalibrationCurve,
    LiftGain,
    ThresholdCurves,
    calibration_curve,
    lift_gain,
    threshold_curves,
)
from mltoolkit.evaluate.metrics import (
    METRICS,
    TASKS,
    ClassificationMetrics,
    MetricInfo,
    MulticlassMetrics,
    RegressionMetrics,
    ResidualSummary,
    check_metric_for_task,
    classification_metrics,
    metric_value,
    missing_classes,
    multiclass_metrics,
    regression_metrics,
    residual_summary,
)
from mltoolkit.evaluate.bootstrap import BootstrapResult, MetricInterval, better_side, bootstrap_metrics
from mltoolkit.evaluate.criteria import VERDICTS, ThresholdChoice, Verdict, choose_threshold, holdout_warnings, judge
from mltoolkit.evaluate.importance import FeatureImportance, permutation_importance
from mltoolkit.evaluate.model_card import model_card, model_card_markdown
from mltoolkit.evaluate.registry import MetricSpec, metrics_for, task_kind
from mltoolkit.evaluate.slices import MISSING, OTHER, ColumnSlices, SliceResult, SliceRow, slice_performance

__all__ = [
    "classification_metrics", "ClassificationMetrics", "multiclass_metrics", "MulticlassMetrics",
    "regression_metrics", "RegressionMetrics", "residual_summary", "ResidualSummary", "METRICS", "TASKS",
    "MetricInfo", "metric_value", "check_metric_for_task", "missing_classes",
    "bootstrap_metrics", "BootstrapResult", "MetricInterval", "better_side", "VERDICTS", "holdout_warnings",
    "threshold_curves", "ThresholdCurves", "calibration_curve", "CalibrationCurve", "lift_gain", "LiftGain",
    "slice_performance", "SliceResult", "ColumnSlices", "SliceRow", "MISSING", "OTHER",
    "ThresholdChoice", "Verdict", "choose_threshold", "judge", "FeatureImportance", "permutation_importance",
    "model_card", "model_card_markdown", "MetricSpec", "metrics_for", "task_kind",
]
