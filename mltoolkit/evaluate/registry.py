"""The metrics mltoolkit knows: which tasks they fit, which way is better, their range.

One table read by the project card (is this success metric valid for this task?),
training (which scikit-learn scorer ranks the candidates) and evaluation.
"""
from __future__ import annotations

import dataclasses
import math

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


_C = ("binary", "multiclass")
METRICS: dict[str, MetricSpec] = {m.name: m for m in (
    MetricSpec("accuracy", _C, True, (0, 1), True, "accuracy"),
    MetricSpec("precision", ("binary",), True, (0, 1), True, "precision"),
    MetricSpec("recall", ("binary",), True, (0, 1), True, "recall"),
    MetricSpec("f1", ("binary",), True, (0, 1), True, "f1"),
    MetricSpec("roc_auc", _C, True, (0, 1), False, "roc_auc"),
    MetricSpec("pr_auc", ("binary",), True, (0, 1), False, "average_precision"),
    MetricSpec("log_loss", _C, False, (0, _INF), False, "neg_log_loss"),
    MetricSpec("brier", ("binary",), False, (0, 1), False, "neg_brier_score"),
    MetricSpec("f1_macro", ("multiclass",), True, (0, 1), True, "f1_macro"),
    MetricSpec("f1_weighted", ("multiclass",), True, (0, 1), True, "f1_weighted"),
    MetricSpec("precision_macro", ("multiclass",), True, (0, 1), True, "precision_macro"),
    MetricSpec("recall_macro", ("multiclass",), True, (0, 1), True, "recall_macro"),
    MetricSpec("mae", ("regression",), False, (0, _INF), False, "neg_mean_absolute_error"),
    MetricSpec("rmse", ("regression",), False, (0, _INF), False, "neg_root_mean_squared_error"),
    MetricSpec("r2", ("regression",), True, (-_INF, 1), False, "r2"),
    MetricSpec("mape", ("regression",), False, (0, _INF), False, "neg_mean_absolute_percentage_error"),
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
    """Return the spec of ``metric``; raise :class:`ConfigError` when unknown or unfit for ``kind``."""
    kind = task_kind(kind)
    spec = METRICS.get(metric)
    if spec is None:
        raise ConfigError(f"unknown metric {metric!r} for '{parameter}'; metrics for {kind} tasks: "
                          f"{', '.join(metrics_for(kind))}", parameter=parameter)
    if kind not in spec.kinds:
        raise ConfigError(f"metric {metric!r} does not fit a {kind} task ('{parameter}'); use one of: "
                          f"{', '.join(metrics_for(kind))}", parameter=parameter)
    return spec
