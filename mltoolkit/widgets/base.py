"""What every mltoolkit widget shares: a live ipywidgets view plus a static fallback.

A widget object's ``_repr_mimebundle_`` offers both the ipywidgets view and
static HTML (tables and embedded PNG charts). JupyterLab with a live kernel
shows the interactive view; papermill output opened without a kernel,
nbconvert reports and e-mail show the static HTML, so a report always has the
content.
"""
from __future__ import annotations

from typing import Any

import ipywidgets as W

from mltoolkit.widgets.html import WIDGET_CSS, wrap

__all__ = ["ToolkitWidget", "png_image"]

#: Layout shared by all widgets: fits a 1366-pixel laptop screen beside JupyterLab's sidebar.
MAX_WIDTH = "1050px"


class ToolkitWidget:
    """Base class: subclasses implement :meth:`_build` (ipywidgets) and :meth:`static_html`."""

    _view: W.Widget | None = None

    @property
    def view(self) -> W.Widget:
        """The interactive ipywidgets view, built on first use."""
        if self._view is None:
            # The shared stylesheet travels with every live view (badges, tables, colours).
            self._view = W.VBox([W.HTML(f"<style>{WIDGET_CSS}</style>"), self._build()])
            self._view.layout.max_width = MAX_WIDTH
            self._view.add_class("mlt-widget")
        return self._view

    def _build(self) -> W.Widget:
        raise NotImplementedError

    def static_html(self) -> str:
        """The whole content as self-contained HTML (no JavaScript)."""
        raise NotImplementedError

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = {"text/plain": repr(self), "text/html": wrap(self.static_html())}
        view_bundle = self.view._repr_mimebundle_(include=include, exclude=exclude) or {}
        bundle.update({k: v for k, v in view_bundle.items() if k != "text/plain"})
        return bundle


def png_image(max_width: str, value: bytes = b"") -> W.Image:
    """A PNG image widget that scales down to ``max_width`` keeping its aspect ratio (inside flex rows too)."""
    return W.Image(value=value, format="png", layout=W.Layout(max_width=max_width, height="auto", object_fit="contain"))
