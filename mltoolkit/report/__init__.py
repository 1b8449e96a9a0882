"""nbconvert rendering of executed notebooks and runs into e-mailable HTML reports, and e-mail.

Names are imported on first use (PEP 562): sending an e-mail does not import
nbconvert, and rendering does not import the run pipeline.
"""
from __future__ import annotations

import importlib
from typing import Any

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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
