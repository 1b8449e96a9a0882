"""Decide a project's framing from its table: task, positive class, success criterion, id and time columns.

``mltoolkit init`` writes each decision into ``mltoolkit.yml`` with the reason
given here, so a user reads how it was decided and what to change. The rules:

- **Task** (:func:`infer_task`): a target of two values is a binary task;
  text, booleans and categories with more are multiclass; numbers with a
  fractional part, or more than :data:`MAX_CLASS_VALUES` whole-number values,
  are a regression; whole numbers with 3 to :data:`MAX_CLASS_VALUES` values are
  taken as classes and flagged for the user to check (they may be a score or a
  count, which is a regression).
- **Positive class** (:func:`infer_positive_class`): the minority class of a
  binary target (the class a model usually exists to find).
- **Success criterion** (:func:`choose_criterion`, :data:`SUCCESS_RULES`):
  binary: ROC AUC >= 0.7 ("acceptable discrimination", Hosmer & Lemeshow),
  or, when the positive class is under 10% of rows, PR AUC (average precision)
  >= three times the positive rate (a ranking three times better than chance);
  multiclass: macro F1 halfway from chance (1/k) to perfect; regression:
  R² >= 0.5 (explains at least half the variance). Baseline: a dummy model.
- **Id columns** (:func:`infer_id_columns`): columns the schema sees as
  identifiers (an id-like name and one distinct value per row), and text
  columns with one distinct value per row.
- **Time column** (:func:`infer_time_column`): the only datetime column (or,
  of several, the one named like a date), else an integer column named
  ``year`` whose values look like years.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from mltoolkit._serialize import to_jsonable
from mltoolkit.data.schema import Schema, infer_schema
from mltoolkit.errors import ConfigError, DataError, SchemaError
from mltoolkit.evaluate.registry import METRICS, check_metric_for_task, task_kind

__all__ = ["ProjectDecisions", "decide_project", "infer_task", "infer_positive_class", "choose_criterion",
           "infer_id_columns", "infer_time_column", "unsure_kinds", "MAX_CLASS_VALUES", "SUCCESS_RULES"]

#: Whole-number targets with at most this many values are taken as classes.
MAX_CLASS_VALUES = 10
#: Default success criterion per task: (metric, threshold or rule). See the module docstring.
SUCCESS_RULES = {"binary": ("roc_auc", 0.7), "binary_rare": ("pr_auc", "3 x positive rate"),
                 "multiclass": ("f1_macro", "halfway from chance to 1"), "regression": ("r2", 0.5)}
_RARE_POSITIVE = 0.1
_TIME_NAMES = ("date", "time", "timestamp", "datetime", "day", "month", "period")


@dataclasses.dataclass(frozen=True)
class ProjectDecisions:
    """What ``mltoolkit init`` decided, each with the reason written next to it in ``mltoolkit.yml``.

    Attributes
    ----------
    target, task, positive_class, metric, threshold
        The framing; ``positive_class`` is None outside binary tasks.
    time_column : str or None
    id_columns : tuple of str
    column_kinds : dict
        Columns whose kind inference is unsure about, with the kind it chose.
    reasons : dict
        Config key (``problem_framing.task``, ``data.time_column``, or a column
        name for column kinds) -> how it was decided and how to change it.
    checks : tuple of str
        What the user should look at before running.
    n_rows, n_columns : int
        Size of the table read.
    """

    target: str
    task: str
    positive_class: Any
    metric: str
    threshold: float
    time_column: str | None
    id_columns: tuple[str, ...]
    column_kinds: dict[str, str]
    reasons: dict[str, str]
    checks: tuple[str, ...]
    n_rows: int
    n_columns: int

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def _plain(value: Any) -> Any:
    """A numpy scalar as a plain Python value (so it is written to YAML as it reads)."""
    return value.item() if isinstance(value, np.generic) else value


def infer_task(y: pd.Series) -> tuple[str, str, bool]:
    """The ML task a target column calls for.

    Returns
    -------
    task, reason, unsure
        The task name, a sentence saying why, and whether the user should check it.

    Raises
    ------
    SchemaError
        The target has fewer than two distinct values.

    Examples
    --------
    >>> infer_task(pd.Series(["yes", "no", "no"]))[0]
    'binary_classification'
    >>> infer_task(pd.Series([1.5, 2.25, 3.0, 4.75]))[0]
    'regression'
    """
    values = y.dropna()
    n = values.nunique()
    name = y.name
    if n < 2:
        raise SchemaError(f"target '{name}' has {n} distinct value(s); a model needs at least two — choose another "
                          "target column (--target)", column=str(name), parameter="--target")
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if n == 2:
        return "binary_classification", f"the target has two values ({_show(values.unique())})", False
    if not numeric:
        unsure = n > 20
        return ("multiclass_classification", f"the target holds {n} distinct labels" +
                (" (many: check it is not free text or an id)" if unsure else ""), unsure)
    whole = bool(np.all(np.mod(values.to_numpy(dtype=float), 1) == 0))
    if not whole:
        return "regression", "the target is a number with a fractional part", False
    if n <= MAX_CLASS_VALUES:
        return ("multiclass_classification", f"the target is a whole number with only {n} values "
                f"({_show(np.sort(values.unique()))}): taken as classes; if they are a score or a count whose "
                "distances matter, set task: regression", True)
    return "regression", f"the target is a whole number with {n:,} distinct values", False


def _show(values: Sequence[Any], limit: int = 6) -> str:
    shown = [repr(_plain(v)) for v in list(values)[:limit]]
    return ", ".join(shown) + (", ..." if len(values) > limit else "")


def infer_positive_class(y: pd.Series) -> tuple[Any, str]:
    """The minority class of a binary target (ties: the larger label), and why.

    Examples
    --------
    >>> infer_positive_class(pd.Series(["good"] * 7 + ["bad"] * 3))[0]
    'bad'
    """
    counts = y.dropna().value_counts()
    ordered = sorted(counts.items(), key=lambda kv: (kv[1], _sort_key(kv[0])))
    minority, n_min = ordered[0]
    if len(ordered) > 1 and ordered[0][1] == ordered[1][1]:
        minority = max((k for k, _ in ordered), key=_sort_key)
        return _plain(minority), "both classes are equally frequent: the larger label was taken"
    share = n_min / counts.sum()
    return _plain(minority), f"the minority class ({share:.1%} of labelled rows), usually the one to find"


def _sort_key(value: Any) -> tuple[int, Any]:
    return (0, float(value)) if isinstance(value, (int, float, np.number, bool, np.bool_)) else (1, str(value))


def choose_criterion(task: str, y: pd.Series, positive_class: Any = None) -> tuple[str, float, str]:
    """The default success metric and threshold for ``task`` on target ``y`` (rules: :data:`SUCCESS_RULES`).

    Examples
    --------
    >>> choose_criterion("regression", pd.Series([1.0, 2.5, 3.0]))[:2]
    ('r2', 0.5)
    """
    kind = task_kind(task)
    values = y.dropna()
    if kind == "binary":
        share = float((values.astype(str) == str(positive_class)).mean()) if positive_class is not None else 0.5
        if share < _RARE_POSITIVE:
            threshold = round(min(0.9, 3 * share), 2)
            return ("pr_auc", max(threshold, 0.01), f"the positive class is rare ({share:.1%}): average precision at "
                    "least three times the positive rate (what a random ranking scores)")
        return "roc_auc", 0.7, "ROC AUC 0.7 is the usual bar for acceptable discrimination"
    if kind == "multiclass":
        k = values.nunique()
        threshold = round(1 / k + 0.5 * (1 - 1 / k), 2)
        return "f1_macro", threshold, f"macro F1 halfway from chance (1/{k}) to perfect"
    return "r2", 0.5, "the model should explain at least half of the target's variance"


def infer_id_columns(df: pd.DataFrame, schema: Schema, *, exclude: Sequence[str] = ()) -> tuple[str, ...]:
    """Identifier columns: the schema's identifiers and text columns with one distinct value per row."""
    ids = []
    for col in schema.columns:
        if col.name in exclude:
            continue
        s = df[col.name]
        if col.kind == "identifier":
            ids.append(col.name)
        elif (col.kind in ("text", "categorical") and len(df) >= 20 and s.notna().all() and s.is_unique
              and not pd.api.types.is_numeric_dtype(s)):
            ids.append(col.name)
    return tuple(ids)


def infer_time_column(df: pd.DataFrame, schema: Schema, *, exclude: Sequence[str] = ()) -> tuple[str | None, str]:
    """The obvious time column, if any, and why."""
    dates = [c.name for c in schema.columns if c.kind == "datetime" and c.name not in exclude]
    if len(dates) == 1:
        return dates[0], "the only date/time column"
    if dates:
        named = [c for c in dates if any(t in c.lower() for t in _TIME_NAMES)]
        pick = (named or dates)[0]
        return pick, f"the first of the date/time columns {dates} (others may be better: set data.time_column)"
    for name in df.columns:
        s = df[name]
        if (str(name).lower() in ("year", "yr") and name not in exclude and pd.api.types.is_integer_dtype(s)
                and s.notna().any() and 1800 <= s.min() and s.max() <= 2200):
            return str(name), "an integer column of years"
    return None, "no date/time column found"


def unsure_kinds(df: pd.DataFrame, schema: Schema, *, exclude: Sequence[str] = ()) -> dict[str, tuple[str, str]]:
    """Columns whose inferred kind may be wrong: column -> (kind chosen, why it is unsure)."""
    out: dict[str, tuple[str, str]] = {}
    for col in schema.columns:
        if col.name in exclude:
            continue
        s = df[col.name]
        if getattr(col, "mixed_types", False):
            out[col.name] = (col.kind, "values of mixed types")
        elif col.kind == "numeric" and pd.api.types.is_integer_dtype(s.dropna().convert_dtypes()) \
                and 2 < s.nunique() <= MAX_CLASS_VALUES:
            out[col.name] = (col.kind, f"whole numbers with {s.nunique()} values: set categorical if they are codes")
        for note in getattr(col, "notes", ()) or ():
            kind = out.get(col.name, (col.kind, ""))[0]
            out[col.name] = (kind, "; ".join(filter(None, [out.get(col.name, ("", ""))[1], str(note)])))
    return out


def decide_project(df: pd.DataFrame, target: str, *, task: str | None = None, positive_class: Any = None,
                   metric: str | None = None, threshold: float | None = None, time_column: str | None = None,
                   id_columns: Sequence[str] | None = None, source: str = "the data") -> ProjectDecisions:
    """Decide everything ``mltoolkit init`` writes into ``mltoolkit.yml``; given values are kept as they are.

    Parameters
    ----------
    df : pandas.DataFrame
        The table (or a sample of it).
    target : str
        Target column.
    task, positive_class, metric, threshold, time_column, id_columns : optional
        Decisions the user made; the rest is inferred.
    source : str
        Name of the table in messages.

    Raises
    ------
    DataError
        The target is not a column, or has no values.
    ConfigError
        A given value that does not fit (an unknown task, a positive class the
        target does not hold, a metric unfit for the task).
    """
    if target not in df.columns:
        raise DataError(f"target column '{target}' is not in {source}; its columns are: "
                        f"{', '.join(map(str, df.columns[:30]))}", column=target, parameter="--target")
    y = df[target]
    if y.notna().sum() == 0:
        raise DataError(f"target column '{target}' of {source} has no values (all missing); choose another target",
                        column=target, parameter="--target")
    reasons: dict[str, str] = {}
    checks: list[str] = []
    if task is None:
        task, why, unsure = infer_task(y)
        reasons["problem_framing.task"] = f"inferred: {why}"
        if unsure:
            checks.append(f"the task ({task}): {why}")
    else:
        task_kind(task)
        reasons["problem_framing.task"] = "given"
    kind = task_kind(task)
    if kind == "binary":
        labels = {str(v) for v in y.dropna().unique()}
        if positive_class is None:
            positive_class, why = infer_positive_class(y)
            reasons["problem_framing.positive_class"] = f"inferred: {why}"
            checks.append(f"the positive class {positive_class!r} (the outcome the model scores)")
        else:
            if str(positive_class) not in labels:
                raise ConfigError(f"--positive-class {positive_class!r} is not a value of target '{target}' "
                                  f"(its values are {', '.join(sorted(labels))})", parameter="--positive-class")
            positive_class = _plain(next(v for v in y.dropna().unique() if str(v) == str(positive_class)))
            reasons["problem_framing.positive_class"] = "given"
    else:
        positive_class = None
    if metric is None:
        metric, threshold_rule, why = choose_criterion(task, y, positive_class)
        threshold = threshold if threshold is not None else threshold_rule
        reasons["problem_framing.metric"] = f"default for the task: {why}"
        direction = ">=" if METRICS[metric].higher_is_better else "<="
        checks.append(f"the success criterion ({metric} {direction} {threshold:g}): set the bar the business needs")
    else:
        check_metric_for_task(metric, kind, parameter="--metric")
        reasons["problem_framing.metric"] = "given"
        if threshold is None:
            default_metric, default_threshold, _ = choose_criterion(task, y, positive_class)
            threshold = default_threshold if default_metric == metric else None
        if threshold is None:
            raise ConfigError(f"give --threshold for metric {metric!r} (the value it must reach)",
                              parameter="--threshold")
    features = df.drop(columns=[target])
    schema = infer_schema(features)
    if time_column is not None:
        if time_column not in df.columns:
            raise DataError(f"--time-column '{time_column}' is not a column of {source}", column=time_column,
                            parameter="--time-column")
        reasons["data.time_column"] = "given"
    else:
        time_column, why = infer_time_column(features, schema)
        reasons["data.time_column"] = f"inferred: {why}" if time_column else why
    if id_columns is None:
        id_columns = infer_id_columns(features, schema, exclude=[time_column] if time_column else [])
        reasons["data.id_columns"] = ("inferred: one distinct value per row (never used as features)" if id_columns
                                      else "none found (columns with one distinct value per row)")
    else:
        missing = [c for c in id_columns if c not in df.columns]
        if missing:
            raise DataError(f"--id-columns {missing} not in {source}", column=missing[0], parameter="--id-columns")
        reasons["data.id_columns"] = "given"
    id_columns = tuple(str(c) for c in id_columns)
    unsure = unsure_kinds(features, schema, exclude=[*id_columns, *([time_column] if time_column else [])])
    for name, (_, why) in unsure.items():
        reasons[name] = why
    if unsure:
        checks.append(f"the kinds of {', '.join(list(unsure)[:5])}{' ...' if len(unsure) > 5 else ''} "
                      "(data.column_kinds)")
    return ProjectDecisions(target=target, task=task, positive_class=positive_class, metric=metric,
                            threshold=float(threshold), time_column=time_column, id_columns=id_columns,
                            column_kinds={k: v[0] for k, v in unsure.items()}, reasons=reasons,
                            checks=tuple(checks), n_rows=len(df), n_columns=df.shape[1])
