from __future__ import annotations

import base64
import re

import nbformat
import pytest

from mltoolkit.errors import ConfigError
from mltoolkit.report import available_templates, render_report

PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")).decode()


def _executed_notebook(path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    md = nbformat.v4.new_markdown_cell("# Title from markdown")
    hidden = nbformat.v4.new_code_cell("secret_code = 1")
    hidden.metadata["tags"] = ["report-hide"]
    hidden.outputs = [nbformat.v4.new_output("stream", name="stdout", text="HIDDEN OUTPUT")]
    shown = nbformat.v4.new_code_cell("show()")
    shown.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="progress 50%"),
        nbformat.v4.new_output("display_data", data={
            "text/html": "<p class='x'>static &lt;b&gt;</p>", "image/png": PNG, "text/plain": "fallback",
            "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2, "version_minor": 0},
        }),
        nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"}),
        nbformat.v4.new_output("execute_result", data={"text/plain": "<b>plain</b>"}, execution_count=2),
    ]
    nb.cells = [md, hidden, shown]
    nbformat.write(nb, path)
    return path


def test_report_is_self_contained_and_static(tmp_path):
    out = render_report(_executed_notebook(tmp_path / "nb.ipynb"), tmp_path / "r.html",
                        title="My <report>", meta=[("Data", "x<y>.csv")])
    html = out.read_text()
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), "no external requests"
    assert "static &lt;b&gt;" in html          # the HTML output was chosen over the widget view
    assert f"data:image/png;base64,{PNG}" in html
    assert "&lt;b&gt;plain&lt;/b&gt;" in html   # plain text is escaped
    assert "My &lt;report&gt;" in html and "x&lt;y&gt;.csv" in html


def test_code_hidden_cells_and_stderr_left_out(tmp_path):
    html = render_report(_executed_notebook(tmp_path / "nb.ipynb"), tmp_path / "r.html").read_text()
    assert "secret_code" not in html and "HIDDEN OUTPUT" not in html
    assert "show()" not in html
    assert "progress 50%" not in html
    assert "Title from markdown" in html


def test_failed_run_is_marked(tmp_path):
    html = render_report(_executed_notebook(tmp_path / "nb.ipynb"), tmp_path / "r.html",
                         failed="ValueError in cell 3").read_text()
    assert "FAILED" in html and "ValueError in cell 3" in html


def test_unknown_template_lists_templates(tmp_path):
    with pytest.raises(ConfigError, match="eda"):
        render_report(_executed_notebook(tmp_path / "nb.ipynb"), tmp_path / "r.html", template="nope")
    assert "eda" in available_templates()


@pytest.mark.parametrize("tidy", [True, False])
def test_every_image_has_alt_text_without_nbconvert_adding_it(tmp_path, tidy):
    """nbconvert's HTMLExporter adds a placeholder alt text in a pass ``tidy=False`` skips: the templates give it."""
    html = render_report(_executed_notebook(tmp_path / "nb.ipynb"), tmp_path / "r.html", tidy=tidy).read_text()
    images = re.findall(r"<img\b[^>]*>", html)
    assert images and all(re.search(r'\balt="[^"]+"', tag) for tag in images)
    assert "No description has been provided" not in html
    assert "static &lt;b&gt;" in html and "<script" not in html.lower()
