"""A tiny project of fake stage notebooks, run with real kernels by the CLI tests (as a user runs it)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat


def stage(path: Path, params: str, body: str) -> None:
    """Write a stage notebook: a cell tagged ``parameters``, then ``body``."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cell = nbformat.v4.new_code_cell(params)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell(body)]
    nbformat.write(nb, path)


def make_project(root: Path, stages: dict[str, tuple[str, str]]) -> Path:
    """``root/mltoolkit.yml`` and ``root/NN_<name>.ipynb`` for ``{name: (parameters, body)}``."""
    root.mkdir(parents=True)
    for i, (name, (params, body)) in enumerate(stages.items(), start=1):
        stage(root / f"{i:02d}_{name}.ipynb", params, body)
    (root / "mltoolkit.yml").write_text(f"project: fake\ndata:\n  source: data.csv\nstages: [{', '.join(stages)}]\n")
    return root


def mltoolkit_command() -> str:
    """The ``mltoolkit`` script of this environment."""
    return shutil.which("mltoolkit", path=str(Path(sys.executable).parent))


def mltoolkit(*args: object, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([mltoolkit_command(), *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout)
