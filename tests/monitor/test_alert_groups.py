"""Alerts grouped for reading: one line per kind and column, nothing lost."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mltoolkit.monitor import MonitoringAlert, group_alerts

KINDS = ("column_drift", "performance_drop", "concept_shift")


def _alert(what: str, severity: str, chunk: str | None, column: str | None = None) -> MonitoringAlert:
    return MonitoringAlert(what, column, 0.5, 0.6, severity, " ".join(p for p in (what, column, chunk) if p), chunk)


def test_per_period_alerts_become_one_line_with_the_latest():
    alerts = [_alert("column_drift", "warning", None, "age"), _alert("column_drift", "warning", None, "<b>city</b>")]
    alerts += [_alert("performance_drop", s, c) for s, c in
               (("warning", "2026-01"), ("critical", "2026-02"), ("critical", "2026-03"))]
    groups = group_alerts(alerts)
    assert [(g.what, g.column, g.count) for g in groups] == [
        ("performance_drop", None, 3), ("column_drift", "age", 1), ("column_drift", "<b>city</b>", 1)]
    drop = groups[0]
    assert drop.severity == "critical" and drop.critical == 2 and drop.chunks == ("2026-01", "2026-02", "2026-03")
    assert drop.detail == ("fired in 3 periods (2026-01 to 2026-03), 2 critical; latest: "
                           "performance_drop 2026-03")
    assert groups[1].detail == "column_drift age"


@given(st.lists(st.tuples(st.sampled_from(KINDS), st.sampled_from(("info", "warning", "critical")),
                          st.one_of(st.none(), st.sampled_from(("a", "b"))),
                          st.one_of(st.none(), st.text(min_size=1, max_size=5))), max_size=30))
def test_grouping_keeps_every_alert_and_the_worst_severity(specs):
    alerts = [_alert(what, severity, chunk, column) for what, severity, column, chunk in specs]
    groups = group_alerts(alerts)
    assert sum(g.count for g in groups) == len(alerts)
    assert sum(g.critical for g in groups) == sum(a.severity == "critical" for a in alerts)
    assert len({(g.what, g.column) for g in groups}) == len(groups)
    rank = ("critical", "warning", "info")
    assert [rank.index(g.severity) for g in groups] == sorted(rank.index(g.severity) for g in groups)
    for g in groups:
        members = [a for a in alerts if (a.what, a.column) == (g.what, g.column)]
        assert g.latest == members[-1] and rank.index(g.severity) == min(rank.index(a.severity) for a in members)
