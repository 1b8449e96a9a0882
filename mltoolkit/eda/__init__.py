"""Exploratory data analysis: ``profile`` and its result types."""
from mltoolkit.eda.alert_rules import AlertThresholds
from mltoolkit.eda.feature_target import FeatureTargetSummary, feature_vs_target
from mltoolkit.eda.profiling import profile
from mltoolkit.eda.streaming import profile_stream
from mltoolkit.eda.result import (
    Alert,
    CategoricalStats,
    CategoryCount,
    ColumnProfile,
    CorrelationMatrix,
    CorrelationPair,
    Correlations,
    DatetimeStats,
    FeatureAssociation,
    Histogram,
    NumericStats,
    Overview,
    ProfileResult,
    TargetAnalysis,
    TextStats,
)

__all__ = [
    "profile", "profile_stream", "feature_vs_target", "FeatureTargetSummary", "AlertThresholds",
    "ProfileResult", "Overview", "ColumnProfile", "NumericStats", "CategoricalStats", "CategoryCount",
    "DatetimeStats", "TextStats", "Histogram", "Correlations", "CorrelationMatrix", "CorrelationPair",
    "TargetAnalysis", "FeatureAssociation", "Alert",
]
