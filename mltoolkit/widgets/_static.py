"""A widget whose live view is its static HTML (nothing to click): the step views of the stage notebooks."""
from __future__ import annotations

import ipywidgets as W

from mltoolkit.widgets.base import ToolkitWidget

__all__ = ["StaticView"]


class StaticView(ToolkitWidget):
    """Subclasses implement :meth:`static_html`; JupyterLab and reports show the same HTML."""

    def _build(self) -> W.Widget:
        return W.HTML(f"<div class='mlt'>{self.static_html()}</div>")
