"""Success criteria: pick the operating threshold, then pass or fail against the project card."""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np

from mltoolkit._serialize import to_jsonable
from mltoolkit.evaluate.curves import ThresholdCurves
from mltoolkit.evaluate.registry import METRICS

if TYPE_CHECKING:  # the card module itself imports the metric registry from this package
    from mltoolkit.framing import ProjectCard

__all__ = ["ThresholdChoice", "choose_threshold", "Verdict", "judge"]

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
    """Pass or fail against the card, with the baseline comparison; read by the executive summary."""

    metric: str
    value: float | None
    threshold: float
    direction: str
    met: bool
    message: str
    constraint_metric: str | None
    constraint_value: float | None
    constraint_threshold: float | None
    baseline: dict[str, Any]
    beats_baseline: bool
    decision_threshold: float | None

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def judge(card: ProjectCard, values: dict[str, float | None], *, baseline_name: str, baseline_metric: str,
          baseline_value: float | None, model_value_for_baseline: float | None,
          decision_threshold: float | None = None) -> Verdict:
    """Compare test metrics ``values`` (by registry name) with the card's criterion and the baseline."""
    s = card.success
    value = values.get(s.metric)
    met = value is not None and s.passes(value)
    c_value = values.get(s.constraint_metric) if s.constraint_metric else None
    if s.constraint_metric:
        c_spec = METRICS[s.constraint_metric]
        c_met = c_value is not None and (c_value >= s.constraint_threshold if c_spec.higher_is_better
                                         else c_value <= s.constraint_threshold)
        met = met and c_met
    shown = "–" if value is None else f"{value:.3g}"
    message = f"{s.metric} {shown} on the test set; the criterion is {s.describe()}: " + ("met" if met else "NOT met")
    if s.constraint_metric:
        message += f" ({s.constraint_metric} {'–' if c_value is None else f'{c_value:.3g}'})"
    better = METRICS[baseline_metric].higher_is_better
    beats = (model_value_for_baseline is not None and baseline_value is not None
             and (model_value_for_baseline > baseline_value if better else model_value_for_baseline < baseline_value))
    return Verdict(metric=s.metric, value=value, threshold=s.threshold, direction=s.direction, met=bool(met),
                   message=message, constraint_metric=s.constraint_metric, constraint_value=c_value,
                   constraint_threshold=s.constraint_threshold,
                   baseline={"name": baseline_name, "metric": baseline_metric, "value": baseline_value,
                             "model_value": model_value_for_baseline},
                   beats_baseline=bool(beats), decision_threshold=decision_threshold)
