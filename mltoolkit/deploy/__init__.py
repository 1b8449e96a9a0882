"""Deployment: model packages, batch prediction, A/B test analysis and rollout.

Names are imported on first use (PEP 562): reading the prediction log's usage
(the monitoring stage, ``mltoolkit drift``) does not load the model package,
batch prediction or the A/B test statistics and the scikit-learn parts they
need; ``from mltoolkit.deploy import predict_batch`` works as usual.
"""
from __future__ import annotations

from mltoolkit._lazy import lazy_exports

#: Public name -> the module defining it.
_EXPORTS = {
    **dict.fromkeys(("ABResult", "analyze_ab_test", "sample_size_per_group", "ROLLOUT_STEPS"), "ab_test"),
    "BatchResult": "batch", "predict_batch": "batch",
    "predict_batch_dask": "batch_dask",
    **dict.fromkeys(("InputSchema", "FieldSpec", "CheckOutcome", "infer_input_schema"), "input_schema"),
    **dict.fromkeys(("ModelPackage", "build_package", "load_package"), "package"),
    **dict.fromkeys(("ReleaseCheck", "ReleaseReport", "release_checks"), "release"),
    **dict.fromkeys(("ALIASES", "register_model", "promote", "rollback", "version_with_alias"), "registry"),
    **dict.fromkeys(("DailyUsage", "UsageSummary", "prediction_usage", "is_prediction_log"), "usage"),
}

__all__ = list(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
