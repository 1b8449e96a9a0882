"""matplotlib/seaborn figures built from mltoolkit results."""
from mltoolkit.plots.eda import (
    plot_correlation_heatmap,
    plot_distribution,
    plot_feature_vs_target,
    plot_missing,
    plot_target_associations,
    plot_target_balance,
)
from mltoolkit.plots.drift import plot_column_drift, plot_drift_over_time, plot_drift_scores
from mltoolkit.plots.history import plot_run_trends
from mltoolkit.plots.metrics import (
    plot_calibration,
    plot_confusion_matrix,
    plot_lift_gain,
    plot_pr,
    plot_residuals,
    plot_roc,
    plot_slices,
    plot_threshold_sweep,
)
from mltoolkit.plots.style import COLORS, format_number, format_share
from mltoolkit.plots.training import plot_candidates, plot_importance

__all__ = [
    "plot_distribution", "plot_missing", "plot_correlation_heatmap", "plot_target_associations",
    "plot_target_balance", "plot_feature_vs_target", "plot_column_drift", "plot_drift_scores",
    "plot_drift_over_time", "COLORS", "format_number", "format_share", "plot_confusion_matrix", "plot_roc",
    "plot_pr", "plot_threshold_sweep", "plot_calibration", "plot_lift_gain", "plot_residuals", "plot_slices",
    "plot_candidates", "plot_importance", "plot_run_trends",
]
