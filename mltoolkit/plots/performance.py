"""Figures of performance in production: expected, actual and estimated per chunk, against the threshold."""
from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mltoolkit.monitor.performance import ProductionPerformance
from mltoolkit.plots.eda import _new_axes, _short
from mltoolkit.plots.style import COLORS, WIDE, style_context

__all__ = ["plot_performance_over_time"]


def _band(intervals: list, attr: str) -> np.ndarray:
    return np.array([np.nan if iv is None or getattr(iv, attr) is None else getattr(iv, attr) for iv in intervals],
                    dtype=float)


def plot_performance_over_time(result: ProductionPerformance, ax: Axes | None = None, *,
                               highlight: str | None = None) -> Figure:
    """The metric per chunk: actual (points with intervals), estimated (line with band), expected and threshold.

    Parameters
    ----------
    result : ProductionPerformance
    ax : matplotlib Axes, optional
    highlight : str, optional
        Label of a chunk to mark (the one a widget's picker shows).
    """
    chunks = list(result.chunks) or [result.overall]
    x = np.arange(len(chunks))
    with style_context():
        fig, ax = _new_axes(ax, WIDE)
        exp = result.expected
        if exp is not None and exp.value is not None:
            if exp.ci_low is not None and exp.ci_high is not None:
                ax.axhspan(exp.ci_low, exp.ci_high, color=COLORS["good"], alpha=0.12, linewidth=0,
                           label="expected at evaluation (interval)")
            ax.axhline(exp.value, color=COLORS["good"], linewidth=1.2, label=f"expected {exp.value:.3g}")
        if result.threshold is not None:
            ax.axhline(result.threshold, color=COLORS["critical"], linestyle="--", linewidth=1.2,
                       label=f"criterion {result.direction} {result.threshold:g}")
        est = [c.estimated for c in chunks]
        if any(iv is not None for iv in est):
            ax.fill_between(x, _band(est, "ci_low"), _band(est, "ci_high"), color=COLORS["reference"], alpha=0.25,
                            linewidth=0)
            ax.plot(x, _band(est, "value"), color=COLORS["reference"], marker=".", linewidth=1.5,
                    label="estimated from probabilities")
        act = [c.actual for c in chunks]
        if any(iv is not None for iv in act):
            value, low, high = _band(act, "value"), _band(act, "ci_low"), _band(act, "ci_high")
            ok = ~np.isnan(value)
            err = np.vstack([np.where(np.isnan(low), 0, value - low), np.where(np.isnan(high), 0, high - value)])
            ax.errorbar(x[ok], value[ok], yerr=err[:, ok], fmt="o", color=COLORS["primary"], ecolor=COLORS["primary"],
                        elinewidth=1, capsize=2, markersize=4, label="actual (labelled rows)")
        failing = [i for i, c in enumerate(chunks) if c.status == "fail"]
        if failing:
            obs = _band([chunks[i].observed for i in failing], "value")
            ax.scatter(np.array(failing), obs, s=70, facecolors="none", edgecolors=COLORS["critical"], linewidths=1.4,
                       label="fails the rules", zorder=5)
        if highlight is not None:
            for i, c in enumerate(chunks):
                if c.label == highlight:
                    ax.axvspan(i - 0.45, i + 0.45, color=COLORS["warning"], alpha=0.15, linewidth=0)
        step = max(1, int(np.ceil(len(chunks) / 12)))
        ax.set_xticks(x[::step], [_short(c.label, 12) for c in chunks][::step],
                      rotation=45 if len(chunks) > 6 else 0, ha="right" if len(chunks) > 6 else "center")
        ax.set_xlim(-0.6, len(chunks) - 0.4)
        ax.set_ylabel(result.metric)
        ax.legend(fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3)
        ax.set_title(f"{result.metric} in production, {int(100 * result.confidence)}% intervals", loc="left")
    return fig
