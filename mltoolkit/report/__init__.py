"""nbconvert rendering of executed notebooks into e-mailable HTML reports, and e-mail."""
from mltoolkit.report.email import build_message, html_to_text, send_message
from mltoolkit.report.render import available_templates, render_report

__all__ = ["available_templates", "render_report", "build_message", "send_message", "html_to_text"]
