"""ipywidgets views with static HTML fallbacks for reports.

Names are imported on first use (PEP 562): showing the EDA widget does not
import the evaluation widgets' libraries.
"""
from __future__ import annotations

from mltoolkit._lazy import lazy_exports

#: Public name -> the module defining it.
_EXPORTS = {
    "ToolkitWidget": "base", "StaticView": "base",
    "EDAWidget": "eda", "EDASummary": "eda",
    "DriftWidget": "drift",
    "MetricsWidget": "metrics",
    "MonitoringSummary": "monitoring",
    "StageNote": "monitoring_stage", "monitoring_summary": "monitoring_stage", "explore_drift": "monitoring_stage",
    "PreparationSetupView": "preparation", "LeakageCheck": "preparation", "FeaturePreviewTable": "preparation", "PreparationSaved": "preparation",
    **dict.fromkeys(("TrainingSetupSummary", "Leaderboard", "TrainingSummary", "EvaluationDetails",
                     "explore_evaluation"), "stages"),
    **dict.fromkeys(("HeldOutSummary", "VerdictCard", "SliceTable", "ImportanceChart", "ModelCardView"), "evaluation_views"),
    **dict.fromkeys(("PackageContents", "ReleaseChecksTable", "SampleRequestView", "BatchSummary", "ABTestSummary", "ServingInstructions"), "deployment_views"),
    **dict.fromkeys(("ConfigSource", "BusinessFraming", "TaskFraming", "CardData", "CardSaved", "LoadedTable", "LabelsCheck", "ColumnKinds", "ValidationChecks", "SplitParts", "CollectionSaved", "NewLabelsCheck", "ChallengerTrained", "ChampionVsChallenger", "RetrainingDecisionView"), "step_views"),
}

__all__ = list(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
