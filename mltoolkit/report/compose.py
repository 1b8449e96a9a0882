"""Turn a run directory into one report: the stages' executed notebooks, merged."""
from __future__ import annotations

from pathlib import Path

from mltoolkit.errors import ConfigError
from mltoolkit.pipeline.run import read_run
from mltoolkit.report._nbformat import nbformat
from mltoolkit.report.render import render_report
from mltoolkit.report.summary import collect_summary

__all__ = ["report_for_run", "default_report_path", "REPORT_TAGS"]

#: Cell tags that place a cell in a report (documented for notebook authors in the README).
REPORT_TAGS = {
    "report-executive": "shown in the executive summary (and the technical report)",
    "report-hide": "left out of every report",
    "report-show-code": "technical report shows the cell's code too",
}


def default_report_path(run_dir: Path, template: str) -> Path:
    """``<project>/reports/<run id>-<template>.html`` for runs under ``<project>/runs/``."""
    run_dir = Path(run_dir).resolve()
    root = run_dir.parent.parent if run_dir.parent.name == "runs" else run_dir
    return root / "reports" / f"{run_dir.name}-{template}.html"


def _merged_notebook(run_dir: Path, stages: list, executive: bool) -> nbformat.NotebookNode:
    merged = nbformat.v4.new_notebook()
    merged.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for stage in stages:
        path = next((p for p in (run_dir / stage.notebook, run_dir / "notebooks" / stage.notebook) if p.exists()),
                    None)  # runs made before executed notebooks moved to the run's top level keep them in notebooks/
        if path is None:
            continue
        nb = nbformat.read(path, as_version=4)
        cells = [c for c in nb.cells if "report-hide" not in c.metadata.get("tags", [])
                 and c.cell_type != "raw" and "parameters" not in c.metadata.get("tags", [])
                 and "injected-parameters" not in c.metadata.get("tags", [])]
        if executive:
            cells = [c for c in cells if "report-executive" in c.metadata.get("tags", [])]
        elif cells:
            merged.cells.append(nbformat.v4.new_markdown_cell(f"---\n*Stage: {stage.stage} ({stage.status})*"))
        for cell in cells:
            cell.id = f"{stage.stage}-{cell.get('id', len(merged.cells))}"[:64]  # unique across stages
        merged.cells.extend(cells)
    return merged


def _history_cells(run_dir: Path) -> list[nbformat.NotebookNode]:
    """A 'Past runs' section (trend of the success metric and drift share) when the project has 2+ runs."""
    import base64
    import io

    from mltoolkit.pipeline.history import list_runs
    from mltoolkit.plots.history import plot_run_trends

    if run_dir.parent.name != "runs":
        return []
    runs = [r for r in list_runs(run_dir.parent.parent) if r.created <= read_run(run_dir).created]
    names = [k for r in runs for k in r.metrics if k.startswith("test ")]
    if len(runs) < 2 or not (names or any("drift share" in r.metrics for r in runs)):
        return []
    metric = names[-1] if names else "test metric"
    fig = plot_run_trends([r.run_id for r in runs], metric, [r.metrics.get(metric) for r in runs],
                          [r.metrics.get("drift share") for r in runs])
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    image = nbformat.v4.new_code_cell("")
    image.outputs = [nbformat.v4.new_output("display_data", data={
        "image/png": base64.b64encode(buf.getvalue()).decode("ascii"),
        "text/plain": f"{metric} and drift share over {len(runs)} runs"})]
    title = nbformat.v4.new_markdown_cell(f"---\n## Past runs\n\n{metric} and the share of drifted columns in the "
                                          f"last {len(runs)} runs of this project, oldest first.")
    for i, cell in enumerate((title, image)):
        cell.id = f"history-{i}"
    return [title, image]


def report_for_run(run_dir: str | Path, *, template: str = "executive", out: str | Path | None = None) -> Path:
    """Render a run as an executive or technical report.

    Parameters
    ----------
    run_dir : path
        A ``runs/<timestamp>-<id>/`` folder written by ``mltoolkit run``.
    template : {"executive", "technical"}
    out : path, optional
        Default: :func:`default_report_path`.

    Returns
    -------
    pathlib.Path
        The report. A failed run renders too, marked failed, with its error.
    """
    if template not in ("executive", "technical"):
        raise ConfigError(f"a run report is 'executive' or 'technical', not {template!r}", parameter="--template")
    run_dir = Path(run_dir)
    record = read_run(run_dir)
    summary = collect_summary(run_dir, record)
    stages = [s for s in record.stages if s.status in ("succeeded", "kept", "failed")]
    nb = _merged_notebook(run_dir, stages, executive=template == "executive")
    if template == "technical":
        nb.cells.extend(_history_cells(run_dir))
    failed = record.failed_stage
    kind = "Executive summary" if template == "executive" else "Technical report"
    meta = [("Run", record.run_id), ("Date", summary.date), ("Data version", summary.data_version),
            ("Status", record.status)]
    return render_report(
        nb, out or default_report_path(run_dir, template), template=template,
        title=f"{record.project}: {kind}", meta=meta,
        failed=f"stage '{failed.stage}' failed" if failed else None,
        extra={"summary": summary.to_dict(), "stages": [s.__dict__ for s in record.stages]},
    )
