"""A/B test analysis: compare control and treatment, plan the sample size, recommend a rollout step.

Conversion rates are compared with the two-proportion z-test, mean metrics with
Welch's t-test (scipy.stats); confidence intervals are for the difference
(treatment - control). A test read before its planned sample size is flagged:
looking repeatedly and stopping at the first significant result inflates false
positives ("peeking").
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from mltoolkit._serialize import to_jsonable
from mltoolkit.errors import ConfigError, DataError, SchemaError

__all__ = ["ABResult", "analyze_ab_test", "sample_size_per_group", "ROLLOUT_STEPS"]

#: Traffic shares a rollout moves through.
ROLLOUT_STEPS = (0.05, 0.1, 0.25, 0.5, 1.0)


@dataclasses.dataclass(frozen=True)
class ABResult:
    """Outcome of an A/B test and what to do next."""

    metric: str
    test: str  # "two-proportion z-test" or "Welch t-test"
    n_control: int
    n_treatment: int
    control: float
    treatment: float
    difference: float
    ci_low: float
    ci_high: float
    relative_lift: float | None
    p_value: float
    alpha: float
    significant: bool
    planned_n_per_group: int | None
    stopped_early: bool
    recommendation: str  # "stop", "continue" or "expand"
    next_traffic_share: float | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def sample_size_per_group(baseline: float, minimum_effect: float, *, alpha: float = 0.05, power: float = 0.8,
                          kind: str = "proportion", std: float | None = None) -> int:
    """Rows needed per group to detect ``minimum_effect`` (absolute) with the given power, two-sided.

    Parameters
    ----------
    baseline : float
        Control conversion rate (``kind="proportion"``) or control mean.
    minimum_effect : float
        Smallest absolute difference worth detecting.
    kind : {"proportion", "mean"}
    std : float, optional
        Standard deviation of the metric (``kind="mean"``).
    """
    if minimum_effect <= 0:
        raise ConfigError("minimum_effect must be positive", parameter="minimum_effect")
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise ConfigError("alpha and power must lie in (0, 1)", parameter="alpha")
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    if kind == "proportion":
        p1, p2 = baseline, baseline + minimum_effect
        if not (0 < p1 < 1 and 0 < p2 < 1):
            raise ConfigError("baseline and baseline + minimum_effect must be rates in (0, 1)", parameter="baseline")
        variance = p1 * (1 - p1) + p2 * (1 - p2)
    elif kind == "mean":
        if std is None or std <= 0:
            raise ConfigError("a mean metric needs its standard deviation (std > 0)", parameter="std")
        variance = 2 * std**2
    else:
        raise ConfigError(f"kind must be 'proportion' or 'mean', got {kind!r}", parameter="kind")
    return int(math.ceil(z**2 * variance / minimum_effect**2))


def _groups(log: pd.DataFrame, group_column: str, control: str, treatment: str) -> tuple[pd.Series, pd.Series]:
    if group_column not in log.columns:
        raise SchemaError(f"experiment log has no column '{group_column}' (columns: {', '.join(map(str, log.columns))})",
                          column=group_column)
    groups = log[group_column].astype("string")
    found = sorted(set(groups.dropna()))
    for name in (control, treatment):
        if name not in found:
            raise DataError(f"group '{name}' does not occur in column '{group_column}' (groups: {found})",
                            column=group_column)
    return groups == control, groups == treatment


def analyze_ab_test(log: pd.DataFrame, *, metric: str, group_column: str = "group", control: str = "control",
                    treatment: str = "treatment", kind: str | None = None, alpha: float = 0.05,
                    minimum_effect: float | None = None, power: float = 0.8,
                    traffic_share: float = 0.1) -> ABResult:
    """Analyse an experiment log (one row per user or session).

    Parameters
    ----------
    log : pandas.DataFrame
        With the group column and the outcome column ``metric``.
    metric : str
        Outcome: 0/1 (or boolean) for conversions, numeric for mean metrics.
    kind : {"proportion", "mean"}, optional
        Default: proportion when the metric only takes 0 and 1.
    alpha : float
        Significance level.
    minimum_effect : float, optional
        Smallest absolute effect worth detecting; gives the planned sample size
        and, when fewer rows were collected, the early-stopping warning.
    traffic_share : float
        Share of traffic the treatment has now (for the next rollout step).

    Returns
    -------
    ABResult
        ``recommendation``: ``expand`` (significantly better: next traffic share),
        ``stop`` (significantly worse, or no effect at full planned size), or
        ``continue`` (not enough evidence yet).
    """
    if metric not in log.columns:
        raise SchemaError(f"experiment log has no column '{metric}' (columns: {', '.join(map(str, log.columns))})",
                          column=metric)
    is_c, is_t = _groups(log, group_column, control, treatment)
    y = pd.to_numeric(log[metric].astype("float64") if log[metric].dtype == bool else log[metric], errors="coerce")
    c, t = y[is_c].dropna().to_numpy(float), y[is_t].dropna().to_numpy(float)
    if len(c) < 2 or len(t) < 2:
        raise DataError(f"each group needs at least 2 rows with a '{metric}' value (control {len(c)}, "
                        f"treatment {len(t)})", column=metric)
    binary = set(np.unique(np.concatenate([c, t]))) <= {0.0, 1.0}
    kind = kind or ("proportion" if binary else "mean")
    if kind == "proportion" and not binary:
        raise DataError(f"'{metric}' is not 0/1, so it cannot be compared as a conversion rate; use kind='mean'",
                        column=metric)
    z_crit = stats.norm.ppf(1 - alpha / 2)
    mc, mt = float(c.mean()), float(t.mean())
    diff = mt - mc
    if kind == "proportion":
        pooled = (c.sum() + t.sum()) / (len(c) + len(t))
        se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / len(c) + 1 / len(t)))
        z = diff / se_pooled if se_pooled > 0 else 0.0
        p_value = float(2 * stats.norm.sf(abs(z)))
        se = math.sqrt(mc * (1 - mc) / len(c) + mt * (1 - mt) / len(t))
        low, high = diff - z_crit * se, diff + z_crit * se
        test = "two-proportion z-test"
    else:
        res = stats.ttest_ind(t, c, equal_var=False)
        p_value = float(res.pvalue)
        ci = res.confidence_interval(confidence_level=1 - alpha)
        low, high = float(ci.low), float(ci.high)
        test = "Welch t-test"
    planned = None
    if minimum_effect is not None:
        planned = sample_size_per_group(mc if kind == "proportion" else mc, minimum_effect, alpha=alpha, power=power,
                                        kind=kind, std=float(np.std(c, ddof=1)) if kind == "mean" else None)
    early = planned is not None and min(len(c), len(t)) < planned
    significant = p_value < alpha
    nxt = next((s for s in ROLLOUT_STEPS if s > traffic_share + 1e-9), None)
    if significant and diff > 0:
        rec = "expand" if nxt is not None else "stop"
        msg = (f"treatment is better ({mt:.4g} vs {mc:.4g}, p = {p_value:.3g}); "
               + (f"expand to {nxt:.0%} of traffic" if nxt else "it already has all traffic: make it the default"))
    elif significant:
        rec, msg = "stop", f"treatment is worse ({mt:.4g} vs {mc:.4g}, p = {p_value:.3g}); stop and roll back"
    elif early:
        rec, msg = "continue", (f"no significant difference yet with {min(len(c), len(t)):,} of the planned "
                                f"{planned:,} rows per group; keep the test running")
    elif planned is not None:
        rec, msg = "stop", (f"no significant difference at the planned size ({planned:,} per group): the effect "
                            f"is smaller than {minimum_effect:g}; stop the test")
    else:
        rec, msg = "continue", "no significant difference; set minimum_effect to know how long to run"
    if early and significant:
        msg += (f" (warning: read before the planned {planned:,} rows per group; an early look overstates "
                "significance, confirm at full size)")
    return ABResult(metric=metric, test=test, n_control=len(c), n_treatment=len(t), control=mc, treatment=mt,
                    difference=diff, ci_low=float(low), ci_high=float(high),
                    relative_lift=diff / mc if mc else None, p_value=p_value, alpha=alpha, significant=significant,
                    planned_n_per_group=planned, stopped_early=bool(early), recommendation=rec,
                    next_traffic_share=nxt if rec == "expand" else None, message=msg)
