"""Alerts: findings worth a person's attention, each in plain language naming its columns."""
from __future__ import annotations

from mltoolkit.eda.result import Alert, ColumnProfile, CorrelationPair, Overview, TargetAnalysis

__all__ = ["AlertThresholds", "find_alerts"]


class AlertThresholds:
    """Documented defaults for when an alert fires."""

    missing_warning = 0.05       # share of missing values
    missing_critical = 0.5
    high_cardinality = 50        # distinct values of a categorical column ...
    high_cardinality_share = 0.5  # ... that are also more than this share of its rows
    very_high_cardinality = 1000
    skew = 2.0                   # |skewness|
    zeros = 0.5                  # share of zeros
    dominant = 0.95              # share of the most frequent category
    imbalance = 0.1              # minority class share of the target
    leakage = 0.95               # association with the target
    duplicates = 0.0             # share of duplicate rows above which to warn


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _column_alerts(col: ColumnProfile, n_rows: int, t: type[AlertThresholds]) -> list[Alert]:
    out: list[Alert] = []
    name = col.name
    if n_rows and col.count == 0:
        return [Alert("missing", (name,), "critical", f"'{name}' is entirely missing ({n_rows:,} rows)", 1.0)]
    if col.missing_share > t.missing_warning:
        sev = "critical" if col.missing_share > t.missing_critical else "warning"
        out.append(Alert("missing", (name,), sev, f"'{name}' has {_pct(col.missing_share)} missing values "
                         f"({col.n_missing:,} of {n_rows:,} rows)", col.missing_share))
    if col.count and col.n_distinct == 1:
        out.append(Alert("constant", (name,), "warning", f"'{name}' has a single value: it carries no information", 1.0))
        return out
    if col.mixed_types:
        out.append(Alert("mixed_types", (name,), "warning",
                         f"'{name}' mixes numbers and text; clean it or set its kind explicitly", None))
    if col.kind == "identifier" or (col.kind in ("categorical", "text") and col.count >= 50 and col.n_distinct == col.count):
        out.append(Alert("unique", (name,), "info", f"'{name}' has a distinct value in every row: an identifier, "
                         "not a feature", col.distinct_share))
    elif col.kind == "categorical":
        if col.n_distinct > t.very_high_cardinality or (
                col.n_distinct > t.high_cardinality and col.distinct_share > t.high_cardinality_share):
            out.append(Alert("high_cardinality", (name,), "warning", f"'{name}' has {col.n_distinct:,} distinct "
                             "values: group rare ones or encode it another way", float(col.n_distinct)))
        top = col.categorical.top[0] if col.categorical and col.categorical.top else None
        if top is not None and top.share > t.dominant:
            out.append(Alert("imbalanced", (name,), "info", f"'{name}' is {_pct(top.share)} '{top.value}'", top.share))
    if col.numeric is not None:
        s = col.numeric
        if s.n_infinite:
            out.append(Alert("infinite", (name,), "warning", f"'{name}' has {s.n_infinite:,} infinite values "
                             "(left out of its statistics)", float(s.n_infinite)))
        if s.skewness is not None and abs(s.skewness) > t.skew:
            out.append(Alert("skewed", (name,), "info", f"'{name}' is highly skewed (skewness {s.skewness:.1f}); "
                             "consider a log transform", s.skewness))
        if col.count and s.n_zeros / col.count > t.zeros:
            out.append(Alert("zeros", (name,), "info", f"'{name}' is zero in {_pct(s.n_zeros / col.count)} of rows",
                             s.n_zeros / col.count))
    return out


def _strongest_per_pair(pairs: tuple[CorrelationPair, ...], threshold: float,
                        target: str | None) -> list[CorrelationPair]:
    """One pair per two columns (not the target) at or above ``threshold``: its strongest measure, strongest first.

    A pair of numeric columns is measured by Pearson and Spearman alike; one
    alert per pair is enough, and it names the measure that found it strongest.
    """
    best: dict[frozenset[str], CorrelationPair] = {}
    for p in pairs:
        if abs(p.value) < threshold or target in (p.a, p.b):
            continue
        key = frozenset((p.a, p.b))
        if key not in best or abs(p.value) > abs(best[key].value):
            best[key] = p
    return sorted(best.values(), key=lambda p: -abs(p.value))


def find_alerts(
    overview: Overview,
    columns: tuple[ColumnProfile, ...],
    pairs: tuple[CorrelationPair, ...],
    target: TargetAnalysis | None,
    correlation_threshold: float,
    thresholds: type[AlertThresholds] = AlertThresholds,
) -> tuple[Alert, ...]:
    """All alerts for a profile, dataset-level first."""
    t = thresholds
    alerts: list[Alert] = []
    if overview.n_duplicate_rows and overview.duplicate_share > t.duplicates:
        alerts.append(Alert("duplicates", (), "warning", f"{overview.n_duplicate_rows:,} rows "
                            f"({_pct(overview.duplicate_share)}) are exact duplicates of another row",
                            overview.duplicate_share))
    for col in columns:
        alerts += _column_alerts(col, overview.n_rows, t)
    for p in _strongest_per_pair(pairs, correlation_threshold, target.column if target else None):
        alerts.append(Alert("high_correlation", (p.a, p.b), "info", f"'{p.a}' and '{p.b}' are highly correlated "
                            f"({p.method.replace('_', ' ')} {p.value:.2f}); one may be redundant", p.value))
    if target is not None:
        if target.minority_share is not None and target.minority_share < t.imbalance:
            minority = target.balance[-1]
            alerts.append(Alert("imbalanced", (target.column,), "warning", f"target '{target.column}' is imbalanced: "
                                f"class '{minority.value}' is only {_pct(minority.share)} of rows", target.minority_share))
        for a in target.associations:
            if a.value >= t.leakage:
                alerts.append(Alert("target_leakage", (a.feature, target.column), "critical",
                                    f"'{a.feature}' predicts target '{target.column}' almost perfectly "
                                    f"({a.method.replace('_', ' ')} {a.value:.2f}): possible target leakage; check it is "
                                    "known at prediction time", a.value))
    return tuple(alerts)
