"""Deployment: model packages, batch prediction, A/B test analysis and rollout."""
from mltoolkit.deploy.ab_test import ROLLOUT_STEPS, ABResult, analyze_ab_test, sample_size_per_group
from mltoolkit.deploy.batch import BatchResult, predict_batch
from mltoolkit.deploy.batch_dask import predict_batch_dask
from mltoolkit.deploy.input_schema import CheckOutcome, FieldSpec, InputSchema, infer_input_schema
from mltoolkit.deploy.package import ModelPackage, build_package, load_package
from mltoolkit.deploy.registry import ALIASES, promote, register_model, rollback, version_with_alias
from mltoolkit.deploy.usage import DailyUsage, UsageSummary, is_prediction_log, prediction_usage
from mltoolkit.deploy.release import ReleaseCheck, ReleaseReport, release_checks

__all__ = [
    "ABResult", "analyze_ab_test", "sample_size_per_group", "ROLLOUT_STEPS", "BatchResult", "predict_batch",
    "predict_batch_dask",
    "InputSchema", "FieldSpec", "CheckOutcome", "infer_input_schema", "ModelPackage", "build_package",
    "load_package", "ReleaseCheck", "ReleaseReport", "release_checks", "ALIASES", "register_model", "promote",
    "rollback", "version_with_alias", "DailyUsage", "UsageSummary", "prediction_usage", "is_prediction_log",
]
