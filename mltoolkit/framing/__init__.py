"""Problem framing: the project card that later stages read."""
from mltoolkit.framing.card import TASKS, Baseline, ProjectCard, SuccessCriterion, load_card, make_card, save_card

__all__ = ["TASKS", "Baseline", "ProjectCard", "SuccessCriterion", "load_card", "make_card", "save_card"]
