"""nbconvert rendering of executed notebooks and runs into e-mailable HTML reports, and e-mail.

Names are imported on first use (PEP 562): sending an e-mail does not import
nbconvert, and rendering does not import the run pipeline.
"""
from __future__ import annotations

from mltoolkit._lazy import lazy_exports

#: Public name -> the module defining it.
_EXPORTS = {
    "available_templates": "render", "render_report": "render",
    "build_message": "email", "send_message": "email", "html_to_text": "email",
    "report_for_run": "compose", "default_report_path": "compose", "REPORT_TAGS": "compose",
    "KPI": "summary", "ExecutiveSummary": "summary", "collect_summary": "summary",
    "profile_report": "inprocess", "drift_report": "inprocess", "streamed_profile_report": "inprocess",
    "notebook_with_views": "inprocess", "DriftReport": "inprocess",
}

__all__ = list(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
