"""Figures of training and feature importance."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from mltoolkit.evaluate.importance import FeatureImportance
from mltoolkit.plots.style import COLORS, SMALL, style_context
from mltoolkit.train.search import TrainingResult

__all__ = ["plot_candidates", "plot_importance"]


def _figure(height: float | None = None) -> tuple[Figure, object]:
    fig = Figure(figsize=(SMALL[0], height or SMALL[1]), layout="constrained")
    return fig, fig.add_subplot()


def plot_candidates(result: TrainingResult) -> Figure:
    """Cross-validated score of every candidate (mean ± std), the chosen one highlighted."""
    with style_context():
        board = result.leaderboard().iloc[::-1]
        fig, ax = _figure(0.5 + 0.45 * len(board))
        colors = [COLORS["primary"] if n == result.best_name else
                  (COLORS["reference"] if n == "dummy" else "#9db8d9") for n in board["name"]]
        y = np.arange(len(board))
        ax.barh(y, board["mean"], xerr=board["std"], color=colors, error_kw={"elinewidth": 1, "capsize": 2})
        ax.set_yticks(y, [n.replace("_", " ") for n in board["name"]])
        ax.set_xlabel(f"{result.metric} (cross-validated)")
        ax.set_title("Candidate models", loc="left")
    return fig


def plot_importance(importance: FeatureImportance, top: int = 12) -> Figure:
    """Permutation importance of the most important input columns."""
    with style_context():
        n = min(top, len(importance.features))
        fig, ax = _figure(0.6 + 0.3 * n)
        y = np.arange(n)[::-1]
        ax.barh(y, importance.mean[:n], xerr=importance.std[:n], color=COLORS["primary"],
                error_kw={"elinewidth": 1, "capsize": 2})
        ax.set_yticks(y, list(importance.features[:n]))
        ax.axvline(0, color=COLORS["text"], linewidth=0.8)
        ax.set_xlabel(f"drop in {importance.metric} when shuffled")
        ax.set_title("Feature importance", loc="left")
    return fig
