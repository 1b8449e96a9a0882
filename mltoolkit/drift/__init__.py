"""Data, prediction and target drift between a reference and a current dataset."""
from mltoolkit.drift.chunks import ChunkDrift, drift_by_chunk
from mltoolkit.drift.detect import choose_test, compare_columns, detect_drift, excluded_columns
from mltoolkit.drift.multivariate import DomainClassifierResult, domain_classifier_drift
from mltoolkit.drift.performance import PerformanceDrift, actual_performance, estimate_performance, performance_drift
from mltoolkit.drift.reference import PROFILE_VERSION, ColumnReference, ReferenceProfile, build_reference, load_reference, \
    open_reference
from mltoolkit.drift.result import (
    ColumnDrift,
    DatasetVerdict,
    DistributionSummary,
    DriftResult,
    SchemaChange,
    counts_toward_share,
    dataset_verdict,
)
from mltoolkit.drift.stats import CATEGORICAL_TESTS, DEFAULT_THRESHOLDS, NUMERIC_TESTS, P_VALUE_TESTS

__all__ = [
    "detect_drift", "build_reference", "load_reference", "open_reference", "ReferenceProfile", "ColumnReference", "PROFILE_VERSION", "choose_test", "compare_columns", "DriftResult", "ColumnDrift", "SchemaChange",
    "DistributionSummary", "dataset_verdict", "DatasetVerdict", "counts_toward_share", "excluded_columns",
    "drift_by_chunk", "ChunkDrift", "domain_classifier_drift", "DomainClassifierResult",
    "PerformanceDrift", "actual_performance", "estimate_performance", "performance_drift", "NUMERIC_TESTS", "CATEGORICAL_TESTS", "P_VALUE_TESTS", "DEFAULT_THRESHOLDS",
]
