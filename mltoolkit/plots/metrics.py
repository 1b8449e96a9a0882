"""Evaluation figures: confusion matrix, ROC and PR curves, thresholds, calibration, lift, residuals, slices."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Annotation

from mltoolkit.evaluate.curves import CalibrationCurve, LiftGain, ThresholdCurves
from mltoolkit.evaluate.metrics import ClassificationMetrics, MulticlassMetrics, ResidualSummary
from mltoolkit.evaluate.slices import SliceResult
from mltoolkit.plots.eda import _new_axes, _short
from mltoolkit.plots.style import COLORS, SMALL, WIDE, format_number, style_context

__all__ = [
    "plot_confusion_matrix", "plot_roc", "plot_pr", "plot_threshold_sweep", "plot_calibration", "plot_lift_gain",
    "plot_residuals", "plot_slices", "mark_threshold", "move_threshold_mark",
]

_SQUARE = (3.6, 3.2)


def mark_threshold(ax: Axes, x: float, y: float, threshold: float, *,
                   animated: bool = False) -> tuple[Line2D, Annotation]:
    """Mark the operating point at ``threshold`` on a curve: a dot and its threshold as a label.

    ``animated=True`` leaves both out of normal drawing so a caller can move
    them over a cached background with :func:`move_threshold_mark` (what the
    metrics widget does).
    """
    (dot,) = ax.plot([x], [y], "o", color=COLORS["current"], markersize=8, markeredgecolor="white", zorder=5,
                     animated=animated)
    label = ax.annotate("", (x, y), xytext=(7, -13), textcoords="offset points", fontsize=8, color=COLORS["current"],
                        fontweight="bold", zorder=5, animated=animated)
    move_threshold_mark(dot, label, x, y, threshold)
    return dot, label


def move_threshold_mark(dot: Line2D, label: Annotation, x: float, y: float, threshold: float) -> None:
    """Move a mark made by :func:`mark_threshold`; the label stays inside the axes near the edges."""
    dot.set_data([x], [y])
    label.xy = (x, y)
    label.set_text(f"t = {threshold:.2f}")
    right = x > 0.7
    label.set_horizontalalignment("right" if right else "left")
    label.set_position((-7 if right else 7, 6 if y < 0.15 else -13))


def _confusion(cm: Any, threshold: float | None) -> tuple[np.ndarray, list[str], str]:
    """Matrix (rows true, columns predicted), class labels and a title from any confusion source."""
    if isinstance(cm, MulticlassMetrics):
        return np.asarray(cm.confusion), list(cm.labels), "Confusion matrix"
    if isinstance(cm, ThresholdCurves):
        point = cm.at(0.5 if threshold is None else threshold)
        cm, threshold = point, point["threshold"]
    elif isinstance(cm, ClassificationMetrics):
        cm, threshold = cm.confusion, cm.threshold
    if not isinstance(cm, Mapping) or not {"tn", "fp", "fn", "tp"} <= set(cm):
        raise TypeError("cm must be a dict with tn/fp/fn/tp, ClassificationMetrics, MulticlassMetrics or "
                        "ThresholdCurves")
    title = "Confusion matrix" + (f" at {threshold:.2f}" if threshold is not None else "")
    return np.array([[cm["tn"], cm["fp"]], [cm["fn"], cm["tp"]]]), ["negative", "positive"], title


def plot_confusion_matrix(cm: Mapping[str, int] | ClassificationMetrics | MulticlassMetrics | ThresholdCurves,
                          threshold: float | None = None, ax: Axes | None = None) -> Figure:
    """Counts of true (rows) against predicted (columns) classes, shaded by share of the true class.

    Parameters
    ----------
    cm : dict, ClassificationMetrics, MulticlassMetrics or ThresholdCurves
        A dict with ``tn, fp, fn, tp`` (as :meth:`ThresholdCurves.at` returns),
        a metrics result, or curves read at ``threshold``.
    threshold : float, optional
        With ``ThresholdCurves``: where to read the matrix (default 0.5).
    ax : matplotlib Axes, optional
    """
    matrix, labels, title = _confusion(cm, threshold)
    with style_context():
        k = len(labels)
        fig, ax = _new_axes(ax, _SQUARE if k <= 3 else (min(9.0, 1.6 + 0.55 * k),) * 2)
        rows = matrix.sum(axis=1, keepdims=True)
        share = np.divide(matrix, rows, out=np.zeros(matrix.shape), where=rows > 0)
        ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
        ax.grid(False)
        for (i, j), v in np.ndenumerate(matrix):
            ax.text(j, i, format_number(int(v)), ha="center", va="center", fontsize=9 if k <= 6 else 7,
                    color="white" if share[i, j] > 0.6 else COLORS["text"])
        short = [_short(lbl, 14) for lbl in labels]
        ax.set_xticks(range(k), short, rotation=45 if k > 4 else 0, ha="right" if k > 4 else "center")
        ax.set_yticks(range(k), short)
        ax.set_xlabel("predicted")
        ax.set_ylabel("actual")
        ax.set_title(title, loc="left")
    return fig


def _one_class_note(ax: Axes, curves: ThresholdCurves, what: str) -> None:
    only = "negative" if curves.n_positive == 0 else "positive"
    ax.text(0.5, 0.5, f"{what} undefined:\nall {curves.n:,} rows are {only}", ha="center", va="center",
            fontsize=9, color=COLORS["text"], transform=ax.transAxes)


def plot_roc(curves: ThresholdCurves, threshold: float | None = None, ax: Axes | None = None) -> Figure:
    """ROC curve with its area, the chance diagonal, and the point at ``threshold`` marked.

    Rows holding one class only (a test split can) have no ROC curve: the axes say so.
    """
    with style_context():
        fig, ax = _new_axes(ax, _SQUARE)
        if curves.one_class:
            _one_class_note(ax, curves, "ROC curve")
        else:
            ax.plot(np.r_[curves.fpr, 0.0], np.r_[curves.tpr, 0.0], color=COLORS["primary"], linewidth=1.8,
                    label=f"AUC = {curves.roc_auc:.3f}")
        ax.plot([0, 1], [0, 1], color=COLORS["reference"], linestyle="--", linewidth=1)
        if threshold is not None and not curves.one_class:
            p = curves.at(threshold)
            mark_threshold(ax, p["fpr"], p["recall"], p["threshold"])
        ax.set_xlim(-0.01, 1.01)
        ax.set_ylim(-0.01, 1.01)
        ax.set_xlabel("false positive rate")
        ax.set_ylabel("true positive rate (recall)")
        if not curves.one_class:
            ax.legend(fontsize=7, frameon=False, loc="lower right")
        ax.set_title("ROC curve", loc="left")
    return fig


def plot_pr(curves: ThresholdCurves, threshold: float | None = None, ax: Axes | None = None) -> Figure:
    """Precision-recall curve with average precision, the base rate, and the point at ``threshold`` marked.

    Rows holding one class only have no precision-recall curve: the axes say so.
    """
    with style_context():
        fig, ax = _new_axes(ax, _SQUARE)
        if curves.one_class:
            _one_class_note(ax, curves, "Precision-recall curve")
        else:
            ok = ~np.isnan(curves.precision)
            ax.plot(curves.recall[ok], curves.precision[ok], color=COLORS["primary"], linewidth=1.8,
                    label=f"AP = {curves.pr_auc:.3f}")
            base = curves.n_positive / curves.n
            ax.axhline(base, color=COLORS["reference"], linestyle="--", linewidth=1, label=f"base rate {base:.2f}")
            if threshold is not None:
                p = curves.at(threshold)
                if p["precision"] is not None:
                    mark_threshold(ax, p["recall"], p["precision"], p["threshold"])
            ax.legend(fontsize=7, frameon=False, loc="lower left")
        ax.set_xlim(-0.01, 1.01)
        ax.set_ylim(-0.01, 1.01)
        ax.set_xlabel("recall")
        ax.set_ylabel("precision")
        ax.set_title("Precision-recall curve", loc="left")
    return fig


def plot_threshold_sweep(curves: ThresholdCurves, threshold: float | None = None, ax: Axes | None = None) -> Figure:
    """Precision, recall and F1 against the threshold, with the chosen threshold as a vertical line."""
    with style_context():
        fig, ax = _new_axes(ax, WIDE)
        t = curves.thresholds
        ax.plot(t, curves.precision, color=COLORS["primary"], label="precision")
        ax.plot(t, curves.recall, color=COLORS["current"], label="recall")
        ax.plot(t, curves.f1, color=COLORS["good"], label="F1")
        if threshold is not None:
            ax.axvline(curves.at(threshold)["threshold"], color=COLORS["text"], linestyle="--", linewidth=1,
                       label="chosen threshold")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("threshold (predicted positive when score ≥ threshold)")
        ax.legend(fontsize=7, frameon=False, loc="lower left")
        ax.set_title("Precision, recall and F1 by threshold", loc="left")
    return fig


def plot_calibration(cal: CalibrationCurve, ax: Axes | None = None) -> Figure:
    """Reliability diagram: observed positive rate against mean predicted probability per bin."""
    with style_context():
        fig, ax = _new_axes(ax, _SQUARE)
        ax.plot([0, 1], [0, 1], color=COLORS["reference"], linestyle="--", linewidth=1, label="perfectly calibrated")
        ax.plot(cal.prob_pred, cal.prob_true, marker="o", color=COLORS["primary"], label="model")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel(f"mean predicted probability ({cal.strategy} bins)")
        ax.set_ylabel("observed positive rate")
        ax.legend(fontsize=7, frameon=False, loc="upper left")
        ax.set_title("Calibration", loc="left")
    return fig


def plot_lift_gain(lg: LiftGain, ax: Axes | None = None) -> Figure:
    """Cumulative gain curve against random targeting, with the lift of each bin as bars."""
    with style_context():
        fig, ax = _new_axes(ax, WIDE)
        x = 100 * np.r_[0.0, lg.population_share]
        ax.plot(x, 100 * np.r_[0.0, lg.cumulative_gain], marker="o", color=COLORS["primary"], label="model")
        ax.plot([0, 100], [0, 100], color=COLORS["reference"], linestyle="--", linewidth=1, label="random")
        ax.set_xlabel("% of rows, highest scores first")
        ax.set_ylabel("% of positives found")
        ax.set_xlim(0, 100)
        ax.set_ylim(0, 102)
        ax2 = ax.twinx()
        ax2.grid(False)
        centers = (x[:-1] + x[1:]) / 2
        ax2.bar(centers, lg.lift, width=0.8 * np.diff(x), color=COLORS["current"], alpha=0.35, label="lift")
        ax2.axhline(1.0, color=COLORS["current"], linewidth=0.8)
        ax2.set_ylabel("lift (bin rate / base rate)")
        ax.set_zorder(ax2.get_zorder() + 1)
        ax.patch.set_visible(False)
        ax.legend(fontsize=7, frameon=False, loc="lower right")
        ax.set_title(f"Cumulative gain and lift (base rate {lg.base_rate:.1%})", loc="left")
    return fig


def plot_residuals(summary: ResidualSummary, ax: Axes | None = None) -> Figure:
    """Histogram of residuals (actual - predicted) beside the mean residual per band of predictions.

    With ``ax`` only the residual-vs-predicted panel is drawn into it.
    """
    with style_context():
        if ax is not None:
            fig, axes = ax.figure, [None, ax]
        else:
            fig = Figure(figsize=WIDE, layout="constrained")
            axes = fig.subplots(1, 2)
        if axes[0] is not None:
            edges = np.asarray(summary.hist_edges)
            axes[0].bar((edges[:-1] + edges[1:]) / 2, summary.hist_counts, width=np.diff(edges),
                        color=COLORS["primary"], alpha=0.8)
            axes[0].axvline(0, color=COLORS["text"], linewidth=1)
            axes[0].set_xlabel("residual (actual - predicted)")
            axes[0].set_ylabel("rows")
            axes[0].set_title("Residuals", loc="left")
        a = axes[1]
        a.plot(summary.pred_bin_mean, summary.residual_bin_mean, marker="o", color=COLORS["current"])
        a.axhline(0, color=COLORS["text"], linewidth=1)
        a.set_xlabel("predicted (band mean)")
        a.set_ylabel("mean residual")
        a.set_title("Bias by prediction", loc="left")
    return fig


def plot_slices(result: SliceResult, column: str, ax: Axes | None = None) -> Figure:
    """The metric per slice of ``column`` as bars, the overall value as a line; flagged slices in red."""
    col = result.column(column)
    slices = [s for s in col.slices if s.value is not None]
    with style_context():
        fig, ax = _new_axes(ax, (SMALL[0] + 1, max(1.8, 0.3 * len(slices) + 1.0)))
        y = np.arange(len(slices))[::-1]
        colors = [COLORS["critical"] if s.flagged else COLORS["primary"] for s in slices]
        ax.barh(y, [s.value for s in slices], color=colors)
        ax.set_yticks(y, [f"{_short(s.label, 22)} (n={format_number(s.n)})" for s in slices])
        overall = ""
        if result.overall is not None:
            ax.axvline(result.overall, color=COLORS["text"], linestyle="--", linewidth=1)
            overall = f"; dashed: overall {format_number(result.overall)}"
        ax.set_xlabel(f"{result.metric} ({result.direction} is better{overall})")
        ax.set_title(f"{_short(col.column, 30)}: {result.metric} by slice", loc="left")
    return fig
