"""Execute stage notebooks with papermill, with mltoolkit's errors."""
from __future__ import annotations

import ast
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mltoolkit.report._nbformat import nbformat  # isort: skip - before papermill, which imports nbformat too
import papermill as pm

from mltoolkit._resources import notebooks_dir
from mltoolkit.errors import ConfigError, StageError

if TYPE_CHECKING:
    from mltoolkit.pipeline.kernel import StageKernel

__all__ = ["execute_notebook", "stage_notebook", "notebook_parameters", "list_stages"]


def list_stages() -> dict[str, Path]:
    """Bundled stage notebooks by stage name (``"eda"`` for ``03_eda.ipynb``)."""
    stages = {}
    for path in sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb")):
        stages[path.stem.split("_", 1)[1]] = path
    return stages


def stage_notebook(stage: str) -> Path:
    """Path of the bundled notebook of ``stage`` (a name like ``"eda"`` or ``"03_eda"``)."""
    stages = list_stages()
    key = stage.split("_", 1)[1] if stage[:2].isdigit() and "_" in stage else stage
    if key not in stages:
        raise ConfigError(f"unknown stage {stage!r}; stages are: {', '.join(stages)}", stage=stage, parameter="stage")
    return stages[key]


def notebook_parameters(notebook: str | Path) -> dict[str, dict[str, Any]]:
    """Parameters declared in the notebook's ``parameters`` cell, with their defaults.

    Raises
    ------
    StageError
        If the notebook has no cell tagged ``parameters``.
    """
    path = Path(notebook)
    nb = nbformat.read(path, as_version=4)
    if not any("parameters" in c.metadata.get("tags", []) for c in nb.cells):
        raise StageError(
            f"notebook {path} has no cell tagged 'parameters'; tag the cell holding its parameters "
            "(JupyterLab: property inspector > Cell tags) so runs can set them",
            path=str(path),
        )
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    return _parse_parameters(cell.source, path)


def _parse_parameters(source: str, path: Path) -> dict[str, dict[str, Any]]:
    """Names, default source text and trailing comment of each top-level assignment.

    Parsed with :mod:`ast` (papermill's line regex rejects defaults holding
    ``=``, such as URLs with query strings).
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise StageError(f"the parameters cell of {path} is not valid Python (line {exc.lineno}: {exc.msg})",
                         path=str(path)) from None
    lines = source.splitlines()
    params: dict[str, dict[str, Any]] = {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        for target in targets:
            if isinstance(target, ast.Name):
                rest = lines[node.end_lineno - 1][node.end_col_offset:]
                help_text = rest.split("#", 1)[1].strip() if "#" in rest else ""
                default = ast.get_source_segment(source, node.value) if node.value is not None else None
                params[target.id] = {"name": target.id, "default": default, "help": help_text}
    return params


def execute_notebook(
    notebook: str | Path,
    output: str | Path,
    parameters: Mapping[str, Any] | None = None,
    *,
    cwd: str | Path | None = None,
    progress: bool = False,
    kernel_name: str | None = None,
    execution_timeout: int | None = None,
    log: str | Path | None = None,
    kernel: StageKernel | None = None,
) -> Path:
    """Run ``notebook`` with ``parameters`` under papermill, writing the executed copy to ``output``.

    Parameters
    ----------
    notebook : path
        Stage notebook to execute.
    output : path
        Where the executed notebook is written (also when a cell fails).
    parameters : mapping, optional
        Values for the notebook's ``parameters`` cell. Unknown names are refused.
    cwd : path, optional
        Working directory of the kernel; relative paths in parameters resolve here.
    progress : bool, default False
        Show papermill's per-cell progress bar.
    log : path, optional
        File the kernel's own output is appended to (its start-up warnings,
        "KeyboardInterrupt caught in kernel" at shutdown, anything written to
        the process's stdout/stderr outside a cell's outputs). Default:
        discarded, as the executed notebook holds every cell's output. Either
        way the console only shows progress.
    kernel : StageKernel, optional
        Run in this already shared kernel (started on first use) instead of a
        kernel of its own: the notebook starts from an empty namespace in
        ``cwd``, as in a new kernel, without paying a kernel start and its
        imports again. A notebook asking for another kernel than the shared
        one gets its own.

    Returns
    -------
    pathlib.Path
        The executed notebook.

    Raises
    ------
    ConfigError
        A parameter name is not declared in the notebook.
    StageError
        The notebook has no ``parameters`` cell, or a cell raised; the message
        names the cell and the error, and the executed notebook is kept.
    """
    notebook, output = Path(notebook), Path(output)
    parameters = dict(parameters or {})
    declared = notebook_parameters(notebook)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ConfigError(
            f"unknown parameter(s) {', '.join(unknown)} for notebook {notebook.name}; "
            f"valid parameters are: {', '.join(declared)}",
            parameter=unknown[0], path=str(notebook),
        )
    output.parent.mkdir(parents=True, exist_ok=True)
    log = Path(log) if log is not None else Path(os.devnull)
    log.parent.mkdir(parents=True, exist_ok=True)
    name = kernel_name or _kernel_name(notebook)
    if kernel is not None and kernel.serves(name):
        kernel.begin_stage(name, cwd=cwd or Path.cwd(), log=log)
        engine_kwargs: dict[str, Any] = {"km": kernel.km}
    else:
        engine_kwargs = {"kernel_manager_class": _logged_kernel_manager(log)}
    try:
        pm.execute_notebook(
            str(notebook), str(output), parameters=parameters, cwd=str(cwd) if cwd else None,
            progress_bar=progress, kernel_name=kernel_name, execution_timeout=execution_timeout, **engine_kwargs,
        )
    except pm.PapermillExecutionError as exc:
        source = _failing_cell_source(output)
        cell = f"\n  failing cell:\n    " + "\n    ".join(source.splitlines()[:6]) if source else ""
        raise StageError(
            f"notebook {notebook.name} failed in cell {exc.exec_count} with {exc.ename}: {exc.evalue} "
            f"(executed notebook kept at {output}){cell}",
            path=str(output), stage=notebook.stem,
        ) from None
    return output


def _kernel_name(notebook: Path) -> str | None:
    """The kernel the notebook asks for (its ``kernelspec``), as papermill reads it."""
    return nbformat.read(notebook, as_version=4).metadata.get("kernelspec", {}).get("name")


def _logged_kernel_manager(log: Path) -> type:
    """A kernel manager class whose kernels write their stdout and stderr to ``log``, not to our console."""
    from jupyter_client import AsyncKernelManager

    class LoggedKernelManager(AsyncKernelManager):
        async def start_kernel(self, **kw: Any) -> None:
            # The kernel process inherits the descriptor; ours can close once it is started.
            with open(log, "ab") as sink:
                kw.setdefault("stdout", sink)
                kw.setdefault("stderr", sink)
                await super().start_kernel(**kw)

    return LoggedKernelManager


def _failing_cell_source(executed: Path) -> str | None:
    """Source of the first cell whose outputs hold an error, from the executed notebook."""
    try:
        nb = nbformat.read(executed, as_version=4)
    except (OSError, ValueError):
        return None
    for cell in nb.cells:
        if cell.cell_type == "code" and any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return cell.source
    return None
