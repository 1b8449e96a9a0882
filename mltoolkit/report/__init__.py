"""nbconvert rendering of executed notebooks into e-mailable HTML reports."""
from mltoolkit.report.render import available_templates, render_report

__all__ = ["available_templates", "render_report"]
