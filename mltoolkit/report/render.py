"""Render executed notebooks into self-contained HTML reports with nbconvert."""
from __future__ import annotations

import datetime as _dt
import functools
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mltoolkit import __version__
from mltoolkit._resources import templates_dir
from mltoolkit.errors import ConfigError, DataError

if TYPE_CHECKING:
    import nbformat

__all__ = ["available_templates", "prepare_renderer", "render_report"]

# Static formats only: no widget views or JavaScript (mail clients run none).
_DISPLAY_PRIORITY = ["text/html", "image/svg+xml", "image/png", "image/jpeg", "text/markdown", "text/plain"]


class _Unparsed(str):
    """Stands in for BeautifulSoup in the last pass of nbconvert's HTML exporter (see :func:`_export`)."""

    def __new__(cls, markup: str, features: str | None = None) -> _Unparsed:  # BeautifulSoup's call
        return super().__new__(cls, markup)

    def select(self, selector: str) -> list[Any]:  # nothing to fix in our templates' pages
        return []


_EXPORT_LOCK = threading.Lock()


def _export(exporter: Any, nb: nbformat.NotebookNode, resources: dict[str, Any], *, tidy: bool) -> str:
    """``exporter.from_notebook_node(nb)``; without ``tidy``, less the exporter's last pass.

    nbconvert's ``HTMLExporter`` parses the finished page again with
    BeautifulSoup to give images without alt text a placeholder and JupyterLab's
    cell elements a tab stop, then prints it back, which also drops blank runs
    from third-party HTML (scikit-learn's estimator diagrams: a twentieth of a
    technical report). It costs a tenth of a second, mostly compiling CSS
    selectors. A page made only of mltoolkit's views (their images carry alt
    text, no JupyterLab cell elements, no third-party HTML) gains nothing from it.
    """
    if tidy:
        return exporter.from_notebook_node(nb, resources=resources)[0]
    import nbconvert.exporters.html as html_module

    with _EXPORT_LOCK:
        real = getattr(html_module, "BeautifulSoup", None)
        if real is None:  # another nbconvert: let it do what it does
            return exporter.from_notebook_node(nb, resources=resources)[0]
        html_module.BeautifulSoup = _Unparsed
        try:
            return str(exporter.from_notebook_node(nb, resources=resources)[0])
        finally:
            html_module.BeautifulSoup = real


@functools.cache
def _exporter(template: str) -> Any:
    """The nbconvert exporter of one template, its Jinja template compiled (once per process)."""
    from mltoolkit.report._nbformat import defer_iri_grammar

    defer_iri_grammar()  # before nbconvert imports nbformat, and jsonschema with it
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.NbConvertBase.display_data_priority = _DISPLAY_PRIORITY  # read by the output filters
    config.HTMLExporter.exclude_input = template != "technical"
    config.HTMLExporter.exclude_input_prompt = True
    config.HTMLExporter.exclude_output_prompt = True
    exporter = HTMLExporter(config=config, template_name=template, extra_template_basedirs=[str(templates_dir())])
    exporter.template  # noqa: B018 - loads and compiles the Jinja template now
    return exporter


def prepare_renderer(template: str) -> None:
    """Import nbconvert and compile ``template`` now, for a process with a moment to spare before rendering.

    A command drawing its charts in forked processes calls this first (see
    :func:`mltoolkit.forking.fork_workers`): its children draw while it
    prepares, and :func:`render_report` then finds the renderer ready.
    """
    _exporter(template)


def available_templates() -> list[str]:
    """Names of the report templates shipped with mltoolkit."""
    return sorted(p.parent.name for p in templates_dir().glob("*/index.html.j2"))


def render_report(
    notebook: str | Path | nbformat.NotebookNode,
    out: str | Path,
    *,
    template: str = "eda",
    title: str | None = None,
    meta: Sequence[tuple[str, str]] = (),
    failed: str | None = None,
    extra: Mapping[str, Any] | None = None,
    tidy: bool = True,
) -> Path:
    """Render an executed notebook as one self-contained HTML file.

    Parameters
    ----------
    notebook : path or NotebookNode
        An executed notebook (papermill output).
    out : path
        HTML file to write; its folder is created. Written whole or not at all.
    template : str, default "eda"
        One of :func:`available_templates`.
    title : str, optional
        Report title; defaults to the notebook's name.
    meta : sequence of (label, value)
        Facts shown under the title (data version, date, ...). Escaped.
    failed : str, optional
        When the run failed, the error to show in a banner at the top.
    extra : mapping, optional
        More values for the template, under ``resources.mltoolkit``.
    tidy : bool, default True
        Run nbconvert's clean-up pass over the page (alt text, blank runs of
        third-party HTML). False for a notebook of mltoolkit's own views only
        (``profile``/``drift --html``, assembled here or executed), which need
        none: a tenth of a second saved.

    Returns
    -------
    pathlib.Path
        The written report.
    """
    out = Path(out)
    if template not in available_templates():
        raise ConfigError(f"unknown report template {template!r}; templates are: {', '.join(available_templates())}",
                          parameter="template")
    from mltoolkit.report._nbformat import nbformat

    if isinstance(notebook, nbformat.NotebookNode):
        nb, name = notebook, "report"
    else:
        path = Path(notebook)
        if not path.exists():
            raise DataError(f"notebook {path} does not exist; run the stage first", path=str(path))
        nb, name = nbformat.read(path, as_version=4), path.stem
    nb.metadata.pop("widgets", None)  # live widget state: useless without JavaScript, and large
    exporter = _exporter(template)
    now = _dt.datetime.now().astimezone()
    resources = {"mltoolkit": {
        "title": title or name.replace("_", " "),
        "meta": [(str(k), str(v)) for k, v in meta],
        "failed": failed,
        "version": __version__,
        "generated": now.strftime("%Y-%m-%d %H:%M %Z"),
        "summary": None,
        **dict(extra or {}),
    }}
    body = _export(exporter, nb, resources, tidy=tidy)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(out)
    return out
