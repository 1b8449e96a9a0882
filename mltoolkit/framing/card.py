"""The project card: what the model is for and when it is good enough.

Written by the problem-framing stage as YAML, read by every later stage:
evaluation checks the success criterion against it, monitoring takes its
thresholds. A card is validated when built and when read, so a typo in a metric
name stops the first stage, not the sixth.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from mltoolkit._serialize import to_jsonable
from mltoolkit.errors import ConfigError, DataError, SchemaError
from mltoolkit.evaluate.registry import METRICS, check_metric_for_task, task_kind
from mltoolkit.framing.config import FRAMING_KEYS, DataConfig, ProjectConfig, data_config_from_dict

__all__ = ["RELEASE_LIMITS", "TASKS", "SuccessCriterion", "Baseline", "ProjectCard", "make_card", "load_card", "save_card",
           "card_from_config", "project_card", "NOT_WRITTEN"]

#: What reports show for a part of the framing the project has not written yet.
NOT_WRITTEN = "not written yet"

TASKS = ("binary_classification", "multiclass_classification", "regression")
_BASELINE_KINDS = ("dummy", "value")
#: Release limits and their defaults: package size, single-row latency (99th percentile), batch throughput.
RELEASE_LIMITS = {"max_package_mb": 50.0, "max_latency_p99_ms": 20.0, "min_batch_rows_per_s": 10_000.0}


@dataclasses.dataclass(frozen=True)
class SuccessCriterion:
    """``metric direction threshold``, optionally at a constraint: "recall >= 0.8 at precision >= 0.5"."""

    metric: str
    threshold: float
    constraint_metric: str | None = None
    constraint_threshold: float | None = None

    @property
    def direction(self) -> str:
        """``">="`` when higher is better for the metric, else ``"<="``."""
        return ">=" if METRICS[self.metric].higher_is_better else "<="

    def passes(self, value: float) -> bool:
        """Whether ``value`` of the metric meets the criterion."""
        return value >= self.threshold if METRICS[self.metric].higher_is_better else value <= self.threshold

    def describe(self) -> str:
        """The criterion in words, e.g. ``recall >= 0.8 at precision >= 0.5``."""
        text = f"{self.metric} {self.direction} {self.threshold:g}"
        if self.constraint_metric:
            c_dir = ">=" if METRICS[self.constraint_metric].higher_is_better else "<="
            text += f" at {self.constraint_metric} {c_dir} {self.constraint_threshold:g}"
        return text


@dataclasses.dataclass(frozen=True)
class Baseline:
    """What the model must beat: a dummy model (``kind="dummy"``) or a known figure (``kind="value"``)."""

    kind: str = "dummy"
    value: float | None = None
    description: str = "a model that always predicts the most frequent class (or the mean)"


@dataclasses.dataclass(frozen=True)
class ProjectCard:
    """The validated problem framing of a project.

    Attributes
    ----------
    project, business_goal, decision : str
        What the model is for, in the words of the business.
    task : str
        One of :data:`TASKS`.
    target : str
        Target column; ``positive_class`` is the label of interest for binary tasks.
    success : SuccessCriterion
        When the model is good enough to ship.
    baseline : Baseline
        What it must beat.
    stakeholders : tuple of str
        Who reads the results.
    monitoring : dict
        Thresholds the monitoring stage uses (``drift_share``, ``alpha``, ...).
    release : dict
        Limits checked before a model is released (``max_package_mb``,
        ``max_latency_p99_ms``, ``min_batch_rows_per_s``).
    data : DataConfig or None
        Where the data is (sources made absolute) and the roles of its columns
        (time column, id columns, column kinds, dropped columns).
    """

    project: str
    business_goal: str
    decision: str
    task: str
    target: str
    success: SuccessCriterion
    positive_class: Any = None
    baseline: Baseline = dataclasses.field(default_factory=Baseline)
    stakeholders: tuple[str, ...] = ()
    monitoring: dict[str, Any] = dataclasses.field(default_factory=dict)
    release: dict[str, Any] = dataclasses.field(default_factory=dict)
    data: DataConfig | None = None

    @property
    def time_column(self) -> str | None:
        return self.data.time_column if self.data else None

    @property
    def id_columns(self) -> tuple[str, ...]:
        return self.data.id_columns if self.data else ()

    @property
    def column_kinds(self) -> dict[str, str]:
        return dict(self.data.column_kinds) if self.data else {}

    @property
    def drop_columns(self) -> tuple[str, ...]:
        return self.data.drop_columns if self.data else ()

    @property
    def task_kind(self) -> str:
        """``"binary"``, ``"multiclass"`` or ``"regression"``."""
        return task_kind(self.task)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)

    def check_target(self, y: Any, source: str = "the data") -> None:
        """Check that the target column fits the task (classes, type, missing values).

        Raises
        ------
        SchemaError
            A regression target for a classification card, one class, a
            positive class that never occurs, and the like.
        DataError
            Missing target values.
        """
        import pandas as pd

        y = pd.Series(y)
        n_missing = int(y.isna().sum())
        if n_missing == len(y):
            raise DataError(f"target '{self.target}' has no values in {source} (all {len(y):,} missing); check "
                            "problem_framing.target in mltoolkit.yml", column=self.target,
                            parameter="problem_framing.target")
        if n_missing:
            raise DataError(f"target '{self.target}' has {n_missing:,} missing values in {source}; drop those rows "
                            "or fill them before training (a model cannot learn from unknown outcomes)",
                            column=self.target)
        n_classes = y.nunique()
        if self.task_kind == "regression":
            if not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
                raise SchemaError(f"target '{self.target}' in {source} is not numeric ({y.dtype}) but the task is "
                                  "regression; set problem_framing.task in mltoolkit.yml to a classification task",
                                  column=self.target, parameter="problem_framing.task")
            return
        if n_classes < 2:
            raise SchemaError(f"target '{self.target}' in {source} has a single class ({y.dropna().iloc[0]!r}); "
                              "a classifier needs at least two", column=self.target)
        if pd.api.types.is_float_dtype(y) and n_classes > 20:
            raise SchemaError(f"target '{self.target}' in {source} looks continuous ({n_classes:,} distinct float "
                              f"values) but the task is {self.task}; set problem_framing.task: regression in "
                              "mltoolkit.yml", column=self.target, parameter="problem_framing.task")
        if self.task_kind == "binary":
            if n_classes != 2:
                raise SchemaError(f"target '{self.target}' in {source} has {n_classes} classes but the task is "
                                  "binary_classification; set problem_framing.task: multiclass_classification in "
                                  "mltoolkit.yml", column=self.target, parameter="problem_framing.task")
            labels = {str(v) for v in y.dropna().unique()}
            if self.positive_class is not None and str(self.positive_class) not in labels:
                values = ", ".join(repr(v) for v in sorted(labels))
                raise SchemaError(f"positive class {self.positive_class!r} never occurs in target '{self.target}' "
                                  f"in {source}; set problem_framing.positive_class in mltoolkit.yml (the target's "
                                  f"values are {values})", column=self.target,
                                  parameter="problem_framing.positive_class")


def _number(value: Any, name: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}", parameter=name) from None


def _check_in_range(metric: str, value: float, name: str) -> None:
    lo, hi = METRICS[metric].range
    if not lo <= value <= hi:
        raise ConfigError(f"{name} {value:g} is out of range for {metric} (it lies in [{lo:g}, {hi:g}])",
                          parameter=name)


def make_card(*, project: str, task: str, target: str, metric: str, threshold: float,
              business_goal: str = "", decision: str = "", positive_class: Any = None,
              constraint_metric: str | None = None, constraint_threshold: float | None = None,
              baseline: str | float = "dummy", baseline_description: str | None = None,
              stakeholders: Sequence[str] = (), monitoring: Mapping[str, Any] | None = None,
              release: Mapping[str, Any] | None = None, data: DataConfig | Mapping[str, Any] | None = None,
              ) -> ProjectCard:
    """Build and validate a :class:`ProjectCard`.

    Parameters
    ----------
    project, business_goal, decision : str
        Plain-language framing shown in reports.
    task : str
        ``binary_classification``, ``multiclass_classification`` or ``regression``.
    target : str
        Target column.
    metric, threshold : str, float
        The success metric and the value it must reach (``>=`` for metrics where
        higher is better, ``<=`` for error metrics).
    positive_class : optional
        Label of interest in binary tasks (default: the larger label, e.g. 1 or True).
    constraint_metric, constraint_threshold : optional
        A second condition the operating point must satisfy ("at precision >= 0.5").
    baseline : "dummy" or float
        Beat a dummy model, or a known figure of the current process (in the metric's units).
    stakeholders : sequence of str
        Who reads the results.
    monitoring : mapping, optional
        Thresholds for monitoring (e.g. ``{"drift_share": 0.5}``).
    release : mapping, optional
        Release limits (see :data:`RELEASE_LIMITS` for names and defaults).
    data : DataConfig or mapping, optional
        Sources and column roles (the ``data`` section of ``mltoolkit.yml``).

    Raises
    ------
    ConfigError
        Unknown task or metric, a metric that does not fit the task, a threshold out of range.
    """
    if task not in TASKS:
        raise ConfigError(f"unknown task {task!r}; use one of: {', '.join(TASKS)}", parameter="task")
    if not target or not isinstance(target, str):
        raise ConfigError("the card needs a target column name (parameter 'target')", parameter="target")
    check_metric_for_task(metric, task_kind(task), parameter="metric")
    threshold = _number(threshold, "threshold")
    _check_in_range(metric, threshold, "threshold")
    if (constraint_metric is None) != (constraint_threshold is None):
        raise ConfigError("give both constraint_metric and constraint_threshold, or neither",
                          parameter="constraint_metric")
    if constraint_metric is not None:
        check_metric_for_task(constraint_metric, task_kind(task), parameter="constraint_metric")
        constraint_threshold = _number(constraint_threshold, "constraint_threshold")
        _check_in_range(constraint_metric, constraint_threshold, "constraint_threshold")
        if task_kind(task) != "binary" or not METRICS[metric].threshold_dependent \
                or not METRICS[constraint_metric].threshold_dependent:
            raise ConfigError("a constraint picks the decision threshold, so it needs a binary task and "
                              "threshold-dependent metrics (precision, recall, f1, accuracy)",
                              parameter="constraint_metric")
    unknown = sorted(set(release or {}) - set(RELEASE_LIMITS))
    if unknown:
        raise ConfigError(f"unknown release limit(s) {unknown}; use {sorted(RELEASE_LIMITS)}", parameter="release")
    if isinstance(baseline, str) and baseline == "dummy":
        base = Baseline("dummy", None, baseline_description or Baseline().description)
    else:
        value = _number(baseline, "baseline")
        _check_in_range(metric, value, "baseline")
        base = Baseline("value", value, baseline_description or "the current process")
    if isinstance(data, Mapping):
        data = data_config_from_dict(data, Path("the project card"))
    if data is not None and target in data.id_columns + data.drop_columns:
        raise ConfigError(f"the target '{target}' is also listed in data.id_columns or data.drop_columns of "
                          "mltoolkit.yml; remove it from there", parameter="data.id_columns", column=target)
    return ProjectCard(project=str(project), business_goal=str(business_goal or ""), decision=str(decision or ""),
                       task=task,
                       target=target, success=SuccessCriterion(metric, threshold, constraint_metric,
                                                               constraint_threshold),
                       positive_class=positive_class, baseline=base, stakeholders=tuple(map(str, stakeholders)),
                       monitoring=dict(monitoring or {}),
                       release={**RELEASE_LIMITS, **{k: float(v) for k, v in (release or {}).items()}}, data=data)


def save_card(card: ProjectCard, path: str | Path) -> Path:
    """Write the card as YAML (creating the folder); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "# Project card written by the problem-framing stage; later stages read it.\n"
    path.write_text(text + yaml.safe_dump(card.to_dict(), sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


_CARD_KEYS = {f.name for f in dataclasses.fields(ProjectCard)}


def load_card(path: str | Path) -> ProjectCard:
    """Read and validate a project card written by :func:`save_card` (or by hand).

    Raises
    ------
    DataError
        The file is missing or is not YAML.
    ConfigError
        Unknown keys or invalid values, naming the file.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"project card {path.absolute()} does not exist; run the problem-framing stage "
                        "(01_problem_framing) in this folder first, open this notebook in a run's folder "
                        "(runs/<run>/) to go on from that run, or pass card_path", path=str(path))
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise DataError(f"project card {path} is not valid YAML: {exc}", path=str(path)) from None
    if not isinstance(raw, dict):
        raise ConfigError(f"project card {path} must be a mapping of keys to values", path=str(path))
    unknown = sorted(set(raw) - _CARD_KEYS)
    if unknown:
        raise ConfigError(f"project card {path}: unknown key(s) {unknown}; valid keys: {sorted(_CARD_KEYS)}",
                          path=str(path))
    success = raw.get("success") or {}
    baseline = raw.get("baseline") or {}
    try:
        return make_card(
            project=raw.get("project", ""), task=raw.get("task", ""), target=raw.get("target", ""),
            metric=success.get("metric", ""), threshold=success.get("threshold"),
            constraint_metric=success.get("constraint_metric"), constraint_threshold=success.get("constraint_threshold"),
            business_goal=raw.get("business_goal", ""), decision=raw.get("decision", ""),
            positive_class=raw.get("positive_class"),
            baseline="dummy" if baseline.get("kind", "dummy") == "dummy" else baseline.get("value"),
            baseline_description=baseline.get("description"), stakeholders=raw.get("stakeholders") or (),
            monitoring=raw.get("monitoring") or {}, release=raw.get("release") or {}, data=raw.get("data"))
    except ConfigError as exc:
        raise ConfigError(f"project card {path}: {exc.message}", path=str(path), parameter=exc.parameter) from None
    except TypeError as exc:
        raise ConfigError(f"project card {path}: {exc}", path=str(path)) from None



def card_from_config(config: ProjectConfig, overrides: Mapping[str, Any] | None = None) -> ProjectCard:
    """The project card a config describes: its ``problem_framing``, ``data`` and ``monitoring`` sections.

    Parameters
    ----------
    config : ProjectConfig
        From :func:`mltoolkit.framing.load_config`.
    overrides : mapping, optional
        Framing values that win over the config (a stage parameter set in a
        notebook); None values leave the config's value.

    Raises
    ------
    ConfigError
        A missing or invalid value, naming the key to edit in the config file.
    """
    framing = dict(config.problem_framing)
    for key, value in (overrides or {}).items():
        if key not in FRAMING_KEYS:
            raise ConfigError(f"unknown problem framing value {key!r}; valid: {', '.join(FRAMING_KEYS)}",
                              parameter=key)
        if value is not None:
            framing[key] = value
    where = config.path or config.root
    for key in ("target", "task", "metric", "threshold"):
        if framing.get(key) in (None, ""):
            raise ConfigError(f"problem_framing.{key} is not set in {where}; set it (or re-create the project with "
                              "'mltoolkit init DIR --data FILE --target COLUMN', which decides it from the data)",
                              path=str(where), parameter=f"problem_framing.{key}")
    data = dataclasses.replace(config.data, source=config.resolve(config.data.source),
                               current=config.resolve(config.data.current),
                               experiment_log=config.resolve(config.data.experiment_log))
    try:
        return make_card(
            project=config.project, task=framing["task"], target=str(framing["target"]), metric=framing["metric"],
            threshold=framing["threshold"], positive_class=framing.get("positive_class"),
            constraint_metric=framing.get("constraint_metric"),
            constraint_threshold=framing.get("constraint_threshold"),
            business_goal=framing.get("business_goal") or "", decision=framing.get("decision") or "",
            baseline=framing.get("baseline", "dummy") if framing.get("baseline") is not None else "dummy",
            baseline_description=framing.get("baseline_description"),
            stakeholders=framing.get("stakeholders") or (), monitoring=config.monitoring,
            release=framing.get("release"), data=data)
    except ConfigError as exc:
        key = exc.parameter if exc.parameter and exc.parameter.startswith("data") else f"problem_framing.{exc.parameter}"
        raise ConfigError(f"{exc.message} (set {key} in {where})", path=str(where), parameter=key) from None


def project_card(card_path: str | Path | None) -> ProjectCard | None:
    """The card a stage follows: the file at ``card_path`` when it exists, else the one the config describes.

    A stage notebook run on its own, before problem framing wrote a card, so
    follows the project's ``mltoolkit.yml`` (found from the working folder) or,
    outside any project, the demo's config. ``card_path`` None or ``""`` means
    no project at all (a command comparing two files): None is returned.
    """
    if not card_path:
        return None
    if Path(card_path).exists():
        return load_card(card_path)
    from mltoolkit.framing.config import find_config, load_config

    return card_from_config(load_config(find_config()))
