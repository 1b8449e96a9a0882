"""Exploratory data analysis: ``profile`` and its result types.

Names are imported on first use (PEP 562): the drift charts read the result
types' helpers without loading the profiler and the scipy parts it needs;
``from mltoolkit.eda import profile`` works as usual.
"""
from __future__ import annotations

from mltoolkit._lazy import lazy_exports

#: Public name -> the module defining it.
_EXPORTS = {
    "AlertThresholds": "alert_rules",
    "FeatureTargetSummary": "feature_target", "feature_vs_target": "feature_target",
    "profile": "profiling",
    "profile_stream": "streaming",
    **dict.fromkeys(("Alert", "CategoricalStats", "CategoryCount", "ColumnProfile", "CorrelationMatrix",
                     "CorrelationPair", "Correlations", "DatetimeStats", "FeatureAssociation", "Histogram",
                     "NumericStats", "Overview", "ProfileResult", "TargetAnalysis", "TextStats"), "result"),
}

__all__ = [
    "profile", "profile_stream", "feature_vs_target", "FeatureTargetSummary", "AlertThresholds",
    "ProfileResult", "Overview", "ColumnProfile", "NumericStats", "CategoricalStats", "CategoryCount",
    "DatetimeStats", "TextStats", "Histogram", "Correlations", "CorrelationMatrix", "CorrelationPair",
    "TargetAnalysis", "FeatureAssociation", "Alert",
]

__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
