"""ipywidgets views with static HTML fallbacks for reports."""
from mltoolkit.widgets.base import ToolkitWidget
from mltoolkit.widgets.drift import DriftWidget
from mltoolkit.widgets.eda import EDASummary, EDAWidget
from mltoolkit.widgets.metrics import MetricsWidget
from mltoolkit.widgets.monitoring import MonitoringSummary
from mltoolkit.widgets.monitoring_stage import StageNote, explore_drift, monitoring_summary
from mltoolkit.widgets.stages import (
    CardSummary,
    CollectionSummary,
    DeploymentSummary,
    EvaluationDetails,
    EvaluationSummary,
    PreparationSummary,
    RetrainingSummary,
    TrainingSummary,
    explore_evaluation,
)

__all__ = [
    "ToolkitWidget", "EDAWidget", "EDASummary", "DriftWidget", "MonitoringSummary", "MetricsWidget",
    "CardSummary", "CollectionSummary", "PreparationSummary", "TrainingSummary", "EvaluationSummary",
    "EvaluationDetails", "explore_evaluation", "DeploymentSummary",
    "RetrainingSummary", "StageNote", "monitoring_summary", "explore_drift",
]
