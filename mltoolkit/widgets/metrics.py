"""The model metrics widget: threshold slider, costs, confusion matrix, ROC/PR with the current point, slices.

Everything shown comes from precomputed results: moving the threshold is a
binary search in :class:`~mltoolkit.evaluate.ThresholdCurves` (no pass over
the predictions), and the ROC/PR images are cached per threshold.
"""
from __future__ import annotations

import functools
import io
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from mltoolkit.evaluate.curves import ThresholdCurves
from mltoolkit.evaluate.slices import SliceResult
from mltoolkit.plots import metrics as metric_plots
from mltoolkit.plots.style import format_number, format_share, style_context
from mltoolkit.widgets.base import ToolkitWidget, W, instance_cache, png_image
from mltoolkit.widgets.html import badge, esc, figure_png, img_tag, section

__all__ = ["MetricsWidget", "metrics_panel_html", "slice_table_html"]

_COSTS = ("benefit_tp", "cost_fp", "cost_fn", "benefit_tn")
_COST_LABELS = {"benefit_tp": "Benefit TP", "cost_fp": "Cost FP", "cost_fn": "Cost FN", "benefit_tn": "Benefit TN"}


def _num(value: Any) -> str:
    return f"<td class='num'>{esc(format_number(value))}</td>"


def metrics_panel_html(curves: ThresholdCurves, threshold: float, costs: dict[str, float]) -> str:
    """Confusion matrix, threshold metrics and expected value at ``threshold`` (lookups only)."""
    p = curves.at(threshold)
    ev = curves.expected_value(threshold, **costs)
    cm = ("<table class='mlt-t'><tr><th></th><th>Predicted negative</th><th>Predicted positive</th></tr>"
          f"<tr><th>Actual negative</th>{_num(p['tn'])}{_num(p['fp'])}</tr>"
          f"<tr><th>Actual positive</th>{_num(p['fn'])}{_num(p['tp'])}</tr></table>")
    rows = [("Threshold used", format_number(p["threshold"])), ("Precision", format_number(p["precision"])),
            ("Recall", format_number(p["recall"])), ("F1", format_number(p["f1"])),
            ("Accuracy", format_number(p["accuracy"])),
            ("Predicted positive", format_share(p["predicted_positive_rate"])),
            ("Expected value (total)", format_number(ev["total"])),
            ("Expected value per row", format_number(ev["per_row"]))]
    table = "<table class='mlt-t'>" + "".join(f"<tr><th>{esc(k)}</th><td class='num'>{esc(v)}</td></tr>"
                                              for k, v in rows) + "</table>"
    note = (f"<p class='mlt-note'>{curves.n:,} rows, {format_share(curves.n_positive / curves.n)} positive; "
            f"ROC AUC {format_number(curves.roc_auc)}, average precision {format_number(curves.pr_auc)}. "
            f"Predicted positive when score ≥ threshold.</p>")
    if curves.one_class:
        note += (f"<p class='mlt-note'>{badge('one class', 'warning')} Every row is "
                 f"{'negative' if curves.n_positive == 0 else 'positive'}: ROC AUC and average precision are "
                 f"undefined, and so is {'recall' if curves.n_positive == 0 else 'the false positive rate'}.</p>")
    return f"<h4>Confusion matrix</h4>{cm}<h4>Metrics</h4>{table}{note}"


def slice_table_html(result: SliceResult, column: str) -> str:
    """One column's slices as an HTML table; flagged slices carry a badge."""
    col = result.column(column)
    body = []
    for s in col.slices:
        if s.flagged:
            status = badge("worse", "critical")
        elif s.n < result.min_size:
            status = badge("small", "info")
        else:
            status = ""
        diff = "–" if s.difference is None else f"{s.difference:+.3g}"
        body.append(f"<tr><td>{esc(s.label)}</td>{_num(s.n)}<td class='num'>{esc(format_share(s.share))}</td>"
                    f"{_num(s.value)}<td class='num'>{esc(diff)}</td><td>{status}</td></tr>")
    head = (f"<tr><th>Slice</th><th>Rows</th><th>Share</th><th>{esc(result.metric)}</th><th>vs overall</th>"
            f"<th></th></tr>")
    note = (f"<p class='mlt-note'>Overall {esc(result.metric)} {esc(format_number(result.overall))}; flagged when at "
            f"least {esc(format_number(result.gap))} worse with {result.min_size:,}+ rows.</p>")
    return f"<table class='mlt-t'>{head}{''.join(body)}</table>{note}"


class _MovingPoint:
    """A curve drawn once, then PNGs with the operating point moved over the cached pixels (blitting).

    Redrawing a whole figure takes ~90 ms; restoring the background and
    drawing one dot and its label takes a few, which keeps the slider within
    the 100 ms target. The picture matches :func:`plot_roc`/:func:`plot_pr`
    with ``threshold`` given.
    """

    def __init__(self, fig: Figure) -> None:
        self.canvas = FigureCanvasAgg(fig)
        self.ax = fig.axes[0]
        with style_context():
            self.dot, self.label = metric_plots.mark_threshold(self.ax, 0.0, 0.0, 0.0, animated=True)
        self.canvas.draw()
        fig.set_layout_engine("none")  # keep the layout of the first draw; only the point moves
        self.background = self.canvas.copy_from_bbox(fig.bbox)

    def png(self, x: float | None, y: float | None, threshold: float) -> bytes:
        self.canvas.restore_region(self.background)
        if x is not None and y is not None:
            metric_plots.move_threshold_mark(self.dot, self.label, x, y, threshold)
            with style_context():
                self.ax.draw_artist(self.dot)
                self.ax.draw_artist(self.label)
        buf = io.BytesIO()
        Image.fromarray(np.asarray(self.canvas.buffer_rgba())).save(buf, format="png", compress_level=1)
        return buf.getvalue()


class MetricsWidget(ToolkitWidget):
    """Interactive evaluation of a binary classifier from precomputed :class:`ThresholdCurves`.

    Parameters
    ----------
    curves : ThresholdCurves
        From :func:`~mltoolkit.evaluate.threshold_curves`.
    slices : SliceResult, optional
        From :func:`~mltoolkit.evaluate.slice_performance`; adds a slice picker.
        Slices are shown as computed (at the threshold given to ``slice_performance``).
    threshold : float, default 0.5
    benefit_tp, cost_fp, cost_fn, benefit_tn : float
        Value of each outcome for the expected value (costs as positive amounts).
    title : str, optional
    """

    def __init__(self, curves: ThresholdCurves, *, slices: SliceResult | None = None, threshold: float = 0.5,
                 benefit_tp: float = 1.0, cost_fp: float = 0.0, cost_fn: float = 0.0, benefit_tn: float = 0.0,
                 title: str | None = None) -> None:
        self.curves = curves
        self.slices = slices
        self.threshold = float(threshold)
        self.costs = {"benefit_tp": float(benefit_tp), "cost_fp": float(cost_fp), "cost_fn": float(cost_fn),
                      "benefit_tn": float(benefit_tn)}
        self.title = title

    def __repr__(self) -> str:
        return f"MetricsWidget({self.curves.n:,} predictions, threshold {self.threshold:.2f})"

    # --- cached images: a threshold is rendered once ---------------------------------------------
    @functools.cached_property
    def _roc_base(self) -> _MovingPoint:
        return _MovingPoint(metric_plots.plot_roc(self.curves))

    @functools.cached_property
    def _pr_base(self) -> _MovingPoint:
        return _MovingPoint(metric_plots.plot_pr(self.curves))

    @instance_cache(maxsize=256)
    def roc_png(self, threshold: float) -> bytes:
        """PNG of the ROC curve with the point at ``threshold`` marked (the widget passes it rounded to 0.01)."""
        p = self.curves.at(threshold)
        return self._roc_base.png(p["fpr"], p["recall"], p["threshold"])

    @instance_cache(maxsize=256)
    def pr_png(self, threshold: float) -> bytes:
        """PNG of the precision-recall curve at ``threshold``; no point when nothing is predicted positive."""
        p = self.curves.at(threshold)
        return self._pr_base.png(p["recall"], p["precision"], p["threshold"])

    @instance_cache(maxsize=64)
    def slice_png(self, column: str) -> bytes:
        """PNG of one column's metric per slice."""
        return figure_png(metric_plots.plot_slices(self.slices, column))

    def set_threshold(self, threshold: float) -> None:
        """Move to a new threshold and refresh the view (what the slider does)."""
        self.threshold = float(threshold)
        if self._view is not None and self.slider.value != round(self.threshold, 2):
            self.slider.value = round(self.threshold, 2)  # the observer refreshes
        elif self._view is not None:
            self._refresh_threshold()

    def set_costs(self, **costs: float) -> None:
        """Change benefits/costs (``benefit_tp``, ``cost_fp``, ``cost_fn``, ``benefit_tn``) and refresh."""
        unknown = set(costs) - set(_COSTS)
        if unknown:
            raise TypeError(f"unknown cost argument(s): {', '.join(sorted(unknown))}")
        self.costs.update({k: float(v) for k, v in costs.items()})
        if self._view is not None:
            for k, v in costs.items():
                self.cost_inputs[k].value = float(v)
            self._refresh_panel()

    # --- live view -------------------------------------------------------------------------------
    def _build(self) -> W.Widget:
        self.slider = W.FloatSlider(value=round(self.threshold, 2), min=0.0, max=1.0, step=0.01,
                                    description="Threshold", continuous_update=False, readout_format=".2f")
        self.slider.add_class("mlt-threshold")
        self.cost_inputs = {k: W.FloatText(value=self.costs[k], description=_COST_LABELS[k],
                                           layout=W.Layout(width="190px")) for k in _COSTS}
        for k, box in self.cost_inputs.items():
            box.add_class(f"mlt-{k.replace('_', '-')}")
            box.observe(functools.partial(self._on_cost, k), names="value")
        self.panel = W.HTML()
        self.panel.add_class("mlt-metrics-panel")
        self.roc = png_image("340px")
        self.roc.add_class("mlt-roc")
        self.pr = png_image("340px")
        self.pr.add_class("mlt-pr")
        self.slider.observe(self._on_threshold, names="value")
        children: list[W.Widget] = []
        if self.title:
            children.append(W.HTML(f"<div class='mlt'><h3>{esc(self.title)}</h3></div>"))
        children += [self.slider, W.HBox(list(self.cost_inputs.values())),
                     W.HBox([W.VBox([self.panel], layout=W.Layout(min_width="330px")), self.roc, self.pr])]
        if self.slices is not None and self.slices.columns:
            names = self.slices.column_names
            self.slice_picker = W.Dropdown(options=names, value=names[0], description="Slice by")
            self.slice_picker.add_class("mlt-slice-picker")
            self.slice_table = W.HTML()
            self.slice_plot = png_image("520px")
            self.slice_panel = W.HBox([W.VBox([self.slice_table], layout=W.Layout(max_width="520px",
                                                                                 overflow="auto")),
                                       self.slice_plot])
            self.slice_panel.add_class("mlt-slice-panel")
            self.slice_picker.observe(lambda _: self._refresh_slices(), names="value")
            children += [self.slice_picker, self.slice_panel]
            self._refresh_slices()
        self._refresh_threshold()
        return W.VBox(children)

    def _on_threshold(self, change: dict) -> None:
        self.threshold = float(change["new"])
        self._refresh_threshold()

    def _on_cost(self, name: str, change: dict) -> None:
        self.costs[name] = float(change["new"])
        self._refresh_panel()

    def _refresh_panel(self) -> None:
        self.panel.value = f"<div class='mlt'>{metrics_panel_html(self.curves, self.threshold, self.costs)}</div>"

    def _refresh_threshold(self) -> None:
        self._refresh_panel()
        t = round(self.threshold, 2)
        self.roc.value = self.roc_png(t)
        self.pr.value = self.pr_png(t)

    def _refresh_slices(self) -> None:
        column = self.slice_picker.value
        self.slice_table.value = f"<div class='mlt'>{slice_table_html(self.slices, column)}</div>"
        self.slice_plot.value = self.slice_png(column)

    # --- static view -----------------------------------------------------------------------------
    def static_html(self) -> str:
        c, t = self.curves, round(self.threshold, 2)
        parts = []
        if self.title:
            parts.append(f"<h3>{esc(self.title)}</h3>")
        figures = (img_tag(self.roc_png(t), "ROC curve") + img_tag(self.pr_png(t), "precision-recall curve")
                   + img_tag(metric_plots.plot_confusion_matrix(c, threshold=t), "confusion matrix"))
        parts.append(section(f"Performance at threshold {t:.2f}",
                             f"<div class='mlt-row'><div>{metrics_panel_html(c, t, self.costs)}</div>"
                             f"{figures}</div>"))
        parts.append(section("Threshold sweep", img_tag(metric_plots.plot_threshold_sweep(c, threshold=t),
                                                        "precision, recall and F1 by threshold")))
        if self.slices is not None and self.slices.columns:
            s = self.slices
            flagged = len(s.flagged)
            summary = (badge(f"{flagged} flagged slice{'s' if flagged != 1 else ''}", "critical") if flagged
                       else badge("no flagged slices", "good"))
            body = [f"<p>{summary} {esc(s.metric)} by slice, overall {esc(format_number(s.overall))}.</p>"]
            for col in s.columns:
                body.append(f"<h4>{esc(col.column)}</h4><div class='mlt-row'><div>{slice_table_html(s, col.column)}"
                            f"</div>{img_tag(self.slice_png(col.column), f'{col.column}: {s.metric} by slice')}</div>")
            parts.append(section("Performance by slice", "".join(body)))
        return "".join(parts)
