"""Loading, schema inference, fingerprints and demo data."""
from mltoolkit.data.demo import DEMO_SCHEME, DRIFTED_COLUMNS, TARGET, load_demo, make_trial_conversion
from mltoolkit.data.fingerprint import DatasetFingerprint, fingerprint
from mltoolkit.data.load import load
from mltoolkit.data.schema import KINDS, ColumnSchema, Schema, infer_schema

__all__ = [
    "load", "infer_schema", "Schema", "ColumnSchema", "KINDS",
    "fingerprint", "DatasetFingerprint", "make_trial_conversion", "load_demo", "DEMO_SCHEME",
    "DRIFTED_COLUMNS", "TARGET",
]
