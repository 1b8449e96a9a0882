"""Problem framing: the project configuration (``mltoolkit.yml``) and the project card that later stages read."""
from mltoolkit.framing.card import (
    NOT_WRITTEN,
    TASKS,
    Baseline,
    ProjectCard,
    SuccessCriterion,
    card_from_config,
    load_card,
    make_card,
    project_card,
    save_card,
)
from mltoolkit.framing.config import (
    CONFIG_NAME,
    DataConfig,
    ProjectConfig,
    demo_config_path,
    find_config,
    load_config,
)

__all__ = ["TASKS", "NOT_WRITTEN", "Baseline", "ProjectCard", "SuccessCriterion", "load_card", "make_card",
           "save_card", "card_from_config", "project_card", "CONFIG_NAME", "DataConfig", "ProjectConfig", "demo_config_path",
           "find_config", "load_config"]
