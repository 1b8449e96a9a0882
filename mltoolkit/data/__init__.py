"""Loading, schema inference, fingerprints and demo data."""
from mltoolkit.data.decided_schema import decided_schema
from mltoolkit.data.demo import DEMO_EXPECTATIONS, DEMO_SCHEME, DRIFTED_COLUMNS, TARGET, load_demo, make_trial_conversion
from mltoolkit.data.expectations import Expectations, ValidationReport, check_expectations
from mltoolkit.data.experiment import make_experiment_log
from mltoolkit.data.fingerprint import DatasetFingerprint, fingerprint
from mltoolkit.data.load import load
from mltoolkit.data.schema import KINDS, ColumnSchema, Schema, infer_schema
from mltoolkit.data.split import STRATEGIES, Split, SplitSummary, load_split, save_splits, split_dataset

__all__ = [
    "load", "infer_schema", "decided_schema", "Schema", "ColumnSchema", "KINDS",
    "fingerprint", "DatasetFingerprint", "make_trial_conversion", "load_demo", "DEMO_SCHEME",
    "DRIFTED_COLUMNS", "TARGET", "Expectations", "ValidationReport", "check_expectations", "DEMO_EXPECTATIONS",
    "make_experiment_log", "STRATEGIES", "Split", "SplitSummary", "split_dataset", "save_splits", "load_split",
]
