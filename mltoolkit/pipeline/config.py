"""The project configuration file, ``mltoolkit.yml`` (defined in :mod:`mltoolkit.framing.config`)."""
from mltoolkit.framing.config import (
    CONFIG_NAME,
    DataConfig,
    ProjectConfig,
    ReportConfig,
    SmtpConfig,
    config_from_dict,
    find_config,
    load_config,
)

__all__ = ["ProjectConfig", "DataConfig", "ReportConfig", "SmtpConfig", "load_config", "config_from_dict",
           "find_config", "CONFIG_NAME"]
