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
from mltoolkit.plots.style import COLORS, format_number, format_share

__all__ = [
    "plot_distribution", "plot_missing", "plot_correlation_heatmap", "plot_target_associations",
    "plot_target_balance", "plot_feature_vs_target", "plot_column_drift", "plot_drift_scores",
    "plot_drift_over_time", "COLORS", "format_number", "format_share",
]
