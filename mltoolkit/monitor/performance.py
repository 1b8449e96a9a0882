"""Model performance in production, per chunk of time: expected, actual, estimated, against the criterion.

- **expected**: the test figure and its bootstrap interval from evaluation
  (``evaluation.json``);
- **actual**: the metric on the production rows whose label is known, with a
  percentile bootstrap interval (:func:`mltoolkit.evaluate.bootstrap_metrics`);
- **estimated**: for binary classifiers, the metric the probabilities promise
  (CBPE, :func:`mltoolkit.drift.performance.estimate_metric`), with the range
  the real figure falls in when the probabilities are right;
- **observed**: the figure each chunk is judged on: actual where every row is
  labelled, estimated where none is, and in between the labels where known
  and the probabilities elsewhere.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from mltoolkit._serialize import to_jsonable
from mltoolkit.drift.chunks import split_chunks
from mltoolkit.drift.performance import ESTIMABLE_METRICS, estimate_metric
from mltoolkit.errors import ConfigError
from mltoolkit.evaluate.bootstrap import MetricInterval, better_side, bootstrap_metrics
from mltoolkit.evaluate.registry import METRICS, check_metric_for_task
from mltoolkit.monitor.join import JoinSummary

__all__ = ["PerformanceOptions", "ChunkPerformance", "ProductionPerformance", "production_performance",
           "ESTIMATION_ASSUMPTIONS"]

#: What the estimate assumes, said wherever it is shown.
ESTIMATION_ASSUMPTIONS = (
    "The estimate assumes the model's probabilities are calibrated: of rows scored 0.7, 70% turn out positive.",
    "It follows changes in which rows come (covariate shift): their probabilities move with them.",
    "It cannot see a change in how outcomes follow from the inputs (concept shift): only labels show that.",
)
_MULTICLASS_FROM_LABELS = ("accuracy", "f1_macro", "f1_weighted", "precision_macro", "recall_macro")


@dataclasses.dataclass(frozen=True)
class PerformanceOptions:
    """How production performance is measured and judged (defaults in one place)."""

    max_drop: float = 0.05       # a chunk worse than expected by more than this raises an alert
    confidence: float = 0.95     # of every interval
    n_boot: int = 500            # bootstrap resamples of the actual figure, label draws of the estimate
    min_rows: int = 30           # chunks with fewer rows are left out (as drift over time does)
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


@dataclasses.dataclass(frozen=True)
class ChunkPerformance:
    """One chunk's performance and its verdict.

    ``status``: ``pass`` when the observed interval lies on the passing side
    of the criterion, ``fail`` when the figure is below it or worse than
    expected by more than ``max_drop``, ``uncertain`` when the interval
    straddles the threshold, ``unknown`` when nothing could be measured or
    estimated (regression without labels). ``concept_shift``: labels show
    the chunk worse than its probabilities promise (actual interval wholly
    below the estimated one), a change the estimate cannot see.
    """

    label: str
    start: str | None
    end: str | None
    n_rows: int
    n_labelled: int
    actual: MetricInterval | None
    estimated: MetricInterval | None
    observed: MetricInterval | None
    basis: str  # "actual", "estimated", "actual and estimated" or "none"
    status: str  # "pass", "fail", "uncertain", "unknown"
    below_threshold: bool
    drop: float | None  # how much worse than expected (positive = worse)
    dropped: bool
    concept_shift: bool = False
    constraint: MetricInterval | None = None  # the card's constraint metric, observed the same way

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


@dataclasses.dataclass(frozen=True)
class ProductionPerformance:
    """Performance in production over time; written as ``artifacts/performance.json``.

    Attributes
    ----------
    metric, direction, threshold : str, str, float or None
        The success criterion (``recall >= 0.5``).
    expected : MetricInterval or None
        The evaluation's test figure and interval.
    overall : ChunkPerformance
        The whole batch as one chunk.
    chunks : tuple of ChunkPerformance
        Per period of the time column, or per block of rows.
    status : str
        The latest chunk's status (the model now); ``since``: the start (or
        label) of the run of chunks that share it.
    estimable : bool
        Whether unlabelled rows can be estimated for this task and metric;
        ``notes`` say why not, and what the estimate assumes.
    """

    task: str
    metric: str
    direction: str
    threshold: float | None
    constraint_metric: str | None
    constraint_threshold: float | None
    expected: MetricInterval | None
    decision_threshold: float | None
    confidence: float
    max_drop: float
    overall: ChunkPerformance
    chunks: tuple[ChunkPerformance, ...]
    status: str
    since: str | None
    estimable: bool
    assumptions: tuple[str, ...]
    notes: tuple[str, ...]
    join: JoinSummary | None = None
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)

    @property
    def latest(self) -> ChunkPerformance:
        """The most recent chunk (the whole batch when there are no chunks)."""
        return self.chunks[-1] if self.chunks else self.overall

    def describe(self, chunk: ChunkPerformance | None = None) -> str:
        """One chunk's figure in words: ``recall 0.41 actual (95% CI 0.35 to 0.47)``."""
        c = chunk or self.latest
        if c.observed is None or c.observed.value is None:
            return f"{self.metric} not known yet (no labels" + (
                "; a regression model's error cannot be estimated without them)" if self.task == "regression" else ")")
        return f"{self.metric} {c.observed.describe(self.confidence)} {c.basis}"


def _positive(labels: pd.Series, positive: Any) -> np.ndarray:
    """1.0 where the label is the positive class, 0.0 where it is another, NaN where missing."""
    known = labels.notna().to_numpy()
    out = np.full(len(labels), np.nan)
    as_num = pd.to_numeric(labels, errors="coerce")
    try:
        pos_num = float(positive)
    except (TypeError, ValueError):
        pos_num = None
    if pos_num is not None and as_num[known].notna().all():
        out[known] = (as_num[known].to_numpy(dtype=float) == pos_num).astype(float)
    else:
        out[known] = (labels[known].astype(str).to_numpy() == str(positive)).astype(float)
    return out


def _binary_chunk(score: np.ndarray, y: np.ndarray, metric: str, threshold: float,
                  opts: PerformanceOptions) -> tuple[MetricInterval | None, MetricInterval | None, MetricInterval, str]:
    known = ~np.isnan(y)
    actual = None
    if known.any():
        actual = bootstrap_metrics(y[known].astype(int), score[known], task="binary", metrics=[metric], labels=[0, 1],
                                   threshold=threshold, n_boot=opts.n_boot, confidence=opts.confidence,
                                   seed=opts.seed).interval(metric)
    kw = dict(threshold=threshold, n_sim=opts.n_boot, confidence=opts.confidence, seed=opts.seed)
    estimated = estimate_metric(score, score, metric, **kw)
    if known.all():
        return actual, estimated, actual, "actual"
    if not known.any():
        return None, estimated, estimated, "estimated"
    return actual, estimated, estimate_metric(score, np.where(known, y, score), metric, **kw), "actual and estimated"


def _other_chunk(task: str, pred: pd.Series, labels: pd.Series, score: np.ndarray | None, metric: str,
                 classes: Sequence[Any], opts: PerformanceOptions
                 ) -> tuple[MetricInterval | None, MetricInterval | None, MetricInterval | None, str]:
    known = labels.notna().to_numpy()
    actual = None
    if known.any():
        if task == "regression":
            actual = bootstrap_metrics(pd.to_numeric(labels[known]).to_numpy(dtype=float),
                                       pd.to_numeric(pred[known]).to_numpy(dtype=float), task="regression",
                                       metrics=[metric], n_boot=opts.n_boot, confidence=opts.confidence,
                                       seed=opts.seed).interval(metric)
        else:  # the logged outputs hold the predicted class only: one-hot scores give every label-based metric
            names = [str(c) for c in classes]
            onehot = (pred[known].astype(str).to_numpy()[:, None] == np.array(names)[None, :]).astype(float)
            actual = bootstrap_metrics(labels[known].astype(str).to_numpy(), onehot, task="multiclass",
                                       metrics=[metric], labels=names, n_boot=opts.n_boot,
                                       confidence=opts.confidence, seed=opts.seed).interval(metric)
    estimated = None
    if task == "multiclass" and metric == "accuracy" and score is not None:
        # A calibrated top score is the chance the predicted class is right: accuracy is a sum of those chances,
        # the binary estimate with every row "predicted" and the row's correctness as its outcome.
        correct = (pred.astype(str).to_numpy() == labels.astype(str).to_numpy()).astype(float)
        kw = dict(threshold=0.5, n_sim=opts.n_boot, confidence=opts.confidence, seed=opts.seed)
        ones = np.ones(len(score))
        estimated = estimate_metric(ones, score, "accuracy", **kw)
        if known.all():
            return actual, estimated, actual, "actual"
        if not known.any():
            return None, estimated, estimated, "estimated"
        return actual, estimated, estimate_metric(ones, np.where(known, correct, score), "accuracy", **kw), \
            "actual and estimated"
    if known.all():
        return actual, None, actual, "actual"
    if known.any():  # no estimate for the rest: the labelled rows speak for the chunk, and the basis says so
        return actual, None, actual, "actual"
    return None, None, None, "none"


def _judge(metric: str, observed: MetricInterval | None, threshold: float | None, expected: MetricInterval | None,
           max_drop: float) -> tuple[str, bool, float | None, bool]:
    if observed is None or observed.value is None:
        return "unknown", False, None, False
    spec = METRICS[metric]
    below = threshold is not None and not (observed.value >= threshold if spec.higher_is_better
                                           else observed.value <= threshold)
    drop = spec.worse_by(observed.value, expected.value) if expected is not None and expected.value is not None \
        else None
    dropped = drop is not None and drop > max_drop
    if below or dropped:
        return "fail", below, drop, dropped
    if threshold is None:
        return "pass", below, drop, dropped
    side = better_side(metric, observed, threshold)
    return ("pass" if side == "better" else "uncertain"), below, drop, dropped


def _chunk(label: str, start: str | None, end: str | None, rows: pd.DataFrame, *, task: str, metric: str,
           constraint_metric: str | None, target: str, positive: Any, classes: Sequence[Any], threshold: float,
           criterion: float | None, expected: MetricInterval | None, opts: PerformanceOptions) -> ChunkPerformance:
    labels = rows[target] if target in rows.columns else pd.Series([np.nan] * len(rows), index=rows.index)
    score = rows["score"].to_numpy(dtype=float) if "score" in rows.columns else None
    constraint = None
    if task == "binary":
        y = _positive(labels, positive)
        actual, estimated, observed, basis = _binary_chunk(score, y, metric, threshold, opts)
        if constraint_metric:
            constraint = _binary_chunk(score, y, constraint_metric, threshold, opts)[2]
    else:
        actual, estimated, observed, basis = _other_chunk(task, rows["prediction"], labels, score, metric, classes,
                                                          opts)
    status, below, drop, dropped = _judge(metric, observed, criterion, expected, opts.max_drop)
    concept = bool(actual is not None and estimated is not None and actual.ci_high is not None
                   and estimated.ci_low is not None and actual.value is not None
                   and METRICS[metric].worse_by(actual.value, estimated.value) > 0
                   and (actual.ci_high < estimated.ci_low if METRICS[metric].higher_is_better
                        else actual.ci_low > estimated.ci_high))
    return ChunkPerformance(label, start, end, len(rows), int(labels.notna().sum()), actual, estimated, observed,
                            basis, status, bool(below), drop, bool(dropped), concept, constraint)


def production_performance(
    frame: pd.DataFrame,
    *,
    task: str,
    metric: str,
    target: str,
    threshold: float | None = None,
    expected: MetricInterval | None = None,
    positive_label: Any = 1,
    classes: Sequence[Any] = (),
    decision_threshold: float | None = None,
    constraint_metric: str | None = None,
    constraint_threshold: float | None = None,
    time_column: str | None = None,
    chunk_freq: str = "W",
    chunk_size: int | None = None,
    options: PerformanceOptions = PerformanceOptions(),
    join: JoinSummary | None = None,
) -> ProductionPerformance:
    """Expected, actual and estimated performance of the model on production rows, overall and per chunk.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per prediction: ``prediction``, ``score`` (binary: probability
        of the positive class; multiclass: probability of the predicted
        class), the ``target`` column where labels are known (missing where
        not), and the time column if any (see :mod:`mltoolkit.monitor.join`).
    task : {"binary", "multiclass", "regression"}
    metric : str
        The success metric (registry name, :data:`mltoolkit.evaluate.METRICS`).
    target : str
        Label column.
    threshold : float, optional
        The success threshold of ``metric``.
    expected : MetricInterval, optional
        The evaluation's figure and interval.
    positive_label : default 1
        Binary: the positive class as the labels write it.
    classes : sequence
        Multiclass: the model's classes (for the label-based metrics).
    decision_threshold : float, optional
        Binary: the threshold the model's predictions use (default 0.5).
    constraint_metric, constraint_threshold : optional
        The card's constraint (``at precision >= 0.3``), measured the same way;
        a chunk breaking it fails.
    time_column, chunk_freq, chunk_size : optional
        The chunks, cut as drift over time cuts them
        (:func:`mltoolkit.drift.chunks.split_chunks`).
    options : PerformanceOptions
    join : JoinSummary, optional
        How the rows were joined, kept with the result.

    Returns
    -------
    ProductionPerformance

    Raises
    ------
    ConfigError
        A metric that does not fit the task, a binary frame without ``score``,
        or a metric that cannot be computed from logged outputs (multiclass
        ROC AUC and log loss need every class's probability).
    """
    check_metric_for_task(metric, task)
    if task == "binary" and "score" not in frame.columns:
        raise ConfigError("binary performance needs the model's probability of the positive class ('score')",
                          column="score", parameter="frame")
    if task == "multiclass" and metric not in _MULTICLASS_FROM_LABELS:
        raise ConfigError(f"multiclass {metric} needs every class's probability, which predictions do not keep "
                          f"(only the predicted class and its probability); monitor one of "
                          f"{', '.join(_MULTICLASS_FROM_LABELS)}", parameter="metric")
    if task == "multiclass" and not classes:
        seen = [frame["prediction"], frame[target]] if target in frame.columns else [frame["prediction"]]
        classes = sorted(pd.concat(seen).dropna().astype(str).unique())
    if constraint_metric and task != "binary":
        constraint_metric = constraint_threshold = None
    dt = 0.5 if decision_threshold is None else float(decision_threshold)
    kw = dict(task=task, metric=metric, constraint_metric=constraint_metric, target=target, positive=positive_label,
              classes=tuple(classes), threshold=dt, criterion=threshold, expected=expected, opts=options)
    overall = _chunk("all rows", None, None, frame, **kw)
    if constraint_metric:
        overall = _with_constraint(overall, constraint_metric, constraint_threshold)
    chunks = []
    for label, start, end, rows in split_chunks(frame, time_column, chunk_freq, chunk_size):
        if len(rows) < options.min_rows:
            continue
        c = _chunk(label, start, end, rows, **kw)
        chunks.append(_with_constraint(c, constraint_metric, constraint_threshold) if constraint_metric else c)
    estimable = (task == "binary" and metric in ESTIMABLE_METRICS) or (task == "multiclass" and metric == "accuracy"
                                                                       and "score" in frame.columns)
    notes = []
    if task == "regression":
        notes.append("A regression model's error cannot be estimated without labels: it gives no probability to "
                     "weigh its own mistakes by. Chunks without labels show 'not known yet' (and their prediction "
                     "drift in the drift section); performance is measured where labels have arrived.")
    elif not estimable:
        notes.append(f"{metric} cannot be estimated from the predictions: chunks without labels show 'not known "
                     "yet'; only multiclass accuracy is estimated (from the probability of the predicted class).")
    if any(c.concept_shift for c in (*chunks, overall)):
        shifted = [c.label for c in chunks if c.concept_shift] or ["the whole batch"]
        notes.append(f"Labels show {metric} below what the probabilities promise in {', '.join(shifted[:5])}"
                     f"{' and more' if len(shifted) > 5 else ''}: how outcomes follow from inputs has changed "
                     "(concept shift). The estimate cannot see this kind of change; trust the actual figures, and "
                     "do not rely on estimates for chunks still without labels.")
    status, since = _streak(chunks or [overall])
    spec = METRICS[metric]
    result = ProductionPerformance(
        task=task, metric=metric, direction=">=" if spec.higher_is_better else "<=", threshold=threshold,
        constraint_metric=constraint_metric, constraint_threshold=constraint_threshold, expected=expected,
        decision_threshold=dt if task == "binary" else None, confidence=options.confidence,
        max_drop=options.max_drop, overall=overall, chunks=tuple(chunks), status=status, since=since,
        estimable=estimable, assumptions=ESTIMATION_ASSUMPTIONS if estimable else (), notes=tuple(notes),
        join=join)
    return dataclasses.replace(result, message=_message(result))


def _with_constraint(c: ChunkPerformance, metric: str, threshold: float | None) -> ChunkPerformance:
    if c.constraint is None or c.constraint.value is None or threshold is None or c.status == "unknown":
        return c
    ok = c.constraint.value >= threshold if METRICS[metric].higher_is_better else c.constraint.value <= threshold
    return c if ok else dataclasses.replace(c, status="fail")


def _streak(chunks: Sequence[ChunkPerformance]) -> tuple[str, str | None]:
    """The latest known status and the first chunk of the run of chunks sharing it."""
    known = [c for c in chunks if c.status != "unknown"]
    if not known:
        return "unknown", None
    status = known[-1].status
    first = known[-1]
    for c in reversed(known):
        if c.status != status:
            break
        first = c
    return status, first.start[:10] if first.start else first.label


def _message(p: ProductionPerformance) -> str:
    expected = f"expected {p.expected.describe(p.confidence)}" if p.expected is not None else "no expected figure"
    criterion = f"criterion {p.metric} {p.direction} {p.threshold:g}" if p.threshold is not None else "no criterion"
    latest = p.latest
    fail = "falls short of its criterion" if latest.below_threshold else (
        f"is worse than expected by more than {p.max_drop:g}" if latest.dropped else "breaks its constraint")
    words = {"pass": "meets its criterion", "fail": fail, "uncertain": "may fall short (its interval "
             "straddles the threshold)", "unknown": "is not known yet"}[p.status]
    since = f" since {p.since}" if p.since and p.chunks else ""
    return f"In production the model {words}{since}: {p.describe()} ({expected}; {criterion})."
