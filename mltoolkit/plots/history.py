"""Trends over past runs: the success metric and the drift share, run by run."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from mltoolkit.plots.style import COLORS, WIDE, style_context

__all__ = ["plot_run_trends"]


def plot_run_trends(labels: Sequence[str], metric_name: str, metric: Sequence[float | None],
                    drift_share: Sequence[float | None]) -> Figure:
    """Success metric (left axis) and share of drifted columns (right axis) per run, oldest first."""
    with style_context():
        fig = Figure(figsize=WIDE, layout="constrained")
        ax = fig.add_subplot()
        x = np.arange(len(labels))
        m = np.array([np.nan if v is None else v for v in metric], dtype=float)
        d = np.array([np.nan if v is None else 100 * v for v in drift_share], dtype=float)
        ax.plot(x, m, marker="o", color=COLORS["primary"], label=metric_name)
        ax.set_ylabel(metric_name)
        ax2 = ax.twinx()
        ax2.grid(False)
        ax2.plot(x, d, marker="s", linestyle="--", color=COLORS["critical"], label="drifted columns (%)")
        ax2.set_ylabel("drifted columns (%)")
        ax2.set_ylim(0, 100)
        step = max(1, int(np.ceil(len(labels) / 10)))
        ax.set_xticks(x[::step], [str(s)[:15] for s in labels][::step], rotation=30, ha="right")
        ax.legend(loc="upper left", fontsize=7, frameon=False)
        ax2.legend(loc="upper right", fontsize=7, frameon=False)
        ax.set_title("Past runs", loc="left")
    return fig
