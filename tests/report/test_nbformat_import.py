"""nbformat imported for reports without compiling RFC 3987's grammar, and jsonschema's IRI check unchanged."""
from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("rfc3987_syntax")

CHECK = """
import sys
from mltoolkit.report._nbformat import nbformat
assert sys.modules["rfc3987_syntax"]._mltoolkit_stand_in, "the grammar was compiled at import"
import jsonschema
checker = jsonschema.FormatChecker()
print(checker.conforms("https://example.org/ä?q=1", "iri"), checker.conforms("no iri at all", "iri"))
assert not getattr(sys.modules["rfc3987_syntax"], "_mltoolkit_stand_in", False), "the real module is loaded on use"
"""


def test_rfc3987_grammar_is_compiled_only_when_an_iri_is_checked():
    # A new interpreter: the stand-in only goes in before anything imported jsonschema.
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "False"]


@pytest.mark.parametrize("module", ["mltoolkit.pipeline.execute", "mltoolkit.report.compose", "mltoolkit.report.render",
                                    "mltoolkit.report.inprocess", "mltoolkit.cli"])
def test_modules_reading_notebooks_import_nbformat_without_the_grammar(module):
    """Whichever of them is imported first (papermill and nbconvert import nbformat, and jsonschema with it)."""
    code = (f"import sys, {module}\n"
            "from mltoolkit.report.render import _exporter\n"
            "_exporter('eda')\n"
            "from mltoolkit.report._nbformat import nbformat\n"
            "assert getattr(sys.modules['rfc3987_syntax'], '_mltoolkit_stand_in', False), 'grammar compiled'\n")
    subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
