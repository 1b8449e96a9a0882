"""What each lifecycle stage does, as one call per stage; the stage notebooks call these.

Names are imported on first use (PEP 562): a stage pays only for its own
imports (the EDA stage never loads skops or the training libraries), and
``from mltoolkit.stages import explore_data`` works as usual.
"""
from __future__ import annotations

from mltoolkit._lazy import lazy_exports

#: Public name -> the module defining it.
_EXPORTS = {
    "frame_problem": "framing",
    "collect_data": "collection", "CollectionResult": "collection", "resolve_expectations": "collection",
    "explore_data": "eda",
    "prepare_data": "preparation", "PreparationResult": "preparation", "decided_schema": "preparation",
    "train_stage": "training", "TrainingData": "training", "training_setup": "training",
    "compare_candidates": "training", "tune_best": "training", "finish_training": "training",
    "evaluate_stage": "evaluation", "EvaluationResult": "evaluation", "default_slice_columns": "evaluation",
    "deploy_stage": "deployment", "DeploymentResult": "deployment",
    "monitor_stage": "monitoring", "MonitoringStageResult": "monitoring", "MONITORING_DEFAULTS": "monitoring",
    "retrain_stage": "retraining", "RetrainingResult": "retraining",
}

__all__ = list(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
