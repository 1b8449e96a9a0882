"""mltoolkit: the machine-learning lifecycle in notebooks, reported for executives."""
from mltoolkit.errors import (
    ConfigError,
    DataError,
    EmailError,
    MLToolkitError,
    ModelPackageError,
    SchemaError,
    StageError,
)

__version__ = "0.1.0"

__all__ = [
    "__version__", "MLToolkitError", "DataError", "SchemaError", "ConfigError",
    "ModelPackageError", "StageError", "EmailError",
]
