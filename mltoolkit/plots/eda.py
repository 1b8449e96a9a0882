"""Figures for EDA results: distributions, missingness, correlations, target.

Every function takes a result from :mod:`mltoolkit.eda` (never raw data unless
it says so), an optional ``ax=``, and returns the matplotlib ``Figure``.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.layout_engine import PlaceHolderLayoutEngine
from matplotlib.ticker import MaxNLocator

from mltoolkit.eda.result import ColumnProfile, CorrelationMatrix, ProfileResult
from mltoolkit.plots.style import COLORS, SMALL, WIDE, style_context

__all__ = [
    "plot_distribution", "plot_missing", "plot_correlation_heatmap",
    "plot_target_associations", "plot_target_balance", "plot_feature_vs_target",
]


def _new_axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def _text_inches(chars: int, fontsize: float = 8) -> float:
    """About how wide ``chars`` characters of the tick font are, in inches."""
    return chars * fontsize * 0.6 / 72


def _fixed_axes(ax: Axes | None, size: tuple[float, float], *, left: float = 0.6, bottom: float = 0.45,
                right: float = 0.15, top: float = 0.3) -> tuple[Figure, Axes]:
    """A figure whose margins (in inches) are set from what its labels hold, drawn without a layout engine.

    A report draws one or two of these per column: constrained layout measured
    every label again for each and took a third of the drawing time.
    """
    if ax is not None:
        return ax.figure, ax
    width, height = size
    fig = Figure(figsize=size)
    fig.subplots_adjust(left=min(left, width * 0.6) / width, right=1 - right / width, bottom=bottom / height,
                        top=1 - top / height)
    # matplotlib's marker of a figure laid out by hand: savers need not crop it (one draw instead of two).
    fig.set_layout_engine(PlaceHolderLayoutEngine(adjust_compatible=True, colorbar_gridspec=True))
    return fig, fig.add_subplot()


def _bars(ax: Axes, positions: Sequence[float], lengths: Sequence[float], thickness: float | Sequence[float] = 0.8, *,
          horizontal: bool = False, align: str = "center", **style: object) -> PolyCollection:
    """Bars as one collection, with the limits ``ax.bar``/``ax.barh`` would give.

    A report draws a chart or two per column: one artist for all the bars
    instead of a patch each is a quarter less drawing for a 30-bin histogram.
    """
    pos = np.asarray(positions, dtype=float)
    length = np.asarray(lengths, dtype=float)
    size = np.broadcast_to(np.asarray(thickness, dtype=float), pos.shape)
    start = pos - size / 2 if align == "center" else pos
    a, b = start, start + size                       # across the bars
    zero = np.zeros_like(length)
    if horizontal:
        verts = np.stack([np.c_[zero, a], np.c_[length, a], np.c_[length, b], np.c_[zero, b]], axis=1)
    else:
        verts = np.stack([np.c_[a, zero], np.c_[a, length], np.c_[b, length], np.c_[b, zero]], axis=1)
    bars = PolyCollection(verts, **style)
    # Like a bar's base, 0 is a sticky edge: the axis starts there, without a margin below.
    (bars.sticky_edges.x if horizontal else bars.sticky_edges.y).append(0.0)
    ax.add_collection(bars)
    ax.autoscale_view()
    return bars


def _title_chars(fig: Figure, ax: Axes, fontsize: float = 11) -> int:
    """Characters of a bold title that fit from the axes' left edge to the figure's right edge."""
    free = fig.get_figwidth() * (1 - ax.get_position().x0)
    return max(12, int(free * 72 / (fontsize * 0.62)))


def _short(label: str, width: int = 28) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


def plot_distribution(column: ColumnProfile, ax: Axes | None = None) -> Figure:
    """Histogram (numeric, datetime, text length) or top-category bars of one column.

    Parameters
    ----------
    column : ColumnProfile
        One entry of ``ProfileResult.columns``.
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    hist = None
    xlabel = column.name
    if column.numeric is not None:
        hist = column.numeric.histogram
    elif column.text is not None:
        hist, xlabel = column.text.histogram, f"{column.name} (length in characters)"
    elif column.datetime is not None:
        hist = column.datetime.histogram
    with style_context():
        if hist is not None and len(hist.counts):
            fig, ax = _fixed_axes(ax, SMALL, left=0.3 + _text_inches(len(f"{max(hist.counts):,}") + 1),
                                  bottom=0.75 if column.datetime is not None else 0.45)
            edges = np.asarray(hist.edges, dtype=float)
            if column.datetime is not None:
                edges = pd.to_datetime(edges, unit="s").to_numpy()
            widths = np.diff(edges)
            if column.datetime is not None:
                ax.bar(edges[:-1], hist.counts, width=widths, align="edge", color=COLORS["primary"],
                       edgecolor="white", linewidth=0.4)
            else:
                _bars(ax, edges[:-1], hist.counts, widths, align="edge", facecolor=COLORS["primary"],
                      edgecolor="white", linewidth=0.4)
            ax.set_xlabel(_short(xlabel, 60))
            ax.set_ylabel("rows")
            if column.datetime is not None:
                ax.tick_params(axis="x", labelrotation=30)
                for label in ax.get_xticklabels():
                    label.set_horizontalalignment("right")
        elif column.categorical is not None and column.categorical.top:
            top = list(column.categorical.top)[:15][::-1]
            labels = [_short(c.value) for c in top]
            fig, ax = _fixed_axes(ax, SMALL, left=0.15 + _text_inches(max(len(lbl) for lbl in labels)))
            _bars(ax, range(len(top)), [c.count for c in top], horizontal=True, facecolor=COLORS["primary"])
            ax.set_yticks(range(len(top)), labels)
            ax.set_xlabel("rows")
            if column.categorical.other_count:
                ax.set_title(f"top {len(top)} of {column.categorical.cardinality:,} values", fontsize=9,
                             fontweight="normal", loc="right")
        else:
            fig, ax = _fixed_axes(ax, SMALL)
            ax.text(0.5, 0.5, "no values to plot", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
        ax.set_title(_short(column.name, min(50, _title_chars(fig, ax))), loc="left")
    return fig


def plot_missing(result: ProfileResult, ax: Axes | None = None, limit: int = 25) -> Figure:
    """Share of missing values per column, worst first (columns with none are left out)."""
    cols = sorted((c for c in result.columns if c.n_missing), key=lambda c: -c.missing_share)[:limit]
    labels = [_short(c.name) for c in cols]
    with style_context():
        fig, ax = _fixed_axes(ax, (WIDE[0], max(1.6, 0.28 * len(cols) + 0.8)),
                              left=0.15 + _text_inches(max(map(len, labels), default=0)))
        if not cols:
            ax.text(0.5, 0.5, "no missing values", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
        else:
            shares = [100 * c.missing_share for c in cols][::-1]
            colors = [COLORS["critical"] if s > 50 else COLORS["warning"] if s > 5 else COLORS["primary"] for s in shares]
            ax.barh(range(len(cols)), shares, color=colors)
            ax.set_yticks(range(len(cols)), labels[::-1])
            ax.set_xlabel("missing values (% of rows)")
            ax.set_xlim(0, max(100 if max(shares) > 50 else max(shares) * 1.15, 1))
        ax.set_title("Missing values", loc="left")
    return fig


def _matrix(result: ProfileResult, method: str) -> CorrelationMatrix | None:
    for m in result.correlations.matrices:
        if m.method == method:
            return m
    return None


def plot_correlation_heatmap(result: ProfileResult, method: str = "pearson", ax: Axes | None = None) -> Figure:
    """Heatmap of one correlation matrix; for wide data (no matrix kept), bars of the top pairs."""
    matrix = _matrix(result, method)
    with style_context():
        if matrix is None or len(matrix.columns) < 2:
            return _plot_top_pairs(result, method, ax)
        n = len(matrix.columns)
        size = min(8.0, 2.2 + 0.35 * n)
        labels = [_short(c, 20) for c in matrix.columns]
        cax = None
        if ax is None:  # laid out by hand from the labels' widths: one draw, no constrained layout
            fig = Figure(figsize=(size + 1.0, size))
            margin = 0.15 + _text_inches(max(map(len, labels)))
            side = max(1.0, min(size - margin - 0.35, size + 1.0 - margin - 0.9))
            w, h = fig.get_size_inches()
            ax = fig.add_axes((margin / w, margin / h, side / w, side / h))
            cax = fig.add_axes(((margin + side + 0.15) / w, (margin + 0.15 * side) / h, 0.15 / w, 0.7 * side / h))
            fig.set_layout_engine(PlaceHolderLayoutEngine(adjust_compatible=True, colorbar_gridspec=True))
        fig = ax.figure
        values = np.array([[np.nan if v is None else v for v in row] for row in matrix.values], dtype=float)
        signed = method in ("pearson", "spearman")
        # Plain imshow: seaborn's heatmap drew the same and cost its import (a quarter second) in every report.
        image = ax.imshow(np.ma.masked_invalid(values), cmap="RdBu_r" if signed else "Blues",
                          vmin=-1 if signed else 0, vmax=1, interpolation="nearest")
        ax.set_xticks(range(n), labels, rotation=90)
        ax.set_yticks(range(n), labels)
        ax.set_xticks(np.arange(n + 1) - 0.5, minor=True)
        ax.set_yticks(np.arange(n + 1) - 0.5, minor=True)
        ax.grid(False)
        ax.grid(which="minor", color="white", linewidth=0.3)
        ax.tick_params(which="both", length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        if n <= 12:
            for (i, j), v in np.ndenumerate(values):
                if not np.isnan(v):
                    ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7,
                            color="white" if abs(v) > 0.6 else COLORS["text"])
        if cax is not None:
            fig.colorbar(image, cax=cax)
        else:
            fig.colorbar(image, ax=ax, shrink=0.7)
        ax.set_title(f"{method.replace('_', ' ').title()} correlation", loc="left")
    return fig


def _plot_top_pairs(result: ProfileResult, method: str, ax: Axes | None, limit: int = 15) -> Figure:
    pairs = [p for p in result.correlations.top_pairs if p.method == method][:limit]
    fig, ax = _new_axes(ax, (WIDE[0], max(1.6, 0.28 * len(pairs) + 0.8)))
    if not pairs:
        ax.text(0.5, 0.5, f"no {method} pairs", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
    else:
        vals = [p.value for p in pairs][::-1]
        ax.barh(range(len(pairs)), vals, color=[COLORS["primary"] if v >= 0 else COLORS["current"] for v in vals])
        ax.set_yticks(range(len(pairs)), [f"{_short(p.a, 18)} × {_short(p.b, 18)}" for p in pairs][::-1])
        ax.set_xlabel(method.replace("_", " "))
    ax.set_title(f"Strongest {method.replace('_', ' ')} pairs", loc="left")
    return fig


def plot_target_associations(result: ProfileResult, ax: Axes | None = None, limit: int = 20) -> Figure:
    """Each feature's association with the target, strongest first."""
    if result.target is None:
        raise ValueError("the profile has no target analysis; profile with target=...")
    assoc = list(result.target.associations)[:limit]
    labels = [f"{_short(a.feature)} ({a.method.replace('_', ' ')})" for a in assoc]
    with style_context():
        fig, ax = _fixed_axes(ax, (WIDE[0], max(1.6, 0.28 * len(assoc) + 0.8)),
                              left=0.15 + _text_inches(max(map(len, labels), default=0)))
        if assoc:
            vals = [a.value for a in assoc][::-1]
            ax.barh(range(len(assoc)), vals, color=COLORS["primary"])
            ax.set_yticks(range(len(assoc)), labels[::-1])
            ax.set_xlim(0, 1)
            ax.set_xlabel("association with target (0 = none, 1 = perfect)")
        ax.set_title(f"What goes with '{_short(result.target.column)}'", loc="left")
    return fig


def plot_target_balance(result: ProfileResult, ax: Axes | None = None) -> Figure:
    """Class balance (classification) or distribution (regression) of the target."""
    if result.target is None:
        raise ValueError("the profile has no target analysis; profile with target=...")
    target = result.target
    if target.task == "regression":
        return plot_distribution(result.column(target.column), ax=ax)
    classes = list(target.balance)
    with style_context():
        fig, ax = _fixed_axes(ax, SMALL, left=0.3 + _text_inches(4))  # "% of rows" and ticks up to 100
        ax.bar(range(len(classes)), [100 * c.share for c in classes], color=COLORS["primary"])
        ax.set_xticks(range(len(classes)), [_short(c.value, 14) for c in classes])
        ax.set_ylabel("% of rows")
        ax.set_title(f"Target balance: '{_short(target.column)}'", loc="left")
    return fig


def plot_feature_vs_target(summary: "FeatureTargetSummary", ax: Axes | None = None) -> Figure:  # noqa: F821
    """Target rate (or mean) by bin or category of one feature, with row counts behind.

    Parameters
    ----------
    summary : FeatureTargetSummary
        From :func:`mltoolkit.eda.feature_vs_target`.
    """
    labels = [_short(lbl, 12) for lbl in summary.labels]
    rotate = len(labels) > 5
    longest = max((len(lbl) for lbl in labels), default=1)
    with style_context():
        fig, ax = _fixed_axes(ax, SMALL, left=0.75, right=0.4 + _text_inches(len(f"{max(summary.counts, default=0):,}")),
                              bottom=0.15 + (_text_inches(longest) * 0.72 if rotate else 0.2))
        x = np.arange(len(summary.labels))
        ax2 = ax.twinx()
        _bars(ax2, x, summary.counts, facecolor=COLORS["grid"])
        ax2.set_ylabel("rows", color=COLORS["reference"])
        ax2.grid(False)
        # Few ticks on both sides: two scales of seven ticks each crowd a small chart (and each tick costs drawing).
        ax2.yaxis.set_major_locator(MaxNLocator(4))
        ax.yaxis.set_major_locator(MaxNLocator(5))
        ax.set_zorder(ax2.get_zorder() + 1)
        ax.patch.set_visible(False)
        values = [np.nan if v is None else v for v in summary.target_values]
        ax.plot(x, values, marker="o", color=COLORS["primary"])
        if summary.overall is not None:
            ax.axhline(summary.overall, color=COLORS["current"], linestyle="--", linewidth=1, label="overall")
            ax.legend(loc="upper left", fontsize=7, frameon=False)
        ax.set_xticks(x, labels, rotation=45 if rotate else 0, ha="right" if rotate else "center")
        ax.set_ylabel(summary.target_label)
        ax.set_title(_short(f"{_short(summary.feature, 30)} vs {_short(summary.target, 20)}", _title_chars(fig, ax)),
                     loc="left")
    return fig
