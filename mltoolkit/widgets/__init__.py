"""ipywidgets views with static HTML fallbacks for reports."""
from mltoolkit.widgets.base import ToolkitWidget
from mltoolkit.widgets.drift import DriftWidget
from mltoolkit.widgets.eda import EDASummary, EDAWidget
from mltoolkit.widgets.monitoring import MonitoringSummary

__all__ = ["ToolkitWidget", "EDAWidget", "EDASummary", "DriftWidget", "MonitoringSummary"]
