"""Monitoring summary: the recommendation, alerts, multivariate drift and performance at a glance."""
from __future__ import annotations

from mltoolkit.monitor.alert_groups import group_alerts
from mltoolkit.monitor.performance import ChunkPerformance, ProductionPerformance
from mltoolkit.monitor.run import MonitoringReport
from mltoolkit.plots import drift as drift_plots
from mltoolkit.plots.performance import plot_performance_over_time
from mltoolkit.plots.style import format_number
from mltoolkit.widgets.base import ToolkitWidget, W, png_image
from mltoolkit.widgets.html import badge, esc, figure_png, img_tag, section, table

__all__ = ["MonitoringSummary", "PerformanceWidget", "performance_html", "chunk_table"]

_STATUS = {"pass": ("meets the criterion", "good"), "fail": ("fails", "critical"),
           "uncertain": ("not established", "warning"), "unknown": ("not known yet", "info")}


def _iv(p: ProductionPerformance, iv) -> str:
    return "–" if iv is None or iv.value is None else iv.describe(p.confidence)


def performance_html(p: ProductionPerformance, *, chart: bool = True) -> str:
    """Performance in production as static HTML: verdict, chart, per-chunk table, assumptions and join problems."""
    text, level = _STATUS[p.status]
    expected = _iv(p, p.expected)
    criterion = f"{p.metric} {p.direction} {p.threshold:g}" if p.threshold is not None else "none"
    parts = [f"<p>{badge(text, level)} {esc(p.message)}</p>",
             table([("Expected (evaluation)", expected), ("Criterion", criterion),
                    ("Now (" + p.latest.label + ")", p.describe()),
                    ("Whole batch", p.describe(p.overall)),
                    ("Rows labelled", f"{p.overall.n_labelled:,} of {p.overall.n_rows:,}")])]
    if chart:
        parts.append(img_tag(plot_performance_over_time(p), f"{p.metric} in production over time"))
    if p.chunks:
        parts.append(chunk_table(p, p.chunks))
    notes = list(p.notes) + [f"Assumption: {a}" for a in p.assumptions]
    if p.join is not None:
        notes += [f"Join: {x}." for x in p.join.problems()]
    if notes:
        parts.append("<ul>" + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>")
    return "".join(parts)


def chunk_table(p: ProductionPerformance, chunks: tuple[ChunkPerformance, ...] | list[ChunkPerformance]) -> str:
    """Every chunk's figures and verdict, one row each."""
    rows = [(c.label, f"{c.n_rows:,}", f"{c.n_labelled:,}", _iv(p, c.actual), _iv(p, c.estimated), c.basis,
             _STATUS[c.status][0] + (" (concept shift)" if c.concept_shift else "")) for c in chunks]
    return table(rows, ["Chunk", "Rows", "Labelled", "Actual", "Estimated", "Judged on", "Verdict"],
                 numeric=[False, True, True, False, False, False, False])


class PerformanceWidget(ToolkitWidget):
    """Performance in production with a chunk picker: the chart marks the chunk, the panel shows its figures."""

    def __init__(self, result: ProductionPerformance) -> None:
        self.result = result

    def __repr__(self) -> str:
        return f"PerformanceWidget({self.result.metric}: {self.result.status}, {len(self.result.chunks)} chunks)"

    def static_html(self) -> str:
        return section("Performance in production", performance_html(self.result))

    def chunk_html(self, label: str) -> str:
        """One chunk's figures (what the picker shows)."""
        p = self.result
        c = next((c for c in p.chunks if c.label == label), p.overall)
        text, level = _STATUS[c.status]
        rows = [("Rows", f"{c.n_rows:,} ({c.n_labelled:,} labelled)"), ("Actual", _iv(p, c.actual)),
                ("Estimated", _iv(p, c.estimated)), ("Judged on", f"{c.basis}: {_iv(p, c.observed)}"),
                ("Expected", _iv(p, p.expected))]
        if c.drop is not None:
            rows.append(("Worse than expected by", f"{c.drop:.3g} (rule: {p.max_drop:g})"))
        if c.constraint is not None:
            rows.append((f"Constraint {p.constraint_metric}", _iv(p, c.constraint)))
        extra = ("<p>Labels show this chunk below what the probabilities promise: a concept shift, which the "
                 "estimate cannot see.</p>") if c.concept_shift else ""
        return f"<p>{badge(text, level)} <b>{esc(c.label)}</b></p>{table(rows)}{extra}"

    def _build(self) -> W.Widget:
        p = self.result
        labels = [c.label for c in p.chunks] or [p.overall.label]
        picker = W.Dropdown(options=labels, value=labels[-1], description="Chunk")
        image = png_image("760px", figure_png(plot_performance_over_time(p, highlight=labels[-1])))
        detail = W.HTML(self.chunk_html(labels[-1]))

        def show(change: dict) -> None:
            image.value = figure_png(plot_performance_over_time(p, highlight=change["new"]))
            detail.value = self.chunk_html(change["new"])

        picker.observe(show, names="value")
        head = W.HTML(f"<div class='mlt'>{section('Performance in production', f'<p>{esc(p.message)}</p>')}</div>")
        detail.add_class("mlt")
        return W.VBox([head, picker, image, detail])


class MonitoringSummary(ToolkitWidget):
    """Static card (same in JupyterLab and reports) of a :class:`~mltoolkit.monitor.MonitoringReport`."""

    def __init__(self, report: MonitoringReport) -> None:
        self.report = report

    def __repr__(self) -> str:
        return f"MonitoringSummary(retrain={self.report.recommendation.retrain}, alerts={len(self.report.alerts)})"

    def _build(self) -> W.Widget:
        return W.HTML(f"<div class='mlt'>{self.static_html()}</div>")

    def static_html(self) -> str:
        r = self.report
        rec = r.recommendation
        head = badge("retrain", "critical") if rec.retrain else badge("no action", "good")
        parts = [section("Recommendation", f"<p>{head} {esc(rec.summary)}</p>")]
        if r.production is not None:
            parts.append(section("Performance in production", performance_html(r.production)))
        facts = []
        if r.domain is not None:
            top = ", ".join(f"{name} ({format_number(v)})" for name, v in r.domain.top_features[:5]) or "none"
            left_out = "; ".join(f"{name}: {reason}" for name, reason in r.domain.skipped.items())
            facts.append(f"<li>Multivariate drift: a classifier separates current from reference rows with ROC AUC "
                         f"{format_number(r.domain.roc_auc)} (0.5 = indistinguishable); most telling: {esc(top)}."
                         + (f" Left out: {esc(left_out)}." if left_out else "") + "</li>")
        if r.drift.target is not None:
            moved = "drifted" if r.drift.target_drifted else "did not drift"
            facts.append(f"<li>Target: '{esc(r.drift.target)}' {moved} (judged apart from the features).</li>")
        if r.performance is not None and r.production is None:
            facts.append(f"<li>Performance: {esc(r.performance.message)}.</li>")
        if r.usage is not None:
            u = r.usage
            per_day = u.total_predictions / max(len(u.days), 1)
            facts.append(f"<li>Use: {u.total_predictions:,} predictions in {u.total_requests:,} requests over "
                         f"{len(u.days)} day(s) ({per_day:,.0f} a day)"
                         + (f"; {u.idle_days} day(s) without a single request" if u.idle_days else "") + ".</li>")
        if facts:
            parts.append(section("Model-level checks", f"<ul>{''.join(facts)}</ul>"))
        if r.alerts:
            groups = group_alerts(r.alerts)  # one line per kind and column; alerts.json keeps every record
            rows = "".join(f"<tr><td>{badge(g.severity, g.severity)}</td><td>{esc(g.what.replace('_', ' '))}</td>"
                           f"<td>{esc(g.detail)}</td></tr>" for g in groups)
            title = f"Alerts ({len(r.alerts)})" if len(groups) == len(r.alerts) else \
                f"Alerts ({len(r.alerts)}, as {len(groups)} findings)"
            parts.append(section(title, f'<table class="mlt-t"><tr><th>Severity</th><th>What</th>'
                                 f"<th>Detail</th></tr>{rows}</table>"))
        else:
            parts.append(section("Alerts", '<p class="mlt-note">No alerts.</p>'))
        if r.chunks:
            parts.append(section("Drift over time", img_tag(drift_plots.plot_drift_over_time(
                r.chunks, drift_share=r.drift.drift_share), "drift over time")))
        return "".join(parts)
