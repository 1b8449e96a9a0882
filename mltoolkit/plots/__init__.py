"""matplotlib figures built from mltoolkit results.

Names are imported on first use (PEP 562): EDA figures do not import the
evaluation and training results the metric figures are drawn from.
"""
from __future__ import annotations

from mltoolkit._lazy import lazy_exports

#: Public name -> the module defining it.
_EXPORTS = {
    **dict.fromkeys(("plot_distribution", "plot_missing", "plot_correlation_heatmap", "plot_target_associations",
                     "plot_target_balance", "plot_feature_vs_target"), "eda"),
    **dict.fromkeys(("plot_column_drift", "plot_drift_over_time", "plot_drift_scores"), "drift"),
    "plot_run_trends": "history",
    **dict.fromkeys(("plot_calibration", "plot_confusion_matrix", "plot_lift_gain", "plot_pr", "plot_residuals",
                     "plot_roc", "plot_slices", "plot_threshold_sweep"), "metrics"),
    **dict.fromkeys(("COLORS", "format_number", "format_share"), "style"),
    **dict.fromkeys(("plot_candidates", "plot_importance"), "training"),
}

__all__ = list(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
