"""Views of the monitoring stage's result: the monitoring summary and drift explorer, or why monitoring did not run."""
from __future__ import annotations

from mltoolkit.stages.monitoring import MonitoringStageResult
from mltoolkit.widgets.base import ToolkitWidget, W
from mltoolkit.widgets.drift import DriftWidget
from mltoolkit.widgets.html import badge, esc, section
from mltoolkit.widgets.monitoring import MonitoringSummary, PerformanceWidget

__all__ = ["StageNote", "monitoring_summary", "explore_drift", "explore_performance"]


class StageNote(ToolkitWidget):
    """A stage that did not run, and why (shown the same in JupyterLab and reports)."""

    def __init__(self, title: str, note: str) -> None:
        self.title, self.note = title, note

    def __repr__(self) -> str:
        return f"StageNote({self.title!r}: {self.note})"

    def static_html(self) -> str:
        return section(self.title, f"<p>{badge('skipped', 'warning')} {esc(self.note)}</p>")

    def _build(self) -> W.Widget:
        return W.HTML(f"<div class='mlt'>{self.static_html()}</div>")


def monitoring_summary(result: MonitoringStageResult) -> ToolkitWidget:
    """The monitoring verdict, or a note saying why monitoring did not run."""
    return MonitoringSummary(result.report) if result.report is not None else StageNote("Monitoring", result.note)


def explore_drift(result: MonitoringStageResult) -> ToolkitWidget:
    """The drift explorer of the monitoring report, or a note saying why there is none."""
    return DriftWidget(result.report.drift) if result.report is not None else StageNote("Drift by feature",
                                                                                       result.note)


def explore_performance(result: MonitoringStageResult) -> ToolkitWidget:
    """Performance in production with a chunk picker, or a note saying why it was not measured."""
    if result.report is not None and result.report.production is not None:
        return PerformanceWidget(result.report.production)
    return StageNote("Performance in production", result.note or result.performance_note)
