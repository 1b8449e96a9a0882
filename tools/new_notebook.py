"""Write a stage notebook from a list of (cell_type, source[, tags]) tuples.

Used by maintainers to create notebooks with the house layout (kernelspec,
tagged parameters cell, no outputs); edit the notebooks in JupyterLab after.
"""
from __future__ import annotations

from pathlib import Path

import nbformat


def write_notebook(path: Path, cells: list[tuple]) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for spec in cells:
        kind, source = spec[0], spec[1]
        tags = spec[2] if len(spec) > 2 else []
        cell = nbformat.v4.new_markdown_cell(source) if kind == "md" else nbformat.v4.new_code_cell(source)
        if tags:
            cell.metadata["tags"] = list(tags)
        nb.cells.append(cell)
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:02d}"
    nbformat.validate(nb)
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
