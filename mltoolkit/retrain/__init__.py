"""Closing the loop: champion/challenger comparison for retrained models."""
from mltoolkit.retrain.compare import ModelComparison, compare_champion_challenger

__all__ = ["ModelComparison", "compare_champion_challenger"]
