"""nbconvert rendering of executed notebooks and runs into e-mailable HTML reports, and e-mail."""
from mltoolkit.report.compose import REPORT_TAGS, default_report_path, report_for_run
from mltoolkit.report.email import build_message, html_to_text, send_message
from mltoolkit.report.inprocess import DriftReport, drift_report, notebook_with_views, profile_report, streamed_profile_report
from mltoolkit.report.render import available_templates, render_report
from mltoolkit.report.summary import KPI, ExecutiveSummary, collect_summary

__all__ = [
    "available_templates", "render_report", "build_message", "send_message", "html_to_text",
    "report_for_run", "default_report_path", "REPORT_TAGS", "KPI", "ExecutiveSummary", "collect_summary",
    "profile_report", "drift_report", "streamed_profile_report", "notebook_with_views", "DriftReport",
]
