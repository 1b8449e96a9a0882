"""Names of a subpackage imported on first use (PEP 562), so a stage or command pays only for what it uses."""
from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, namespace: dict[str, Any],
                 exports: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of ``package`` for ``{public name: submodule}``.

    ``from package import name`` keeps working; the submodule is imported on the
    first lookup, and the name is then stored in ``namespace`` (the package's
    globals) so later lookups skip the hook.
    """
    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *exports})

    return __getattr__, __dir__


class LazyModule:
    """A module imported on its first attribute lookup (``W = LazyModule("ipywidgets")``; ``W.HTML`` imports it).

    For a library only some paths use: a report written from a command draws
    the widgets' static HTML and never needs ipywidgets (nor the IPython it
    imports). Not placed in ``sys.modules``: other code importing the library
    gets the real module, imported then.
    """

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        module = importlib.import_module(self._name)
        self.__dict__.update(vars(module))  # later lookups find the names here, without this hook
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<module {self._name!r}, imported on first use>"
