"""nbformat, imported without compiling a grammar it never uses.

nbformat imports jsonschema, which imports ``rfc3987_syntax`` when it is
installed (JupyterLab's event schemas want it) to check the ``iri`` string
format. That module compiles an Earley parser of RFC 3987 at import: about
0.9 s, more than pandas, in every process that renders a report, although
notebook validation never checks an IRI. :func:`defer_iri_grammar` puts a
stand-in for the module in ``sys.modules`` that imports the real one the first
time anything is asked of it, so jsonschema behaves the same and pays only
when an IRI is checked.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

__all__ = ["defer_iri_grammar", "nbformat"]

_NAME = "rfc3987_syntax"


def _real() -> types.ModuleType:
    module = sys.modules.get(_NAME)
    if getattr(module, "_mltoolkit_stand_in", False):
        del sys.modules[_NAME]
    return importlib.import_module(_NAME)


def defer_iri_grammar() -> None:
    """Make ``import rfc3987_syntax`` cheap until the module is used (nothing to do if absent or imported)."""
    if _NAME in sys.modules or "jsonschema" in sys.modules:
        return
    spec = importlib.util.find_spec(_NAME)
    if spec is None:
        return
    stand_in = types.ModuleType(_NAME, "Stand-in importing rfc3987_syntax on first use (mltoolkit.report._nbformat).")
    stand_in.__path__ = list(spec.submodule_search_locations or [])  # submodules still import

    def is_valid_syntax(term: str, value: str) -> Any:  # the one name jsonschema takes at import
        return _real().is_valid_syntax(term, value)

    stand_in.is_valid_syntax = is_valid_syntax
    stand_in.__getattr__ = lambda name: getattr(_real(), name)  # PEP 562: anything else loads the module
    stand_in._mltoolkit_stand_in = True
    sys.modules[_NAME] = stand_in


defer_iri_grammar()

import nbformat  # after the stand-in is in place
