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
    "FramingConfig": "framing", "framing_config": "framing", "framing_card": "framing",
    "collect_data": "collection", "CollectionResult": "collection", "resolve_expectations": "collection",
    **dict.fromkeys(("LoadedData", "DecidedSchema", "CollectedSplit", "load_source", "drop_missing_labels", "decide_schema", "validate_data", "split_data", "save_collected"), "collection"),
    "explore_data": "eda",
    "prepare_data": "preparation", "PreparationResult": "preparation", "decided_schema": "preparation",
    "check_target_leakage": "preparation", "fit_preprocessing": "preparation", "feature_preview": "preparation", "save_preparation": "preparation", "preparation_setup": "preparation", "PreparationSetup": "preparation", "add_feature_step": "preparation", "ColumnDecision": "preparation",
    "train_stage": "training", "TrainingData": "training", "training_setup": "training",
    "compare_candidates": "training", "tune_best": "training", "finish_training": "training",
    "evaluate_stage": "evaluation", "EvaluationResult": "evaluation", "default_slice_columns": "evaluation",
    "HeldOutScores": "evaluation_scores", "score_held_out": "evaluation_scores", "judge_held_out": "evaluation_scores",
    "slice_held_out": "evaluation", "importance_held_out": "evaluation", "finish_evaluation": "evaluation",
    "deploy_stage": "deployment", "DeploymentResult": "deployment",
    "package_model": "deployment", "check_release": "deployment", "score_batch": "deployment",
    "read_ab_test": "deployment", "finish_deployment": "deployment",
    "SampleRequest": "deployment_request", "sample_request": "deployment_request",
    "monitor_stage": "monitoring", "MonitoringStageResult": "monitoring", "MONITORING_DEFAULTS": "monitoring",
    "retrain_stage": "retraining", "RetrainingResult": "retraining",
    **dict.fromkeys(("RetrainingDecision", "NewLabels", "Challenger", "HeadToHead", "check_new_labels", "train_challenger", "compare_with_champion", "decide_retraining"), "retraining"),
}

__all__ = list(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
