"""ipywidgets views with static HTML fallbacks for reports.

Names are imported on first use (PEP 562): showing the EDA widget does not
import the evaluation widgets' libraries.
"""
from __future__ import annotations

import importlib
from typing import Any

#: Public name -> the module defining it.
_EXPORTS = {
    "ToolkitWidget": "base",
    "EDAWidget": "eda", "EDASummary": "eda",
    "DriftWidget": "drift",
    "MetricsWidget": "metrics",
    "MonitoringSummary": "monitoring",
    "StageNote": "monitoring_stage", "monitoring_summary": "monitoring_stage", "explore_drift": "monitoring_stage",
    "CardSummary": "stages", "CollectionSummary": "stages", "PreparationSummary": "stages",
    "TrainingSummary": "stages", "EvaluationSummary": "stages", "EvaluationDetails": "stages",
    "explore_evaluation": "stages", "DeploymentSummary": "stages", "RetrainingSummary": "stages",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
