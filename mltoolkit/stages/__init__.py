"""What each lifecycle stage does, as one call per stage; the stage notebooks call these."""
from mltoolkit.stages.collection import CollectionResult, collect_data, resolve_expectations
from mltoolkit.stages.deployment import DeploymentResult, deploy_stage
from mltoolkit.stages.eda import explore_data
from mltoolkit.stages.evaluation import EvaluationResult, default_slice_columns, evaluate_stage
from mltoolkit.stages.framing import frame_problem
from mltoolkit.stages.monitoring import MONITORING_DEFAULTS, MonitoringStageResult, monitor_stage
from mltoolkit.stages.preparation import PreparationResult, decided_schema, prepare_data
from mltoolkit.stages.retraining import RetrainingResult, retrain_stage
from mltoolkit.stages.training import train_stage

__all__ = [
    "frame_problem", "collect_data", "explore_data", "CollectionResult", "resolve_expectations", "prepare_data", "PreparationResult",
    "decided_schema", "train_stage", "evaluate_stage", "EvaluationResult", "default_slice_columns", "deploy_stage",
    "DeploymentResult", "monitor_stage", "MonitoringStageResult", "MONITORING_DEFAULTS", "retrain_stage",
    "RetrainingResult",
]
