"""Alerts grouped for reading: one line per kind of breach and column, however many periods it fired in.

``alerts.json`` keeps one record per breach (per time chunk for performance),
which is what a scheduler or a pager wants; a person reading a report wants
"performance drop in 12 of 14 periods, 8 critical, latest: ..." once.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from mltoolkit._serialize import to_jsonable
from mltoolkit.monitor.alerts import MonitoringAlert

__all__ = ["SEVERITY_ORDER", "AlertGroup", "group_alerts"]

#: Severities from the most to the least severe.
SEVERITY_ORDER = ("critical", "warning", "info")


@dataclasses.dataclass(frozen=True)
class AlertGroup:
    """Alerts of one kind on one column (or none): how many, how severe, where, and the latest one.

    Attributes
    ----------
    what, column : str, str or None
        As in :class:`~mltoolkit.monitor.MonitoringAlert`.
    severity : str
        The most severe of the group.
    count, critical : int
        Alerts in the group, and how many of them are critical.
    chunks : tuple of str
        The periods (or row chunks) they fired in, in the order monitoring found them.
    latest : MonitoringAlert
        The last alert of the group (the most recent period for performance alerts).
    """

    what: str
    column: str | None
    severity: str
    count: int
    critical: int
    chunks: tuple[str, ...]
    latest: MonitoringAlert

    @property
    def detail(self) -> str:
        """One sentence: the alert itself, or how often it fired and the latest one."""
        if self.count == 1:
            return self.latest.message
        where = (f" in {self.count} periods ({self.chunks[0]} to {self.chunks[-1]})"
                 if len(self.chunks) == self.count else f" {self.count} times")
        severe = f", {self.critical} critical" if self.critical and self.critical < self.count else ""
        return f"fired{where}{severe}; latest: {self.latest.message}"

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({**dataclasses.asdict(self), "detail": self.detail})


def group_alerts(alerts: Sequence[MonitoringAlert]) -> list[AlertGroup]:
    """Group ``alerts`` by kind and column, most severe groups first (then in the order they first fired).

    Examples
    --------
    >>> a = [MonitoringAlert("performance_drop", None, 0.6, 0.8, "critical", "drop in May", "2026-05"),
    ...      MonitoringAlert("performance_drop", None, 0.7, 0.8, "warning", "drop in June", "2026-06")]
    >>> g = group_alerts(a)[0]
    >>> g.count, g.severity, g.detail
    (2, 'critical', 'fired in 2 periods (2026-05 to 2026-06), 1 critical; latest: drop in June')
    """
    groups: dict[tuple[str, str | None], list[MonitoringAlert]] = {}
    for alert in alerts:
        groups.setdefault((alert.what, alert.column), []).append(alert)
    out = []
    for (what, column), members in groups.items():
        rank = min(SEVERITY_ORDER.index(a.severity) if a.severity in SEVERITY_ORDER else len(SEVERITY_ORDER)
                   for a in members)
        out.append(AlertGroup(
            what=what, column=column,
            severity=SEVERITY_ORDER[rank] if rank < len(SEVERITY_ORDER) else members[0].severity,
            count=len(members), critical=sum(a.severity == "critical" for a in members),
            chunks=tuple(a.chunk for a in members if a.chunk is not None), latest=members[-1]))
    order = {g: i for i, g in enumerate(out)}
    return sorted(out, key=lambda g: (SEVERITY_ORDER.index(g.severity) if g.severity in SEVERITY_ORDER else 9,
                                      order[g]))
