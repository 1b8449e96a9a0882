"""The drift widget: sortable per-feature table, overlaid distributions, threshold controls."""
from __future__ import annotations

import functools

from mltoolkit.drift.result import ColumnDrift, DriftResult
from mltoolkit.forking import run_forked
from mltoolkit.plots import drift as drift_plots
from mltoolkit.plots.style import format_number, format_share
from mltoolkit.widgets.base import (
    ToolkitWidget,
    W,
    instance_cache,
    png_image,
    prefetch_when_idle,
)
from mltoolkit.widgets.html import badge, esc, figure_png, img_tag, section, table

__all__ = ["DriftWidget", "drift_rows", "static_charts", "SORT_KEYS"]

SORT_KEYS = {
    "drift score": lambda c: -c.score,
    "column name": lambda c: c.column.lower(),
    "missing-value change": lambda c: -(c.missing_current - c.missing_reference),
}


def _scores_png(result: DriftResult) -> bytes:
    return figure_png(drift_plots.plot_drift_scores(result))


def _column_png(column: ColumnDrift, show_verdict: bool) -> bytes:
    return figure_png(drift_plots.plot_column_drift(column, show_verdict=show_verdict))


def static_charts(result: DriftResult,
                  max_columns: int = 12) -> tuple[bytes, tuple[tuple[ColumnDrift, bytes], ...]]:
    """The static view's PNGs of ``result``: drift by column, and each column shown with its distributions.

    The columns shown are those with distributions, drifted first, then by
    score, at most ``max_columns``.

    Drawn once per result (results are compared by value): a command's report
    draws them while its other checks still run (``run_monitoring(on_drift=)``),
    and the view finds them here. All in one batch: a command draws them in
    forked processes (see :mod:`mltoolkit.forking`).
    """
    return _static_charts(result, int(max_columns))  # one key however it is called


@functools.lru_cache(maxsize=8)
def _static_charts(result: DriftResult, max_columns: int) -> tuple[bytes, tuple[tuple[ColumnDrift, bytes], ...]]:
    shown = sorted((c for c in result.columns if c.summary is not None), key=lambda c: (not c.drifted, -c.score))
    shown = shown[:max_columns]
    scores, *pngs = run_forked([functools.partial(_scores_png, result)]
                               + [functools.partial(_column_png, c, True) for c in shown])
    return scores, tuple(zip(shown, pngs))


def _summary_html(result: DriftResult) -> str:
    verdict = badge("dataset drift", "critical") if result.dataset_drift else badge("no dataset drift", "good")
    target = ""
    if result.target is not None:
        target = (f" {badge('target drift', 'critical')} The target '{esc(result.target)}' drifted, whatever the "
                  "share of drifted features." if result.target_drifted
                  else f" The target '{esc(result.target)}' did not drift.")
    left_out = [c.column for c in result.columns if c.test == "skipped" and not c.drifted]
    skipped = (f" Not compared: {esc(', '.join(left_out))} (see the Note column)." if left_out else "")
    return (f"<p>{verdict} {result.n_drifted} of {result.n_tested} compared columns drifted "
            f"({format_share(result.share_drifted)}; dataset drift at {format_share(result.drift_share)}).{target} "
            f"Reference {result.n_reference:,} rows, current {result.n_current:,} rows.{skipped}</p>")


def drift_rows(result: DriftResult, sort: str = "drift score") -> str:
    """The per-column table as HTML, sorted by ``sort`` (a key of :data:`SORT_KEYS`)."""
    cols = sorted(result.columns, key=SORT_KEYS[sort])
    body = []
    for c in cols:
        status = badge("drifted", "critical") if c.drifted else (badge("skipped", "info") if c.test == "skipped"
                                                                  else badge("stable", "good"))
        stat = format_number(c.statistic)
        p = format_number(c.p_value) if c.p_value is not None else "–"
        body.append(f"<tr><td>{esc(c.column)}</td><td>{esc(c.kind)}</td><td>{esc(c.test)}</td>"
                    f"<td class='num'>{esc(stat)}</td><td class='num'>{esc(p)}</td>"
                    f"<td class='num'>{esc(format_number(c.threshold) if c.test != 'skipped' else '–')}</td>"
                    f"<td>{status}</td><td class='num'>{esc(format_share(c.missing_reference))} → "
                    f"{esc(format_share(c.missing_current))}</td><td>{esc(c.reason)}</td></tr>")
    head = ("<tr><th>Column</th><th>Kind</th><th>Test</th><th>Statistic</th><th>p-value</th><th>Threshold</th>"
            "<th>Verdict</th><th>Missing (ref → cur)</th><th>Note</th></tr>")
    return f'<table class="mlt-t">{head}{"".join(body)}</table>'


class DriftWidget(ToolkitWidget):
    """Interactive view of a :class:`~mltoolkit.drift.DriftResult`.

    Moving a threshold re-flags columns with :meth:`DriftResult.with_thresholds`
    (no statistic is recomputed).

    Parameters
    ----------
    result : DriftResult
    max_static_columns : int, default 12
        Distribution charts in the static (report) view: drifted columns first.
    """

    def __init__(self, result: DriftResult, *, max_static_columns: int = 12) -> None:
        self.base = result
        self.result = result
        self.max_static_columns = max_static_columns

    def __repr__(self) -> str:
        return f"DriftWidget({self.result.n_drifted} of {self.result.n_tested} columns drifted)"

    @instance_cache(maxsize=512)
    def column_png(self, name: str, show_verdict: bool = False) -> bytes:
        """PNG of one column's overlaid distributions (cached: thresholds never change it)."""
        return _column_png(self.base.column(name), show_verdict)

    def set_thresholds(self, *, distance: float | None = None, p_value: float | None = None) -> None:
        """Re-flag every column at new thresholds and refresh the view (what the sliders do)."""
        self.result = self.base.with_thresholds(distance=distance, p_value=p_value)
        if self._view is not None:
            self._refresh()

    # --- live view -------------------------------------------------------------------------------
    def _build(self) -> W.Widget:
        names = [c.column for c in sorted(self.result.columns, key=SORT_KEYS["drift score"])]
        self.summary = W.HTML()
        self.sort = W.Dropdown(options=list(SORT_KEYS), value="drift score", description="Sort by")
        self.distance = W.FloatSlider(value=0.1, min=0.01, max=0.5, step=0.01, description="Distance ≥",
                                      continuous_update=False, readout_format=".2f")
        self.alpha = W.FloatLogSlider(value=0.05, base=10, min=-4, max=-0.7, step=0.1, description="p-value <",
                                      continuous_update=False, readout_format=".3g")
        self.table = W.HTML()
        self.feature = W.Dropdown(options=names, value=names[0] if names else None, description="Feature")
        self.verdict = W.HTML()
        self.plot = png_image("520px")
        self.sort.observe(lambda _: self._refresh(), names="value")
        self.distance.observe(self._on_threshold, names="value")
        self.alpha.observe(self._on_threshold, names="value")
        self.feature.observe(lambda _: self._refresh_plot(), names="value")
        self._refresh()
        prefetch_when_idle(functools.partial(self.column_png, n) for n in names)  # every feature's chart, in idle time
        return W.VBox([self.summary, W.HBox([self.distance, self.alpha, self.sort]),
                       W.HBox([W.VBox([self.table], layout=W.Layout(max_width="620px", overflow="auto")),
                               W.VBox([self.feature, self.verdict, self.plot])])])

    def _on_threshold(self, _change: dict) -> None:
        self.result = self.base.with_thresholds(distance=self.distance.value, p_value=self.alpha.value)
        self._refresh()

    def _refresh(self) -> None:
        self.summary.value = f"<div class='mlt'>{_summary_html(self.result)}</div>"
        self.table.value = f"<div class='mlt'>{drift_rows(self.result, self.sort.value)}</div>"
        self._refresh_plot()

    def _refresh_plot(self) -> None:
        if self.feature.value is None:
            return
        c = self.result.column(self.feature.value)
        how = (f"p = {format_number(c.p_value)}" if c.p_value is not None else
               f"{c.test} = {format_number(c.statistic)}" if c.statistic is not None else c.reason)
        state = badge("drifted", "critical") if c.drifted else badge("stable", "good")
        self.verdict.value = f"<div class='mlt'>{state} {esc(c.column)}: {esc(how)} (threshold {format_number(c.threshold)})</div>"
        self.plot.value = self.column_png(self.feature.value)

    # --- static view -----------------------------------------------------------------------------
    def static_html(self) -> str:
        r = self.result
        scores, shown = static_charts(r, self.max_static_columns)
        parts = [section("Drift summary", _summary_html(r) + img_tag(scores, "drift by column"))]
        if r.schema_changes:
            parts.append(section("Schema changes", table([(s.change.replace("_", " "), s.column, s.detail)
                                                          for s in r.schema_changes], ["Change", "Column", "Detail"])))
        parts.append(section("Columns", drift_rows(r)))
        imgs = "".join(img_tag(png, f"{c.column}: reference vs current") for c, png in shown)
        more = sum(c.summary is not None for c in r.columns) - len(shown)
        note = f'<p class="mlt-note">{more} more columns are in the table above.</p>' if more > 0 else ""
        parts.append(section("Distributions: reference vs current", f'<div class="mlt-row">{imgs}</div>{note}'))
        return "".join(parts)
