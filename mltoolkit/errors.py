"""The mltoolkit error family.

Every error raised on purpose by mltoolkit derives from :class:`MLToolkitError`,
carries the structured facts (path, column, parameter, stage) as attributes, and
has a message that says what was wrong, where, and what to do about it. The CLI
turns these into one line and exit code 2; anything else is a bug.
"""
from __future__ import annotations

from typing import Any

__all__ = [
    "MLToolkitError",
    "DataError",
    "SchemaError",
    "ConfigError",
    "ModelPackageError",
    "StageError",
    "EmailError",
]


class MLToolkitError(Exception):
    """Root of all errors raised on purpose by mltoolkit.

    Parameters
    ----------
    message : str
        What was wrong, where, and what to do about it.
    **facts
        Structured context such as ``path``, ``column``, ``parameter`` or
        ``stage``; each becomes an attribute (missing ones are ``None``).
    """

    _fact_names = ("path", "column", "parameter", "stage")

    def __init__(self, message: str, **facts: Any) -> None:
        super().__init__(message)
        self.message = message
        for name in self._fact_names:
            setattr(self, name, None)
        for name, value in facts.items():
            setattr(self, name, value)
        self.facts = dict(facts)

    def __str__(self) -> str:
        return self.message


class DataError(MLToolkitError):
    """The data cannot be read or is unusable (missing file, empty, unreadable)."""


class SchemaError(MLToolkitError):
    """Columns or types do not match what was expected."""


class ConfigError(MLToolkitError):
    """A parameter, option or configuration value is invalid."""


class ModelPackageError(MLToolkitError):
    """A model package is missing, tampered with or incompatible."""


class StageError(MLToolkitError):
    """A lifecycle stage (notebook) failed."""


class EmailError(MLToolkitError):
    """A report could not be e-mailed (server unreachable, refused, login rejected)."""
