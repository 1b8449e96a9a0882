"""Success criteria: pick the operating threshold, then judge the test figures against the project card.

The verdict has three values: ``met`` when the whole bootstrap interval of
the success metric (and of the constraint metric, if any) is on the passing
side of its threshold, ``not met`` when a whole interval is on the failing
side, and ``not established`` when an interval straddles its threshold or the
metric is undefined on the test rows: the test set cannot tell.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mltoolkit._serialize import to_jsonable
from mltoolkit.evaluate.bootstrap import BootstrapResult, MetricInterval, better_side
from mltoolkit.evaluate.curves import ThresholdCurves
from mltoolkit.evaluate.registry import METRICS

if TYPE_CHECKING:  # the card module itself imports the metric registry from this package
    from mltoolkit.framing import ProjectCard

__all__ = ["ThresholdChoice", "choose_threshold", "Verdict", "judge", "VERDICTS", "holdout_warnings"]

#: The values of :attr:`Verdict.verdict`.
VERDICTS = ("met", "not met", "not established")
#: Fewer test rows than this (or rows of the rarest class than ``MIN_CLASS_ROWS``) get a warning.
MIN_TEST_ROWS = 30
MIN_CLASS_ROWS = 10

_OPTIMIZABLE = ("f1", "accuracy")


@dataclasses.dataclass(frozen=True)
class ThresholdChoice:
    threshold: float
    rule: str  # how it was chosen, in words
    feasible: bool  # False when no threshold satisfies the card's constraint

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def choose_threshold(card: ProjectCard, validation: ThresholdCurves, *, fixed: float | None = None) -> ThresholdChoice:
    """The decision threshold of a binary classifier, chosen on validation data (never on test).

    - ``fixed`` given: used as is.
    - The card has a constraint ("recall >= 0.8 at precision >= 0.5"): among thresholds
      meeting the constraint on validation, the one with the best primary metric.
    - Success metric f1 or accuracy: the threshold maximizing it.
    - Otherwise (precision or recall alone, threshold-free metrics): 0.5.
    """
    if fixed is not None:
        return ThresholdChoice(float(fixed), f"fixed at {fixed:g} (parameter)", True)
    s = card.success
    if s.constraint_metric:
        c_values = getattr(validation, s.constraint_metric)
        c_ok = c_values >= s.constraint_threshold if METRICS[s.constraint_metric].higher_is_better \
            else c_values <= s.constraint_threshold
        c_ok &= ~np.isnan(c_values)
        primary = getattr(validation, s.metric)
        if c_ok.any():
            scores = np.where(c_ok, primary, -np.inf if METRICS[s.metric].higher_is_better else np.inf)
            i = int(np.argmax(scores) if METRICS[s.metric].higher_is_better else np.argmin(scores))
            return ThresholdChoice(float(validation.thresholds[i]),
                                   f"best {s.metric} on validation with {s.constraint_metric} "
                                   f"{'>=' if METRICS[s.constraint_metric].higher_is_better else '<='} "
                                   f"{s.constraint_threshold:g}", True)
        i = int(np.nanargmax(c_values))
        return ThresholdChoice(float(validation.thresholds[i]),
                               f"no threshold reaches {s.constraint_metric} {s.constraint_threshold:g} on validation; "
                               f"the one with the highest {s.constraint_metric} is used", False)
    if s.metric in _OPTIMIZABLE:
        best = validation.best_threshold(s.metric)
        return ThresholdChoice(float(best["threshold"]), f"maximizes {s.metric} on validation", True)
    return ThresholdChoice(0.5, "0.5 (the success metric does not pick a threshold)", True)


@dataclasses.dataclass(frozen=True)
class Verdict:
    """The test figures against the card and the baseline; written as ``artifacts/evaluation.json``.

    ``met`` is True only when the criterion is established as met
    (``verdict == "met"``); False covers both "not met" and "not established".
    Likewise ``beats_baseline`` is True only when the paired interval of model
    minus baseline lies wholly on the better side (``baseline_verdict ==
    "beats"``). Without intervals (``n_boot == 0``) the point values decide, as
    before intervals existed. ``value`` and ``baseline["value"]`` /
    ``["model_value"]`` keep their meaning; the interval fields are added.
    """

    metric: str
    value: float | None
    threshold: float
    direction: str
    met: bool
    message: str
    constraint_metric: str | None
    constraint_value: float | None
    constraint_threshold: float | None
    baseline: dict[str, Any]  # name, metric, value, model_value; ci_low/high, model_ci_low/high, difference(_ci_low/high), verdict
    beats_baseline: bool
    decision_threshold: float | None
    verdict: str = "not established"  # one of VERDICTS
    ci_low: float | None = None  # bootstrap interval of ``value``
    ci_high: float | None = None
    constraint_ci_low: float | None = None
    constraint_ci_high: float | None = None
    confidence: float | None = None  # of every interval, e.g. 0.95
    n_boot: int = 0  # bootstrap resamples (0: no intervals)
    baseline_verdict: str = "not established"  # "beats", "does not beat", "not established"
    metric_intervals: dict[str, dict[str, float | None]] = dataclasses.field(default_factory=dict)
    n_test: int | None = None  # test rows
    missing_classes: tuple[str, ...] = ()  # classes known from training that no test row holds
    warnings: tuple[str, ...] = ()  # why the test figures may not hold (missing classes, too few rows)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Verdict:
        """Read back :meth:`to_dict` (``evaluation.json``); files written before intervals existed load too."""
        fields = {f.name for f in dataclasses.fields(cls)}
        kw = {k: v for k, v in data.items() if k in fields}
        for name in ("missing_classes", "warnings"):
            if name in kw:
                kw[name] = tuple(kw[name])
        return cls(**kw)


def _interval(boot: BootstrapResult | None, metric: str | None, value: float | None) -> MetricInterval:
    if boot is not None and metric is not None:
        try:
            return boot.interval(metric)
        except KeyError:
            pass
    return MetricInterval(metric or "", value, None, None, 0)


def _compare_to_zero(metric: str, diff: MetricInterval, bootstrapped: bool) -> str:
    """``beats``/``does not beat``/``not established`` from model minus baseline (strictly better to beat)."""
    if diff.value is None:
        return "not established"
    low, high = diff.ci_low, diff.ci_high
    if low is None or high is None:
        if bootstrapped:
            return "not established"
        low = high = diff.value
    if not METRICS[metric].higher_is_better:
        low, high = -high, -low
    return "beats" if low > 0 else "does not beat" if high <= 0 else "not established"


def judge(card: ProjectCard, values: dict[str, float | None], *, baseline_name: str, baseline_metric: str,
          baseline_value: float | None, model_value_for_baseline: float | None,
          decision_threshold: float | None = None, uncertainty: BootstrapResult | None = None,
          baseline_uncertainty: BootstrapResult | None = None, n_test: int | None = None,
          missing_classes: Sequence[str] = (), warnings: Sequence[str] = ()) -> Verdict:
    """Judge test metrics ``values`` (by registry name) against the card's criterion and the baseline.

    Parameters
    ----------
    card : ProjectCard
    values : dict
        Test value of each metric, None where undefined.
    baseline_name, baseline_metric : str
    baseline_value : float or None
        The baseline's figure (a fixed value from the card, or a dummy model's score).
    model_value_for_baseline : float or None
        The model's figure on ``baseline_metric``.
    decision_threshold : float, optional
    uncertainty : BootstrapResult, optional
        Intervals of the model's test metrics (:func:`~mltoolkit.evaluate.bootstrap_metrics`);
        without it the point values decide.
    baseline_uncertainty : BootstrapResult, optional
        ``bootstrap_metrics`` of ``baseline_metric`` with the dummy baseline's
        predictions (``baseline_pred``), for the paired interval of the
        difference. Without it a fixed baseline value is compared with the
        model's interval.
    n_test : int, optional
        Test rows, for the message.
    missing_classes, warnings : sequence of str
        Kept in the verdict and repeated in the reports (see :func:`holdout_warnings`).

    Returns
    -------
    Verdict
    """
    s = card.success
    value = values.get(s.metric)
    boot = uncertainty is not None and uncertainty.n_boot > 0
    confidence = uncertainty.confidence if uncertainty is not None else None
    iv = _interval(uncertainty, s.metric, value)
    sides = [better_side(s.metric, iv, s.threshold, bootstrapped=boot)]
    c_value = values.get(s.constraint_metric) if s.constraint_metric else None
    c_iv = _interval(uncertainty, s.constraint_metric, c_value)
    if s.constraint_metric:
        sides.append(better_side(s.constraint_metric, c_iv, s.constraint_threshold, bootstrapped=boot))
    verdict = "not met" if "worse" in sides else "met" if all(x == "better" for x in sides) else "not established"

    def shown(interval: MetricInterval) -> str:
        return interval.describe(confidence) if confidence is not None else (
            "–" if interval.value is None else f"{interval.value:.3g}")

    rows = f"{n_test:,} test rows" if n_test is not None else "the test set"
    message = f"{s.metric} {shown(iv) if value is not None else 'undefined'} on {rows}; " \
              f"the criterion is {s.describe()}: " + {"met": "met", "not met": "NOT met",
                                                      "not established": "not established"}[verdict]
    if verdict == "not established":
        message += (f" ({s.metric} is undefined on these rows)" if value is None
                    else " (the interval straddles the threshold: too few test rows to tell)")
    if s.constraint_metric:
        message += f" ({s.constraint_metric} {shown(c_iv) if c_value is not None else '–'})"

    # Baseline: the paired interval of model minus baseline when a dummy was scored on the same resamples.
    m_iv = _interval(baseline_uncertainty or uncertainty, baseline_metric, model_value_for_baseline)
    b_iv = MetricInterval(baseline_metric, baseline_value, None, None, 0)
    if baseline_uncertainty is not None:
        b_iv = baseline_uncertainty.baseline_interval(baseline_metric)
        d_iv = baseline_uncertainty.difference_interval(baseline_metric)
    elif model_value_for_baseline is not None and baseline_value is not None:
        shift = lambda x: None if x is None else x - baseline_value  # noqa: E731 - a fixed value moves the interval
        d_iv = MetricInterval(baseline_metric, shift(m_iv.value), shift(m_iv.ci_low), shift(m_iv.ci_high),
                              m_iv.n_valid)
    else:
        d_iv = MetricInterval(baseline_metric, None, None, None, 0)
    b_boot = boot or (baseline_uncertainty is not None and baseline_uncertainty.n_boot > 0)
    baseline_verdict = _compare_to_zero(baseline_metric, d_iv, b_boot)
    intervals = {i.metric: {"value": i.value, "ci_low": i.ci_low, "ci_high": i.ci_high}
                 for i in (uncertainty.intervals if uncertainty is not None else ())}
    return Verdict(metric=s.metric, value=value, threshold=s.threshold, direction=s.direction, met=verdict == "met",
                   message=message, constraint_metric=s.constraint_metric, constraint_value=c_value,
                   constraint_threshold=s.constraint_threshold,
                   baseline={"name": baseline_name, "metric": baseline_metric, "value": baseline_value,
                             "model_value": model_value_for_baseline, "ci_low": b_iv.ci_low, "ci_high": b_iv.ci_high,
                             "model_ci_low": m_iv.ci_low, "model_ci_high": m_iv.ci_high,
                             "difference": d_iv.value, "difference_ci_low": d_iv.ci_low,
                             "difference_ci_high": d_iv.ci_high, "verdict": baseline_verdict},
                   beats_baseline=baseline_verdict == "beats", decision_threshold=decision_threshold,
                   verdict=verdict, ci_low=iv.ci_low, ci_high=iv.ci_high, constraint_ci_low=c_iv.ci_low,
                   constraint_ci_high=c_iv.ci_high, confidence=confidence,
                   n_boot=uncertainty.n_boot if uncertainty is not None else 0, baseline_verdict=baseline_verdict,
                   metric_intervals=intervals, n_test=n_test, missing_classes=tuple(missing_classes),
                   warnings=tuple(warnings))


def holdout_warnings(y_true: Any, *, task: str, labels: Sequence[Any] | None = None,
                      min_rows: int = MIN_TEST_ROWS, min_class_rows: int = MIN_CLASS_ROWS) -> tuple[str, ...]:
    """Why the figures of a test set may not hold: classes it lacks, too few rows to decide.

    Parameters
    ----------
    y_true : array-like
        Test target, as the original labels (compared with ``labels`` as text).
    task : {"binary", "multiclass", "regression"}
    labels : sequence, optional
        The classes known from training; classes not held by any test row are named.
    min_rows : int, default 30
        Fewer test rows get a warning.
    min_class_rows : int, default 10
        Classification: fewer test rows of the rarest class present get a warning.

    Returns
    -------
    tuple of str
        One sentence per problem; empty when none.

    Examples
    --------
    >>> holdout_warnings(["a"] * 12 + ["b"] * 20, task="multiclass", labels=["a", "b", "c"])[0][:38]
    "class 'c' (1 of the 3 known from train"
    """
    y = pd.Series(np.asarray(y_true)).astype("string")
    n = len(y)
    out = []
    if task != "regression":
        counts = y.value_counts()
        missing = [str(c) for c in (list(labels) if labels is not None else []) if str(c) not in counts.index]
        if missing:
            names = ", ".join(repr(c) for c in missing[:10]) + (" ..." if len(missing) > 10 else "")
            out.append(f"class{'es' if len(missing) > 1 else ''} {names} ({len(missing)} of the {len(labels)} known "
                       f"from training) never occur{'s' if len(missing) == 1 else ''} in the {n:,} test rows (a "
                       f"time split can leave a rare class out of the test period): the metrics are computed "
                       f"against all {len(labels)} classes, but say nothing of the model on "
                       f"{'them' if len(missing) > 1 else 'it'}")
        if len(counts) == 1:
            out.append(f"the {n:,} test rows hold one class only ({counts.index[0]!r}): ROC AUC and average "
                       f"precision are undefined (None); evaluate on a longer period or a stratified split")
        elif len(counts) and counts.min() < min_class_rows:
            out.append(f"only {int(counts.min()):,} test row{'s' if counts.min() != 1 else ''} of class "
                       f"{counts.idxmin()!r} (fewer than {min_class_rows}): too few to decide; the intervals "
                       f"are wide")
    if n < min_rows:
        out.append(f"only {n:,} test rows (fewer than {min_rows}): too few to decide; collect more data or use a "
                   f"larger test share")
    return tuple(out)
