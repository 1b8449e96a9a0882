"""The metrics mltoolkit knows: which tasks they fit, which way is better, their range.

One table read by the project card (is this success metric valid for this task?),
training (which scikit-learn scorer ranks the candidates) and evaluation.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any

from mltoolkit._serialize import to_jsonable
from mltoolkit.errors import ConfigError

__all__ = ["MetricSpec", "METRICS", "TASK_KINDS", "task_kind", "check_metric_for_task", "metrics_for"]

TASK_KINDS = ("binary", "multiclass", "regression")
_INF = math.inf


@dataclasses.dataclass(frozen=True)
class MetricSpec:
    """How to read a metric.

    Attributes
    ----------
    name : str
        mltoolkit's name for it (used in project cards and reports).
    kinds : tuple of str
        Task kinds it fits (``binary``, ``multiclass``, ``regression``).
    higher_is_better : bool
        Direction of "better".
    range : (float, float)
        Values it can take.
    threshold_dependent : bool
        Whether it depends on the decision threshold of a classifier.
    scorer : str
        The scikit-learn scorer name that computes it in cross-validation
        (error metrics use the ``neg_`` scorers, so that larger is better there).
    """

    name: str
    kinds: tuple[str, ...]
    higher_is_better: bool
    range: tuple[float, float]
    threshold_dependent: bool
    scorer: str
    description: str = ""

    @property
    def tasks(self) -> tuple[str, ...]:
        """Same as ``kinds``."""
        return self.kinds

    @property
    def direction(self) -> str:
        """``"higher"`` or ``"lower"`` is better."""
        return "higher" if self.higher_is_better else "lower"

    @property
    def lo(self) -> float:
        return self.range[0]

    @property
    def hi(self) -> float:
        return self.range[1]

    def worse_by(self, value: float, reference: float) -> float:
        """How much worse ``value`` is than ``reference`` (positive = worse), whatever the direction."""
        return reference - value if self.higher_is_better else value - reference

    def to_dict(self) -> dict[str, Any]:
        return {**to_jsonable(self), "direction": self.direction}


_C = ("binary", "multiclass")
METRICS: dict[str, MetricSpec] = {m.name: m for m in (
    MetricSpec("accuracy", _C, True, (0, 1), True, "accuracy", "share of rows predicted correctly"),
    MetricSpec("precision", ("binary",), True, (0, 1), True, "precision", "share of predicted positives that are positive"),
    MetricSpec("recall", ("binary",), True, (0, 1), True, "recall", "share of positives predicted positive"),
    MetricSpec("f1", ("binary",), True, (0, 1), True, "f1", "harmonic mean of precision and recall"),
    MetricSpec("roc_auc", _C, True, (0, 1), False, "roc_auc", "area under the ROC curve (one-vs-rest for multiclass)"),
    MetricSpec("pr_auc", ("binary",), True, (0, 1), False, "average_precision", "average precision (area under the precision-recall curve)"),
    MetricSpec("log_loss", _C, False, (0, _INF), False, "neg_log_loss", "cross-entropy of the predicted probabilities"),
    MetricSpec("brier", ("binary",), False, (0, 1), False, "neg_brier_score", "mean squared error of the predicted probability"),
    MetricSpec("f1_macro", ("multiclass",), True, (0, 1), True, "f1_macro", "unweighted mean of per-class F1"),
    MetricSpec("f1_weighted", ("multiclass",), True, (0, 1), True, "f1_weighted", "per-class F1 weighted by class frequency"),
    MetricSpec("precision_macro", ("multiclass",), True, (0, 1), True, "precision_macro", "unweighted mean of per-class precision"),
    MetricSpec("recall_macro", ("multiclass",), True, (0, 1), True, "recall_macro", "unweighted mean of per-class recall"),
    MetricSpec("mae", ("regression",), False, (0, _INF), False, "neg_mean_absolute_error", "mean absolute error"),
    MetricSpec("rmse", ("regression",), False, (0, _INF), False, "neg_root_mean_squared_error", "root mean squared error"),
    MetricSpec("r2", ("regression",), True, (-_INF, 1), False, "r2", "coefficient of determination"),
    MetricSpec("mape", ("regression",), False, (0, _INF), False, "neg_mean_absolute_percentage_error", "mean absolute percentage error (fraction; zero targets skipped)"),
)}


def task_kind(task: str) -> str:
    """``binary_classification`` -> ``binary`` (and so on); kinds pass through unchanged."""
    kind = {"binary_classification": "binary", "multiclass_classification": "multiclass"}.get(task, task)
    if kind not in TASK_KINDS:
        raise ConfigError(f"unknown task {task!r}; use binary_classification, multiclass_classification "
                          "or regression", parameter="task")
    return kind


def metrics_for(kind: str) -> list[str]:
    """Names of the metrics that fit a task kind."""
    return [m.name for m in METRICS.values() if kind in m.kinds]


def check_metric_for_task(metric: str, kind: str, *, parameter: str = "metric") -> MetricSpec:
    """Return the spec of ``metric``; raise :class:`ConfigError` when unknown or unfit for ``kind``.

    Examples
    --------
    >>> check_metric_for_task("f1", "binary").direction
    'higher'
    """
    kind = task_kind(kind)
    spec = METRICS.get(metric)
    if spec is None or kind not in spec.kinds:
        problem = "is unknown" if spec is None else f"does not fit a {kind} task"
        raise ConfigError(f"metric {metric!r} {problem}; for a {kind} task choose one of: "
                          f"{', '.join(metrics_for(kind))} (parameter '{parameter}')", parameter=parameter)
    return spec
