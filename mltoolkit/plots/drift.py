"""Figures for drift results: overlaid distributions, drift scores, drift over time."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mltoolkit.drift.chunks import ChunkDrift
from mltoolkit.drift.result import ColumnDrift, DriftResult
from mltoolkit.plots.eda import _bars, _fixed_axes, _new_axes, _short, _text_inches, _title_chars
from mltoolkit.plots.style import COLORS, SMALL, WIDE, style_context

__all__ = ["plot_column_drift", "plot_drift_scores", "plot_drift_over_time"]


def plot_column_drift(column: ColumnDrift, ax: Axes | None = None, *, show_verdict: bool = True) -> Figure:
    """Reference and current distributions of one column, overlaid on shared bins or categories.

    ``show_verdict=False`` leaves the drifted/stable verdict out of the title
    (a widget shows it beside the chart, so a new threshold needs no redraw).
    """
    s = column.summary
    with style_context():
        # Laid out by hand from the labels' widths: a report draws one of these per column.
        if s is not None and s.labels:
            fig, ax = _fixed_axes(ax, SMALL, left=0.15 + _text_inches(max(len(_short(lbl, 22)) for lbl in s.labels)))
        elif s is not None:
            top = 100 * max([*s.reference, *s.current, 0.0])
            fig, ax = _fixed_axes(ax, SMALL, left=0.3 + _text_inches(len(f"{top:.0f}") + 2))
        else:
            fig, ax = _fixed_axes(ax, SMALL)
        if s is None:
            ax.text(0.5, 0.5, column.reason or "not compared", ha="center", va="center", transform=ax.transAxes, wrap=True)
            ax.set_axis_off()
        elif s.labels:
            y = np.arange(len(s.labels))[::-1]
            h = 0.4
            _bars(ax, y + h / 2, [100 * v for v in s.reference], h, horizontal=True, facecolor=COLORS["reference"],
                  label="reference")
            _bars(ax, y - h / 2, [100 * v for v in s.current], h, horizontal=True, facecolor=COLORS["current"],
                  label="current")
            ax.set_yticks(y, [_short(lbl, 22) for lbl in s.labels])
            ax.set_xlabel("% of rows")
            ax.legend(fontsize=7, frameon=False, loc="lower right")
        else:
            edges = np.asarray(s.edges)
            centers, width = (edges[:-1] + edges[1:]) / 2, np.diff(edges)
            _bars(ax, centers, [100 * v for v in s.reference], width, facecolor=COLORS["reference"], alpha=0.6,
                  label="reference")
            ax.step(edges, [100 * s.current[0]] + [100 * v for v in s.current], where="pre",
                    color=COLORS["current"], linewidth=1.8, label="current")
            ax.set_ylabel("% of rows")
            ax.set_xlabel(_short(column.column, 50))
            ax.legend(fontsize=7, frameon=False)
        verdict = (": DRIFTED" if column.drifted else ": stable") if show_verdict else ""
        ax.set_title(f"{_short(column.column, min(36, _title_chars(fig, ax) - len(verdict)))}{verdict}", loc="left",
                     color=COLORS["critical"] if column.drifted and show_verdict else COLORS["text"])
    return fig


def plot_drift_scores(result: DriftResult, ax: Axes | None = None, limit: int = 30) -> Figure:
    """Each compared column's drift score, highest first, coloured by verdict."""
    cols = sorted((c for c in result.columns if c.test != "skipped"), key=lambda c: -c.score)[:limit]
    labels = [f"{_short(c.column, 24)} ({c.test})" for c in cols]
    with style_context():
        fig, ax = _fixed_axes(ax, (WIDE[0], max(1.8, 0.27 * len(cols) + 0.9)),
                              left=0.15 + _text_inches(max(map(len, labels), default=0)))
        if cols:
            y = np.arange(len(cols))[::-1]
            ax.barh(y, [c.score for c in cols], color=[COLORS["critical"] if c.drifted else COLORS["primary"] for c in cols])
            ax.set_yticks(y, labels)
            ax.set_xlabel("drift score (1 - p-value, or distance)")
        ax.set_title(f"Drift by column: {result.n_drifted} of {result.n_tested} drifted", loc="left")
    return fig


def plot_drift_over_time(chunks: Sequence[ChunkDrift], *, drift_share: float = 0.5, metric: str | None = "f1",
                         ax: Axes | None = None) -> Figure:
    """Share of drifted columns per chunk with the dataset threshold, and the metric per chunk if known."""
    with style_context():
        fig, ax = _new_axes(ax, WIDE)
        x = np.arange(len(chunks))
        ax.plot(x, [100 * c.share_drifted for c in chunks], marker="o", color=COLORS["critical"],
                label="drifted columns (%)")
        ax.axhline(100 * drift_share, color=COLORS["critical"], linestyle="--", linewidth=1, label="dataset drift threshold")
        ax.set_ylabel("drifted columns (%)")
        # Headroom above 100% for the legends: they never cover a chunk's point.
        ax.set_ylim(0, 118)
        ax.set_yticks(range(0, 101, 20))
        step = max(1, int(np.ceil(len(chunks) / 12)))  # at most ~12 readable labels
        ax.set_xticks(x[::step], [_short(c.label, 12) for c in chunks][::step], rotation=45 if len(chunks) > 6 else 0,
                      ha="right" if len(chunks) > 6 else "center")
        values = [c.performance.get(metric) if c.performance and metric else None for c in chunks]
        if any(v is not None for v in values):
            ax2 = ax.twinx()
            ax2.grid(False)
            est = any(c.performance_estimated for c in chunks)
            ax2.plot(x, [np.nan if v is None else v for v in values], marker="s", color=COLORS["primary"],
                     label=f"{metric} ({'estimated' if est else 'actual'})")
            ax2.set_ylabel(metric)
            ax2.set_ylim(0, 1.18)
            ax2.set_yticks(np.linspace(0, 1, 6))
            ax2.legend(loc="upper right", fontsize=7, frameon=False)
        ax.legend(loc="upper left", fontsize=7, frameon=False)
        ax.set_title("Drift over time", loc="left")
    return fig
