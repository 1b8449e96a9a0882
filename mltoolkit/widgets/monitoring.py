"""Monitoring summary: the recommendation, alerts, multivariate drift and performance at a glance."""
from __future__ import annotations

import ipywidgets as W

from mltoolkit.monitor.run import MonitoringReport
from mltoolkit.plots import drift as drift_plots
from mltoolkit.plots.style import format_number
from mltoolkit.widgets.base import ToolkitWidget
from mltoolkit.widgets.html import badge, esc, img_tag, section

__all__ = ["MonitoringSummary"]


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
        if r.performance is not None:
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
            rows = "".join(f"<tr><td>{badge(a.severity, a.severity)}</td><td>{esc(a.what.replace('_', ' '))}</td>"
                           f"<td>{esc(a.message)}</td></tr>" for a in r.alerts)
            parts.append(section(f"Alerts ({len(r.alerts)})", f'<table class="mlt-t"><tr><th>Severity</th><th>What</th>'
                                 f"<th>Detail</th></tr>{rows}</table>"))
        else:
            parts.append(section("Alerts", '<p class="mlt-note">No alerts.</p>'))
        if r.chunks:
            parts.append(section("Drift over time", img_tag(drift_plots.plot_drift_over_time(
                r.chunks, drift_share=r.drift.drift_share), "drift over time")))
        return "".join(parts)
