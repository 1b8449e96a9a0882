"""Reports of one table (EDA) or of two (drift), rendered in this process without a kernel.

The stage notebook (``03_eda``, ``08_monitoring``) is the layout: its markdown
cells are kept as they are, and every shown code cell gets as output the
static view that cell displays (the cell ``EDASummary(result)`` gets
``EDASummary(result).static_html()``). The data is read and computed once, here,
and nbconvert renders the notebook with the same template as a run's, so the
report is the one papermill and nbconvert give, seconds sooner: no kernel, no
second interpreter importing everything again.

``notebook=True`` takes the slow path instead: papermill executes the stage
notebook, which is kept beside the report, and the report is rendered from it.
"""
from __future__ import annotations

import ast
import dataclasses
import functools
import importlib
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mltoolkit.report.render import prepare_renderer, render_report

if TYPE_CHECKING:
    import nbformat

__all__ = ["profile_report", "drift_report", "streamed_profile_report", "notebook_with_views", "DriftReport"]


def _nbformat() -> Any:
    """nbformat, imported when a notebook is read or made (a command comparing two files forks its child first)."""
    from mltoolkit.report._nbformat import nbformat

    return nbformat


def _source(data: str) -> str:
    """Make file paths absolute (the notebook path runs in another folder); keep URLs as they are."""
    return data if "://" in data else str(Path(data).resolve())


def _label(data: str) -> str:
    return data if "://" in data else Path(data).name


def _stage_notebook(stage: str) -> Path:
    """The bundled notebook of ``stage``, as :func:`mltoolkit.pipeline.stage_notebook` finds it.

    Looked up here because importing ``mltoolkit.pipeline`` loads papermill and
    the whole run machinery, which a report rendered in process never uses.
    """
    from mltoolkit._resources import notebooks_dir

    (path,) = notebooks_dir().glob(f"[0-9][0-9]_{stage}.ipynb")
    return path


def _imports(nb: nbformat.NotebookNode) -> dict[str, tuple[str, str]]:
    """Names the notebook imports from mltoolkit (``from mltoolkit.widgets import EDAWidget``): name -> (module, attr)."""
    names = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            body = ast.parse(cell.source).body
        except SyntaxError:
            continue
        for node in body:
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mltoolkit"):
                names.update({a.asname or a.name: (node.module, a.name) for a in node.names})
    return names


def _only_imports(source: str) -> bool:
    """A cell of imports displays nothing."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    return all(isinstance(node, (ast.Import, ast.ImportFrom)) for node in body)


def _view(source: str, namespace: Mapping[str, Any], imported: Mapping[str, tuple[str, str]]) -> Any:
    """What a shown cell displays: its one call (``EDAWidget(result, data=df)``) made with the values given.

    Only a call of an imported name on variables is understood; anything else
    is a cell the in-process report cannot show without running code.
    """
    try:
        body = ast.parse(source).body
    except SyntaxError:
        body = []
    call = body[0].value if len(body) == 1 and isinstance(body[0], ast.Expr) else None
    ok = (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in imported
          and all(isinstance(a, ast.Name) and a.id in namespace for a in call.args)
          and all(k.arg and isinstance(k.value, ast.Name) and k.value.id in namespace for k in call.keywords))
    if not ok:
        raise LookupError(f"cannot show the cell {source!r} without running it: a shown cell must call a name the "
                          f"notebook imports from mltoolkit on the variables {sorted(namespace)}")
    module, attr = imported[call.func.id]
    func = getattr(importlib.import_module(module), attr)
    return func(*(namespace[a.id] for a in call.args), **{k.arg: namespace[k.value.id] for k in call.keywords})


def _static_output(view: Any, count: int) -> nbformat.NotebookNode:
    """What the cell showing ``view`` holds after papermill, less the live-widget part reports never show."""
    from mltoolkit.widgets.html import wrap

    return _nbformat().v4.new_output("execute_result", data={"text/plain": repr(view), "text/html": wrap(view.static_html())},
                                  execution_count=count)


def notebook_with_views(notebook: str | Path, namespace: Mapping[str, Any]) -> nbformat.NotebookNode:
    """The notebook at ``notebook`` with each shown cell's output made in process, without running the notebook.

    Parameters
    ----------
    notebook : path
        A stage notebook, outputs stripped.
    namespace : mapping
        The variables the notebook's hidden cells would have computed
        (``{"result": profile_result, "df": data}``). Each shown code cell is
        one call of a view the notebook imports from mltoolkit on these
        variables (``EDASummary(result)``); the view's static HTML becomes the
        cell's output. Cells tagged ``parameters`` or ``report-hide`` get no
        output (reports leave them out).

    Returns
    -------
    nbformat.NotebookNode

    Raises
    ------
    LookupError
        A shown cell is something other than such a call (the notebook and its
        in-process report disagree: a bug, caught by the tests).
    """
    nb = _nbformat().read(notebook, as_version=4)
    imported = _imports(nb)
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        count += 1
        cell.execution_count = count
        cell.outputs = []
        tags = cell.metadata.get("tags", [])
        if "parameters" in tags or "report-hide" in tags or _only_imports(cell.source):
            continue
        try:
            view = _view(cell.source, namespace, imported)
        except LookupError as exc:
            raise LookupError(f"{Path(notebook).name}: {exc}") from None
        cell.outputs = [_static_output(view, count)]
    return nb


def _prepare_report(stage: str, template: str) -> None:
    """Import what the stage notebook's views need and ready the renderer (work for a moment a child computes)."""
    for module, attr in _imports(_nbformat().read(_stage_notebook(stage), as_version=4)).values():
        getattr(importlib.import_module(module), attr)  # a lazy export imports its module on lookup
    prepare_renderer(template)


#: What monitoring's checks in a child import (mltoolkit.monitor.run: the domain classifier and drift over time),
#: imported by a child started before the data is read.
_MONITORING_PRELOAD = ("mltoolkit.monitor.run", "scipy.stats", "sklearn.ensemble", "sklearn.model_selection")


def _draw_drift_ahead(drift: Any) -> None:
    """Ready the monitoring views and the renderer, and draw the drift view's charts (cached for the view)."""
    _prepare_report("monitoring", "drift")
    from mltoolkit.widgets.drift import static_charts

    static_charts(drift)


def _profile_meta(data: str, overview: Any, fingerprint: Any) -> list[tuple[str, str]]:
    meta = [("Data", data), ("Rows", f"{overview.n_rows:,}"), ("Columns", str(overview.n_columns))]
    if fingerprint is not None:
        meta.append(("Data version", fingerprint.short))
    return meta


def profile_report(data: str, out: str | Path, *, target: str | None = None, table: str | None = None,
                   query: str | None = None, encoding: str | None = None, sample: int | None = None,
                   json_out: str | Path | None = None, notebook: bool = False, progress: bool = False) -> Path:
    """Profile ``data`` and write the EDA report (self-contained HTML, no JavaScript) to ``out``.

    Parameters
    ----------
    data : str
        CSV/Parquet path, SQLite file, SQLAlchemy URL or ``demo://`` source.
    out : path
        HTML file to write.
    target, table, query, encoding, sample
        As for :func:`mltoolkit.stages.explore_data`.
    json_out : path, optional
        Also save the profile as JSON here.
    notebook : bool, default False
        Execute the EDA stage notebook with papermill and render it (slower);
        the executed notebook is kept beside the report (``out`` with ``.ipynb``).
    progress : bool, default False
        Progress bars on stderr.

    Returns
    -------
    pathlib.Path
        The report.
    """
    title = f"Data profile: {_label(data)}"
    with tempfile.TemporaryDirectory(prefix="mltoolkit-profile-") as tmp:
        if notebook:
            return _profile_notebook(data, Path(out), tmp, title, target=target, table=table, query=query,
                                     encoding=encoding, sample=sample, json_out=json_out, progress=progress)
        from mltoolkit.stages.eda import explore_data

        # No project here: the schema is inferred (a folder without schema.json, as in the notebook path).
        df, result = explore_data(None, data_path=data, table=table, query=query, encoding=encoding, target=target,
                                  sample_size=sample, artifacts_dir=Path(tmp) / "artifacts",
                                  profile_json=json_out, progress=progress)
        from mltoolkit.forking import fork_workers

        # This process writes the report and exits: charts may be drawn in forks, while it readies the renderer.
        with fork_workers(meanwhile=functools.partial(_prepare_report, "eda", "eda")):
            nb = notebook_with_views(_stage_notebook("eda"), {"result": result, "df": df})
        return render_report(nb, out, template="eda", title=title,
                             meta=_profile_meta(data, result.overview, result.fingerprint), tidy=False)


def _profile_notebook(data: str, out: Path, tmp: str, title: str, *, target: str | None, table: str | None,
                      query: str | None, encoding: str | None, sample: int | None, json_out: str | Path | None,
                      progress: bool) -> Path:
    import json

    from mltoolkit.pipeline.execute import execute_notebook, stage_notebook

    json_path = Path(json_out).resolve() if json_out else Path(tmp) / "profile.json"
    executed = out.with_suffix(".ipynb")
    execute_notebook(stage_notebook("eda"), executed,
                     {"data_path": _source(data), "table": table, "query": query, "encoding": encoding,
                      "target": target, "sample_size": sample, "profile_json": str(json_path),
                      "card_path": ""},  # a file on its own: no project card
                     cwd=tmp, progress=progress)
    summary = json.loads(json_path.read_text(encoding="utf-8"))
    overview = summary["overview"]
    meta = [("Data", data), ("Rows", f"{overview['n_rows']:,}"), ("Columns", str(overview["n_columns"]))]
    if summary.get("fingerprint"):
        meta.append(("Data version", summary["fingerprint"]["short"]))
    return render_report(executed, out, template="eda", title=title, meta=meta, tidy=False)  # as in process


@dataclasses.dataclass(frozen=True)
class DriftReport:
    """The written drift report and the drift result it shows."""

    path: Path
    drift: Any  # DriftResult, imported lazily


def drift_report(reference: str, current: str, out: str | Path, *, target: str | None = None,
                 time_column: str | None = None, drift_share: float = 0.5, json_out: str | Path | None = None,
                 notebook: bool = False, progress: bool = False) -> DriftReport:
    """Compare ``current`` with ``reference`` and write the drift report (self-contained HTML) to ``out``.

    Parameters
    ----------
    reference : str
        Reference data (file, database, ``demo://``) or a saved reference profile (``.json``).
    current : str
        Current (production) data.
    out : path
        HTML file to write.
    target, time_column : str, optional
        Label column (judged as target drift) and time column (drift over time).
    drift_share : float, default 0.5
        Share of drifted columns that means dataset drift.
    json_out : path, optional
        Also save the drift result as JSON here.
    notebook : bool, default False
        Execute the monitoring stage notebook with papermill and render it
        (slower); the executed notebook is kept beside the report.
    progress : bool, default False
        Progress bars on stderr.

    Returns
    -------
    DriftReport
    """
    from mltoolkit.artifacts import read_artifact

    out = Path(out)
    settings = {"drift_share": drift_share}
    with tempfile.TemporaryDirectory(prefix="mltoolkit-drift-") as tmp:
        artifacts = Path(tmp) / "artifacts"
        if notebook:
            from mltoolkit.pipeline.execute import execute_notebook, stage_notebook

            executed = out.with_suffix(".ipynb")
            execute_notebook(stage_notebook("monitoring"), executed,
                             {"reference_path": _source(reference), "current_path": _source(current),
                              "target": target, "time_column": time_column, **settings,
                              "output_dir": str(artifacts), "card_path": ""},  # two files: no project card
                             cwd=tmp, progress=progress)
            source: Any = executed
        else:
            from mltoolkit.forking import fork_workers

            # This process writes the report and exits: the domain classifier and drift over time may run in a
            # child, started now to import what they need while this process reads the data; this one then
            # readies the views and the renderer and draws the drift charts.
            with fork_workers(preload=_MONITORING_PRELOAD):
                from mltoolkit.stages.monitoring import monitor_stage

                # Two files, no project: nothing is read from the working folder's artifacts (a project's decided
                # schema or scored batch), as the notebook path, run in a folder of its own, reads nothing there.
                monitoring = monitor_stage(None, reference_path=_source(reference), current_path=_source(current),
                                           target=target, time_column=time_column, settings=settings,
                                           output_dir=artifacts, evaluation_dir=artifacts, predictions_path=None,
                                           progress=progress, on_drift=_draw_drift_ahead)
                source = notebook_with_views(_stage_notebook("monitoring"), {"monitoring": monitoring})
        drift = read_artifact(artifacts, "drift")
        if json_out:
            drift.to_json(json_out)
        meta = [("Reference", reference), ("Current", current),
                ("Rows", f"{drift.n_reference:,} vs {drift.n_current:,}")]
        # The stage notebook shows mltoolkit's views only: no clean-up pass, executed or assembled here.
        path = render_report(source, out, template="drift", title="Data drift report", meta=meta, tidy=False)
    return DriftReport(path, drift)


def streamed_profile_report(result: Any, out: str | Path, *, data: str,
                            meta: Sequence[tuple[str, str]] | None = None) -> Path:
    """The EDA report of a streamed profile (``ProfileResult``): its summary and profile views, without a kernel.

    The EDA notebook loads the data whole, so streamed data skips it: the same
    summary and profile views are placed in a notebook as outputs and rendered
    with the ``eda`` template (no target-by-feature charts: they need the rows).
    """
    from mltoolkit.widgets.eda import EDASummary, EDAWidget

    def shown(view: Any) -> nbformat.NotebookNode:
        cell = _nbformat().v4.new_code_cell("")
        cell.outputs = [_static_output(view, None)]
        return cell

    nb = _nbformat().v4.new_notebook()
    nb.cells = [_nbformat().v4.new_markdown_cell("# Exploratory data analysis\n\nProfiled in batches (streamed); "
                                              "see the notes for what was estimated or left out."),
                shown(EDASummary(result)), _nbformat().v4.new_markdown_cell("## Profile"), shown(EDAWidget(result))]
    return render_report(nb, out, template="eda", title=f"Data profile: {_label(data)}",
                         meta=meta or _profile_meta(data, result.overview, result.fingerprint), tidy=False)
