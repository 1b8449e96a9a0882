"""The EDA widget: overview, alerts, a column picker, correlations, target."""
from __future__ import annotations

import functools
import weakref
from collections.abc import Callable

import pandas as pd
from matplotlib.figure import Figure

from mltoolkit.eda.feature_target import feature_vs_target
from mltoolkit.eda.result import ColumnProfile, ProfileResult
from mltoolkit.plots import eda as eda_plots
from mltoolkit.plots.style import format_number, format_share
from mltoolkit.widgets.base import (
    ToolkitWidget,
    W,
    instance_cache,
    png_image,
    prefetch_when_idle,
)
from mltoolkit.forking import run_forked
from mltoolkit.widgets.html import badge, esc, figure_png, img_tag, section, table

__all__ = ["EDAWidget", "EDASummary", "overview_rows", "column_rows", "alert_rows", "chart_order"]

_SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


def chart_order(result: ProfileResult) -> list[str]:
    """Column names, most worth a chart first.

    The target, then columns named by alerts (most severe first), then by
    association with the target, then the rest in table order. Wide data shows
    charts for the head of this list only.
    """
    rank: dict[str, tuple] = {c.name: (3, 0.0, i) for i, c in enumerate(result.columns)}
    if result.target is not None:
        for a in result.target.associations:
            if a.feature in rank:
                rank[a.feature] = min(rank[a.feature], (2, -a.value, rank[a.feature][2]))
    for alert in result.alerts:
        for name in alert.columns:
            if name in rank:
                rank[name] = min(rank[name], (1, _SEVERITY_ORDER.get(alert.severity, 3), rank[name][2]))
    if result.target is not None and result.target.column in rank:
        rank[result.target.column] = (0, 0.0, 0)
    return sorted(rank, key=rank.__getitem__)


_MISSING_PNGS: dict[int, bytes] = {}


def _missing_png(result: ProfileResult) -> bytes:
    """PNG of the missing values per column, drawn once per result (the summary and the profile both show it)."""
    key = id(result)
    if key not in _MISSING_PNGS:
        _MISSING_PNGS[key] = figure_png(eda_plots.plot_missing(result))
        weakref.finalize(result, _MISSING_PNGS.pop, key, None)  # forgotten with the result (ids are reused)
    return _MISSING_PNGS[key]


def _png(plot: Callable[..., Figure], *args: object) -> bytes:
    """``plot(*args)`` as PNG bytes (a job :func:`~mltoolkit.forking.run_forked` can run in a fork)."""
    return figure_png(plot(*args))


def _typical(col: ColumnProfile) -> str:
    if col.numeric is not None:
        return format_number(col.numeric.mean)
    if col.categorical is not None and col.categorical.mode is not None:
        return col.categorical.mode
    return "–"


def _notes_html(notes: tuple[str, ...] | list[str]) -> str:
    return "".join(f'<p class="mlt-note">{esc(n)}</p>' for n in notes)


def overview_rows(result: ProfileResult) -> list[tuple[str, str]]:
    """(label, value) rows of the dataset overview."""
    o = result.overview
    rows = [
        ("Rows", format_number(o.n_rows)),
        ("Columns", format_number(o.n_columns)),
        ("Memory", f"{o.memory_bytes / 2**20:,.1f} MiB"),
        ("Duplicate rows", "not counted (see notes)" if o.n_duplicate_rows is None
         else f"{format_number(o.n_duplicate_rows)} ({format_share(o.duplicate_share)})"),
        ("Missing cells", f"{format_number(o.n_missing_cells)} ({format_share(o.missing_cell_share)})"),
        ("Column kinds", ", ".join(f"{k}: {v}" for k, v in o.kinds.items() if v)),
    ]
    if result.sampled_rows:
        rows.append(("Rows analysed (sample)", format_number(result.sampled_rows)))
    return rows


def column_rows(col: ColumnProfile) -> list[tuple[str, str]]:
    """(statistic, value) rows for one column, by its kind."""
    rows = [
        ("Kind", col.kind + (" (mixed types)" if col.mixed_types else "")),
        ("Values", format_number(col.count)),
        ("Missing", f"{format_number(col.n_missing)} ({format_share(col.missing_share)})"),
        ("Distinct", f"{format_number(col.n_distinct)} ({format_share(col.distinct_share)})"),
    ]
    if col.numeric is not None:
        s = col.numeric
        rows += [("Mean", format_number(s.mean)), ("Std", format_number(s.std)),
                 ("Min", format_number(s.min))]
        rows += [(f"Quantile {k}", format_number(v)) for k, v in s.quantiles.items()]
        rows += [("Max", format_number(s.max)), ("Zeros", format_number(s.n_zeros)),
                 ("Negative", format_number(s.n_negative)), ("Infinite", format_number(s.n_infinite)),
                 ("Skewness", format_number(s.skewness)), ("Kurtosis (excess)", format_number(s.kurtosis))]
    if col.categorical is not None:
        c = col.categorical
        rows += [("Cardinality", format_number(c.cardinality)), ("Most frequent", c.mode if c.mode is not None else "–")]
        rows += [(f"  {t.value}", f"{format_number(t.count)} ({format_share(t.share)})") for t in c.top[:8]]
        if c.other_count:
            rows.append(("  (other values)", format_number(c.other_count)))
    if col.datetime is not None:
        d = col.datetime
        rows += [("First", d.min or "–"), ("Last", d.max or "–"), ("Range (days)", format_number(d.range_days)),
                 ("Largest gap (days)", format_number(d.largest_gap_days)),
                 ("Median gap (days)", format_number(d.median_gap_days))]
    if col.text is not None:
        t = col.text
        rows += [("Mean length", format_number(t.mean_length)), ("Min length", format_number(t.min_length)),
                 ("Max length", format_number(t.max_length)), ("Mean words", format_number(t.mean_words))]
    return rows


def alert_rows(result: ProfileResult) -> list[tuple[str, str, str]]:
    """(severity, type, message) rows, most severe first."""
    alerts = sorted(result.alerts, key=lambda a: _SEVERITY_ORDER.get(a.severity, 3))
    return [(a.severity, a.type.replace("_", " "), a.message) for a in alerts]


#: Alerts listed in a view; wide data can raise thousands (the JSON profile keeps them all).
MAX_ALERT_ROWS = 200


def _alerts_html(result: ProfileResult) -> str:
    rows = alert_rows(result)
    limit = MAX_ALERT_ROWS
    if not rows:
        return '<p class="mlt-note">No alerts.</p>'
    body = "".join(f"<tr><td>{badge(s, s)}</td><td>{esc(t)}</td><td>{esc(m)}</td></tr>" for s, t, m in rows[:limit])
    more = (f'<p class="mlt-note">{len(rows) - limit:,} less severe alerts not listed; the JSON profile has all '
            f"{len(rows):,}.</p>" if len(rows) > limit else "")
    return f'<table class="mlt-t"><tr><th>Severity</th><th>Type</th><th>Finding</th></tr>{body}</table>{more}'


class EDAWidget(ToolkitWidget):
    """Interactive view of a :class:`~mltoolkit.eda.ProfileResult`.

    Parameters
    ----------
    result : ProfileResult
        From :func:`mltoolkit.eda.profile`.
    data : pandas.DataFrame, optional
        The profiled data; when given with a target, picking a column also shows
        how the target varies with it.
    max_static_columns : int, default 30
        Columns drawn in the static (report) view, chosen by :func:`chart_order`
        (target, columns with alerts, strongest association with the target);
        the rest are summarized in one table, with a note saying so.
    prefetch : bool, default True
        In a kernel, render charts in idle time after the view is shown, so
        picking a column is instant on large data.
    max_prefetch_columns : int, default 100
        Columns whose charts are prefetched, in :func:`chart_order`; others are
        drawn when picked (wide data would otherwise keep the kernel busy
        drawing thousands of charts nobody looks at).

    Examples
    --------
    >>> from mltoolkit.eda import profile          # doctest: +SKIP
    >>> EDAWidget(profile(df, target="y"), data=df)  # doctest: +SKIP
    """

    def __init__(self, result: ProfileResult, data: pd.DataFrame | None = None, *,
                 max_static_columns: int = 30, prefetch: bool = True, max_prefetch_columns: int = 100) -> None:
        self.result = result
        self.prefetch = prefetch
        self.max_prefetch_columns = max_prefetch_columns
        self.data = data
        self.max_static_columns = max_static_columns
        self.column_picker: W.Dropdown | None = None
        self.column_stats: W.HTML | None = None
        self.column_plot: W.Image | None = None
        self.target_plot: W.Image | None = None

    def __repr__(self) -> str:
        o = self.result.overview
        return f"EDAWidget({o.n_rows:,} rows x {o.n_columns} columns, {len(self.result.alerts)} alerts)"

    # --- rendering helpers shared by both views ---------------------------------------------
    @instance_cache(maxsize=256)
    def column_png(self, name: str) -> bytes:
        """PNG of one column's distribution (cached per column)."""
        return figure_png(eda_plots.plot_distribution(self.result.column(name)))

    def _distribution_png(self, name: str) -> bytes | None:
        return None if self.result.column(name).kind == "identifier" else self.column_png(name)

    @instance_cache(maxsize=256)
    def target_png(self, name: str) -> bytes | None:
        """PNG of the target by bins of column ``name``; None without data or target."""
        target = self.result.target
        if self.data is None or target is None or name == target.column:
            return None
        col = self.result.column(name)
        if col.kind in ("identifier", "text"):
            return None
        summary = feature_vs_target(self.data, name, target.column, kind=col.kind)
        return figure_png(eda_plots.plot_feature_vs_target(summary))

    def _column_html(self, name: str) -> str:
        return table(column_rows(self.result.column(name)), ["Statistic", "Value"], numeric=[False, True])

    # --- live view ------------------------------------------------------------------------------
    def _build(self) -> W.Widget:
        r = self.result
        names = [c.name for c in r.columns]
        self.column_picker = W.Dropdown(options=names, value=names[0] if names else None,
                                        description="Column", layout=W.Layout(width="420px"))
        self.column_stats = W.HTML()
        self.column_plot = png_image("480px")
        self.target_plot = png_image("480px")
        # Stable class names, for styling and for browser tests.
        for control, css in ((self.column_picker, "mlt-column-picker"), (self.column_stats, "mlt-column-stats"),
                             (self.column_plot, "mlt-column-plot"), (self.target_plot, "mlt-target-plot")):
            control.add_class(css)
        self.column_picker.observe(self._on_column, names="value")
        if names:
            self._show(names[0])
        if self.prefetch:  # render the likeliest picks' charts while the person reads the first one
            ranked = chart_order(r)[: self.max_prefetch_columns]
            prefetch_when_idle(job for n in ranked for job in (functools.partial(self.column_png, n),
                                                               functools.partial(self.target_png, n)))
        columns_tab = W.VBox([self.column_picker, W.HBox([self.column_stats, W.VBox([self.column_plot, self.target_plot])])])
        tabs = [("Overview", W.VBox([W.HTML(table(overview_rows(r), ["", ""]) + _notes_html(r.notes)),
                                     png_image("640px", _missing_png(r))])),
                ("Alerts", W.HTML(_alerts_html(r))),
                ("Columns", columns_tab),
                ("Correlations", W.HTML(self._correlations_html()))]
        if r.target is not None:
            tabs.append(("Target", W.HTML(self._target_html())))
        tab = W.Tab(children=[t[1] for t in tabs])
        for i, (title, _) in enumerate(tabs):
            tab.set_title(i, title)
        return tab

    def _on_column(self, change: dict) -> None:
        if change["new"] is not None:
            self._show(change["new"])

    def show_column(self, name: str) -> None:
        """Pick column ``name`` in the Columns tab, as a person would in the dropdown."""
        self.view  # noqa: B018 - make sure the controls exist
        self.column_picker.value = name

    def _show(self, name: str) -> None:
        self.column_stats.value = f"<div class='mlt'>{self._column_html(name)}</div>"
        plottable = self.result.column(name).kind != "identifier"
        self.column_plot.value = self.column_png(name) if plottable else b""
        self.column_plot.layout.display = None if plottable else "none"
        target_png = self.target_png(name)
        self.target_plot.value = target_png or b""
        self.target_plot.layout.display = None if target_png else "none"

    # --- static view ----------------------------------------------------------------------------
    def _correlation_charts(self) -> list[tuple[str, functools.partial]]:
        """(alt text, job drawing the PNG) of the correlation tab's charts."""
        r = self.result
        methods = [m.method for m in r.correlations.matrices if len(m.columns) >= 2][:2]
        charts = [(f"{m} correlation heatmap", m) for m in methods]
        if not methods and r.correlations.top_pairs:
            charts = [("strongest correlated pairs", r.correlations.top_pairs[0].method)]
        return [(alt, functools.partial(_png, eda_plots.plot_correlation_heatmap, r, m)) for alt, m in charts]

    def _correlations_html(self, pngs: list[bytes] | None = None) -> str:
        r = self.result
        charts = self._correlation_charts()
        drawn = pngs if pngs is not None else [job() for _, job in charts]
        parts = [img_tag(png, alt) for (alt, _), png in zip(charts, drawn)]
        pairs = r.correlations.top_pairs[:15]
        rows = [(p.a, p.b, p.method.replace("_", " "), format_number(p.value)) for p in pairs]
        table_html = table(rows, ["Column", "Column", "Measure", "Value"], numeric=[False, False, False, True]) \
            if rows else '<p class="mlt-note">No pairs to correlate.</p>'
        return (f'<div class="mlt-row">{"".join(parts)}</div><h4>Strongest pairs</h4>{table_html}'
                + _notes_html(r.correlations.notes))

    def _target_charts(self) -> list[tuple[str, functools.partial]]:
        r = self.result
        return [("target balance", functools.partial(_png, eda_plots.plot_target_balance, r)),
                ("association with target", functools.partial(_png, eda_plots.plot_target_associations, r))]

    def _target_html(self, pngs: list[bytes] | None = None) -> str:
        r = self.result
        t = r.target
        charts = self._target_charts()
        drawn = pngs if pngs is not None else [job() for _, job in charts]
        rows = [(a.feature, a.method.replace("_", " "), format_number(a.value)) for a in t.associations[:20]]
        return (f'<div class="mlt-row">{"".join(img_tag(png, alt) for (alt, _), png in zip(charts, drawn))}</div>'
                + table(rows, ["Feature", "Measure", "Association"], numeric=[False, False, True]))

    def static_html(self) -> str:
        r = self.result
        charted = set(chart_order(r)[: self.max_static_columns])
        shown = [c for c in r.columns if c.name in charted]
        # Every chart of the report is one job: a command's report draws them in forked processes (mltoolkit.forking).
        corr_charts = self._correlation_charts()
        target_charts = self._target_charts() if r.target is not None else []
        # The larger charts first, so that no process is left drawing one while the others are done.
        jobs = [functools.partial(_missing_png, r)] + [job for _, job in corr_charts + target_charts]
        jobs += [job for c in shown for job in (functools.partial(self._distribution_png, c.name),
                                                functools.partial(self.target_png, c.name))]
        pngs = iter(run_forked(jobs))
        missing = next(pngs)
        corr_pngs, target_pngs = [next(pngs) for _ in corr_charts], [next(pngs) for _ in target_charts]
        parts = [section("Overview", '<div class="mlt-row">' + table(overview_rows(r), ["", ""])
                         + img_tag(missing, "missing values per column") + "</div>"
                         + _notes_html(r.notes)),
                 section(f"Alerts ({len(r.alerts)})", _alerts_html(r))]
        cols_html = []
        if len(charted) < len(r.columns):
            cols_html.append(f'<p class="mlt-note">Charts for {len(charted)} of {len(r.columns):,} columns: the '
                             "target, columns with alerts, then those most associated with the target; the other "
                             f"{len(r.columns) - len(charted):,} are summarized in the table below.</p>")
        for col in shown:
            distribution, target_png = next(pngs), next(pngs)
            imgs = img_tag(distribution, f"distribution of {col.name}") if distribution else ""
            if target_png:
                imgs += img_tag(target_png, f"target by {col.name}")
            cols_html.append(f"<h4>{esc(col.name)}</h4><div class='mlt-row'>{self._column_html(col.name)}"
                             f"<div>{imgs}</div></div>")
        rest = [c for c in r.columns if c.name not in charted]
        if rest:
            rows = [(c.name, c.kind, format_share(c.missing_share), format_number(c.n_distinct), _typical(c))
                    for c in rest]
            cols_html.append(f"<h4>{len(rest):,} more columns</h4>"
                             + table(rows, ["Column", "Kind", "Missing", "Distinct", "Mean or most frequent"],
                                     numeric=[False, False, True, True, True]))
        parts.append(section("Columns", "".join(cols_html)))
        parts.append(section("Correlations", self._correlations_html(corr_pngs)))
        if r.target is not None:
            parts.append(section(f"Target: {r.target.column}", self._target_html(target_pngs)))
        return "".join(parts)


class EDASummary(ToolkitWidget):
    """The dataset at a glance, for executives: overview, missing values and the most severe alerts."""

    def __init__(self, result: ProfileResult, *, max_alerts: int = 8) -> None:
        self.result = result
        self.max_alerts = max_alerts

    def __repr__(self) -> str:
        return f"EDASummary({self.result.overview.n_rows:,} rows, {len(self.result.alerts)} alerts)"

    def _build(self) -> W.Widget:
        return W.HTML(f"<div class='mlt'>{self.static_html()}</div>")

    def static_html(self) -> str:
        r = self.result
        rows = alert_rows(r)
        shown = rows[: self.max_alerts]
        body = "".join(f"<tr><td>{badge(s, s)}</td><td>{esc(m)}</td></tr>" for s, _, m in shown)
        more = f'<p class="mlt-note">{len(rows) - len(shown)} more alerts in the technical report.</p>' \
            if len(rows) > len(shown) else ""
        alerts = (f'<table class="mlt-t"><tr><th>Severity</th><th>Finding</th></tr>{body}</table>{more}'
                  if rows else '<p class="mlt-note">No alerts.</p>')
        return section("The data at a glance", '<div class="mlt-row">' + table(overview_rows(r), ["", ""])
                       + img_tag(_missing_png(r), "missing values per column") + "</div>") + \
            section(f"Data alerts ({len(rows)})", alerts)
