"""Data, prediction and target drift between a reference and a current dataset."""
from mltoolkit.drift.detect import choose_test, compare_columns, detect_drift
from mltoolkit.drift.result import ColumnDrift, DistributionSummary, DriftResult, SchemaChange
from mltoolkit.drift.stats import CATEGORICAL_TESTS, DEFAULT_THRESHOLDS, NUMERIC_TESTS, P_VALUE_TESTS

__all__ = [
    "detect_drift", "choose_test", "compare_columns", "DriftResult", "ColumnDrift", "SchemaChange",
    "DistributionSummary", "NUMERIC_TESTS", "CATEGORICAL_TESTS", "P_VALUE_TESTS", "DEFAULT_THRESHOLDS",
]
