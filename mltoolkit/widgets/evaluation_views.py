"""Views of the evaluation steps (``06_evaluation.ipynb``): test scores, verdict, slices, importance, model card.

Each is static HTML (the same in JupyterLab and in reports), built from a step's
result; every value from the data or the project card is escaped. The
interactive metrics widget is :func:`~mltoolkit.widgets.explore_evaluation`.
"""
from __future__ import annotations

from typing import Any

from mltoolkit.evaluate import (
    FeatureImportance,
    SliceResult,
    Verdict,
    model_card_markdown,
)
from mltoolkit.plots import metrics as metric_plots
from mltoolkit.plots.style import format_number
from mltoolkit.plots.training import plot_importance
from mltoolkit.stages.evaluation_scores import HeldOutScores
from mltoolkit.widgets.base import StaticView
from mltoolkit.widgets.html import badge, esc, img_tag, section, table
from mltoolkit.widgets.metrics import slice_table_html

__all__ = ["HeldOutSummary", "ImportanceChart", "ModelCardView", "SliceTable", "VerdictCard", "render_markdown"]

#: The verdict's badge: text and level.
VERDICT_BADGES = {"met": ("PASS", "good"), "not met": ("FAIL", "critical"),
                  "not established": ("NOT ESTABLISHED", "warning")}
BASELINE_BADGES = {"beats": ("beats baseline", "good"), "does not beat": ("does not beat baseline", "critical"),
                   "not established": ("baseline not established", "warning")}


def _warnings_html(warnings: tuple[str, ...] | list[str]) -> str:
    if not warnings:
        return ""
    items = "".join(f"<li>{esc(w)}</li>" for w in warnings)
    return (f"<p>{badge('warning', 'warning')} The test rows may not support these figures:</p>"
            f"<ul class='mlt-warnings'>{items}</ul>")


class HeldOutSummary(StaticView):
    """The test rows scored: the model, the decision threshold and how it was chosen, the key charts."""

    def __init__(self, scores: HeldOutScores) -> None:
        self.scores = scores

    def __repr__(self) -> str:
        return f"HeldOutSummary({self.scores!r})"

    def static_html(self) -> str:
        s = self.scores
        facts = [("Model", f"{s.info.get('model')} ({s.task_kind})"), ("Target", s.target),
                 ("Test rows", f"{len(s.test):,} (never seen in training or in choosing the threshold)")]
        if s.threshold is not None:
            facts.append(("Decision threshold", f"{format_number(s.threshold.threshold)}: {s.threshold.rule}"))
        values = [(k, format_number(v)) for k, v in s.values.items() if v is not None]
        figs = []
        if s.curves is not None and s.threshold is not None:
            figs.append(img_tag(metric_plots.plot_confusion_matrix(s.curves, s.threshold.threshold),
                                "confusion matrix"))
            figs.append(img_tag(metric_plots.plot_pr(s.curves, s.threshold.threshold), "precision-recall curve"))
        elif s.task_kind == "multiclass":
            figs.append(img_tag(metric_plots.plot_confusion_matrix(s.metrics), "confusion matrix"))
        if s.residuals is not None:
            figs.append(img_tag(metric_plots.plot_residuals(s.residuals), "residuals"))
        return (section("Test rows scored", table(facts, ["", ""]) + _warnings_html(s.warnings))
                + section("Test metrics", table(values, ["Metric", "Value"], numeric=[False, True]))
                + (section("Key charts", f"<div class='mlt-row'>{''.join(figs)}</div>") if figs else ""))


class VerdictCard(StaticView):
    """The verdict against the card (met, not met, not established), the baseline, and every metric's interval."""

    def __init__(self, verdict: Verdict) -> None:
        self.verdict = verdict

    def __repr__(self) -> str:
        return f"VerdictCard(verdict={self.verdict.verdict!r}, baseline={self.verdict.baseline_verdict!r})"

    def static_html(self) -> str:
        v = self.verdict
        b = v.baseline
        level = f"{v.confidence:.0%} " if v.confidence is not None else ""

        def interval(low: float | None, high: float | None) -> str:
            return "–" if low is None or high is None else f"{format_number(low)} to {format_number(high)}"

        diff = (f"; difference {esc(format_number(b['difference']))} ({esc(level)}interval "
                f"{esc(interval(b.get('difference_ci_low'), b.get('difference_ci_high')))})"
                if b.get("difference") is not None else "")
        head = (f"<p>{badge(*VERDICT_BADGES[v.verdict])} {esc(v.message)}</p>"
                f"<p>{badge(*BASELINE_BADGES[v.baseline_verdict])} {esc(b['metric'])}: model "
                f"{esc(format_number(b['model_value']))} vs {esc(b['name'])} "
                f"{esc(format_number(b['value']))}{diff}</p>")
        rows = [(name, format_number(iv["value"]), interval(iv["ci_low"], iv["ci_high"]))
                for name, iv in v.metric_intervals.items()]
        note = (f"<p class='mlt-note'>Intervals: percentile bootstrap over the {v.n_test or 0:,} test rows, "
                f"{v.n_boot:,} resamples.</p>" if v.n_boot else
                "<p class='mlt-note'>No intervals (n_boot = 0): the point values decide.</p>")
        metrics = (table(rows, ["Metric", "Test value", f"{level}interval"], numeric=[False, True, True])
                   if rows else "")
        return section("Verdict", head + _warnings_html(v.warnings) + metrics + note)


class SliceTable(StaticView):
    """Performance by segment of each slice column, the segments doing worse than overall first."""

    def __init__(self, slices: SliceResult | None) -> None:
        self.slices = slices

    def __repr__(self) -> str:
        if self.slices is None:
            return "SliceTable(no slice columns)"
        return f"SliceTable({', '.join(self.slices.column_names)}; {len(self.slices.flagged)} flagged)"

    def static_html(self) -> str:
        r = self.slices
        if r is None:
            return section("Performance by segment", "<p class='mlt-note'>No column to slice by: the test rows have "
                                                     "no categorical-looking feature. Pass slice_columns=[...] to "
                                                     "choose some.</p>")
        if r.flagged:
            rows = [(c, s.label, format_number(s.n), format_number(s.value), format_number(r.overall))
                    for c, s in r.flagged]
            top = (f"<p>{badge(f'{len(rows)} worse', 'critical')} segments doing worse than overall "
                   f"({esc(r.metric)}):</p>"
                   + table(rows, ["Column", "Segment", "Rows", "Value", "Overall"],
                           numeric=[False, False, True, True, True]))
        else:
            top = f"<p>{badge('none worse', 'good')} No segment is flagged as doing worse than overall.</p>"
        parts = [section(f"Performance by segment ({r.metric})", top)]
        parts += [f"<h4>by {esc(c)}</h4>{slice_table_html(r, c)}" for c in r.column_names]
        return "".join(parts)


class ImportanceChart(StaticView):
    """Permutation importance: how much the metric drops when each input column is shuffled."""

    def __init__(self, importance: FeatureImportance | None, top: int = 12) -> None:
        self.importance, self.top = importance, top

    def __repr__(self) -> str:
        i = self.importance
        return "ImportanceChart(not computed)" if i is None else \
            f"ImportanceChart({i.metric}, top {', '.join(i.features[:3])})"

    def static_html(self) -> str:
        i = self.importance
        if i is None:
            return section("Feature importance", "<p class='mlt-note'>Not computed: importance_repeats is 0, or the "
                                                 "metric is undefined on the test rows.</p>")
        note = (f"<p class='mlt-note'>Drop in {esc(i.metric)} when a column is shuffled, {i.n_repeats} repeats on "
                f"{i.n_rows:,} test rows; near 0 or below: the model does not rely on it.</p>")
        return section("Feature importance", img_tag(plot_importance(i, top=self.top), "permutation feature importance")
                       + note)


def render_markdown(text: str) -> str:
    """Markdown as HTML, with any HTML in ``text`` shown as text (escaped), never as markup."""
    import mistune  # nbconvert's Markdown renderer

    return str(mistune.create_markdown(escape=True, plugins=["table"])(text))


_CARD_CSS = (".mlt .mlt-card table { border-collapse: collapse; } "
             ".mlt .mlt-card th, .mlt .mlt-card td { border-bottom: 1px solid #ddd; padding: 2px 8px; "
             "text-align: left; } .mlt .mlt-card h1 { font-size: 17px; } .mlt .mlt-card h2 { font-size: 14px; }")


class ModelCardView(StaticView):
    """The model card (``model_card.md``), rendered."""

    def __init__(self, model_card: dict[str, Any]) -> None:
        self.model_card = model_card

    def __repr__(self) -> str:
        return f"ModelCardView({self.model_card['model'].get('name')!r})"

    def static_html(self) -> str:
        body = render_markdown(model_card_markdown(self.model_card))
        return f"<style>{_CARD_CSS}</style><div class='mlt-card'>{body}</div>"
