"""What every mltoolkit widget shares: a live ipywidgets view plus a static fallback.

A widget object's ``_repr_mimebundle_`` offers both the ipywidgets view and
static HTML (tables and embedded PNG charts). JupyterLab with a live kernel
shows the interactive view; papermill output opened without a kernel,
nbconvert reports and e-mail show the static HTML, so a report always has the
content.
"""
from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterable
from typing import Any

from mltoolkit._lazy import LazyModule

W = LazyModule("ipywidgets")  # imported when a live view is built, not for a report's static HTML

from mltoolkit.widgets.html import WIDGET_CSS, wrap

__all__ = ["StaticView", "ToolkitWidget", "instance_cache", "png_image", "prefetch_when_idle"]

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


class StaticView(ToolkitWidget):
    """A view with nothing to click: its live view is its static HTML, the same in JupyterLab and in reports.

    Subclasses implement :meth:`static_html` only (the stage notebooks' step views).
    """

    def _build(self) -> W.Widget:
        return W.HTML(f"<div class='mlt'>{self.static_html()}</div>")


def png_image(max_width: str, value: bytes = b"") -> W.Image:
    """A PNG image widget that scales down to ``max_width`` keeping its aspect ratio (inside flex rows too)."""
    return W.Image(value=value, format="png", layout=W.Layout(max_width=max_width, height="auto", object_fit="contain"))


def prefetch_when_idle(jobs: Iterable[Callable[[], object]], *, start_after_s: float = 0.5,
                       gap_s: float = 0.02) -> bool:
    """Run cached renderings one at a time while the kernel is idle, so later clicks find them ready.

    Each job runs as a callback on the kernel's event loop, one per tick, so a
    click arriving meanwhile waits for at most one job. Outside a running event
    loop (plain Python, tests) nothing is scheduled. A job that fails is skipped:
    the same error shows when that item is picked.

    Returns
    -------
    bool
        Whether prefetching was scheduled.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return False
    pending = iter(jobs)

    def step() -> None:
        job = next(pending, None)
        if job is None:
            return
        try:
            job()
        except Exception:  # noqa: BLE001 - reported when the item is shown, not in the background
            pass
        loop.call_later(gap_s, step)

    loop.call_later(start_after_s, step)
    return True


class instance_cache:
    """``functools.lru_cache`` for a method, but one cache per object, freed with the object.

    A class-level ``lru_cache`` would keep every widget (and the data it holds)
    alive for the whole session and share one size limit among all of them.
    """

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self.func: Callable[..., Any] | None = None
        self.name = ""

    def __call__(self, func: Callable[..., Any]) -> instance_cache:
        self.func = func
        self.__doc__ = func.__doc__
        return self

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        cached = functools.lru_cache(maxsize=self.maxsize)(self.func.__get__(obj, objtype))
        obj.__dict__[self.name] = cached  # later lookups find the instance's own cache first
        return cached
