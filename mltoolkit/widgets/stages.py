"""Static summaries of the middle stages: project card, data collection, preparation, training, evaluation.

Each shows the same HTML in JupyterLab and in reports (nothing to click), built
from the stage's result dataclass; every value from the data is escaped.
"""
from __future__ import annotations

from collections.abc import Mapping

import ipywidgets as W
from sklearn.base import BaseEstimator

from mltoolkit.framing import NOT_WRITTEN, ProjectCard
from mltoolkit.plots import metrics as metric_plots
from mltoolkit.plots.style import format_number, format_share
from mltoolkit.plots.training import plot_candidates, plot_importance
from mltoolkit.stages.collection import CollectionResult
from mltoolkit.stages.deployment import DeploymentResult
from mltoolkit.stages.evaluation import EvaluationResult
from mltoolkit.stages.preparation import PreparationResult
from mltoolkit.stages.retraining import RetrainingResult
from mltoolkit.stages.training import TrainingData
from mltoolkit.train import BASELINE, CandidateComparison, TrainingResult, default_search_space, tracking_uri
from mltoolkit.widgets.base import ToolkitWidget
from mltoolkit.widgets.html import badge, esc, img_tag, section, table
from mltoolkit.widgets.metrics import MetricsWidget

__all__ = ["CardSummary", "CollectionSummary", "PreparationSummary", "TrainingSetupSummary", "Leaderboard",
           "TrainingSummary", "EvaluationSummary",
           "EvaluationDetails", "explore_evaluation", "DeploymentSummary",
           "RetrainingSummary"]


class _Static(ToolkitWidget):
    def _build(self) -> W.Widget:
        return W.HTML(f"<div class='mlt'>{self.static_html()}</div>")


class CardSummary(_Static):
    """The project card: goal, decision, task, success criterion, baseline."""

    def __init__(self, card: ProjectCard) -> None:
        self.card = card

    def __repr__(self) -> str:
        return f"CardSummary({self.card.project!r}: {self.card.success.describe()})"

    def static_html(self) -> str:
        c = self.card
        base = (f"{c.baseline.description} ({c.baseline.value:g})" if c.baseline.kind == "value"
                else f"dummy model: {c.baseline.description}")
        def story(value: str, key: str) -> str:
            return value or f"{NOT_WRITTEN} (problem_framing.{key} in mltoolkit.yml)"

        rows = [("Business goal", story(c.business_goal, "business_goal")),
                ("Decision supported", story(c.decision, "decision")),
                ("ML task", c.task.replace("_", " ")), ("Target", c.target + (f" (positive class: {c.positive_class})"
                                                                               if c.positive_class is not None else "")),
                ("Success criterion", c.success.describe()), ("Baseline to beat", base),
                ("Stakeholders", ", ".join(c.stakeholders) or story("", "stakeholders"))]
        return section(f"Project card: {c.project}", table(rows, ["", ""]))


class CollectionSummary(_Static):
    """Data version, expectation checks (the failed ones, or all with ``all_checks=True``) and the split."""

    def __init__(self, result: CollectionResult, *, all_checks: bool = False) -> None:
        self.result = result
        self.all_checks = all_checks

    def __repr__(self) -> str:
        return f"CollectionSummary({self.result.fingerprint.n_rows:,} rows, {self.result.fingerprint.short})"

    def static_html(self) -> str:
        r = self.result
        shown = r.validation.checks if self.all_checks else r.validation.failed
        checks = [(badge("pass", "good") if c.passed else badge("fail", "critical"), c.check, c.column, c.detail)
                  for c in shown]
        body = "".join(f"<tr><td>{b}</td><td>{esc(k)}</td><td>{esc(col)}</td><td>{esc(d)}</td></tr>"
                       for b, k, col, d in checks)
        checks_html = (f'<table class="mlt-t"><tr><th></th><th>Check</th><th>Column</th><th>Result</th></tr>{body}'
                       "</table>") if checks else \
            f"<p>{badge('pass', 'good')} all {len(r.validation.checks)} checks passed (details in data_validation.json)</p>"
        split_rows = [(name, format_number(n), format_share(r.split.target_mean.get(name))
                       if r.split.target_mean.get(name) is not None else "–") for name, n in r.split.rows.items()]
        facts = [("Source", r.source), ("Rows × columns", f"{r.fingerprint.n_rows:,} × {r.fingerprint.n_columns}"),
                 *([("Rows without a label", f"{r.missing_target_dropped:,} of {r.rows_read:,} left out (the target "
                     "is missing)")] if r.missing_target_dropped else []),
                 ("Data version", r.fingerprint.short), ("Split", f"{r.split.strategy}, seed {r.split.seed}")]
        return (section("Data", table(facts, ["", ""]))
                + section(f"Expectations ({len(r.validation.checks)} checks, {len(r.validation.failed)} failed)",
                          checks_html)
                + section("Split", table(split_rows, ["Part", "Rows", "Target mean"], numeric=[False, True, True])))


class PreparationSummary(_Static):
    """What preprocessing does to each column, and the leakage check."""

    def __init__(self, result: PreparationResult) -> None:
        self.result = result

    def __repr__(self) -> str:
        return f"PreparationSummary({self.result.summary.n_features_out} features out)"

    def static_html(self) -> str:
        r = self.result
        plan = table([(p.column, p.kind, p.treatment) for p in r.summary.columns], ["Column", "Kind", "Treatment"])
        leak = table([(s.column, s.measure.replace("_", " "), format_number(s.value)) for s in r.leakage[:8]],
                     ["Column", "Measure", "Alone predicts the target"], numeric=[False, False, True])
        return (section(f"Preprocessing ({r.summary.n_features_out} model features, fitted on "
                        f"{r.n_train_rows:,} training rows only)", plan)
                + section("Leakage check (strongest single columns; 1.0 = perfect, refused above the threshold)", leak))


class TrainingSetupSummary(_Static):
    """What training starts from: the rows, the ranking metric, and the candidate models with how each is tuned."""

    def __init__(self, data: TrainingData, candidates: Mapping[str, BaseEstimator]) -> None:
        self.data, self.candidates = data, dict(candidates)

    def __repr__(self) -> str:
        return f"TrainingSetupSummary({len(self.data.X):,} rows, candidates {', '.join(self.candidates)})"

    def static_html(self) -> str:
        d = self.data
        facts = [("Training rows", f"{len(d.X):,} × {d.X.shape[1]} features"), ("Target", d.target),
                 ("Ranked by", f"{d.metric}, {d.cv_folds}-fold cross-validation, seed {d.seed}"),
                 *[("Note", n) for n in d.notes]]
        rows = []
        for name, est in self.candidates.items():
            space = default_search_space(name, est, d.task_kind, seed=d.seed)
            tuning = (", ".join(k.removeprefix("model__") for k in space) if space
                      else "settings kept (pass space= to tune_best)")
            rows.append((name, " ".join(repr(est).split()), tuning))
        if BASELINE not in self.candidates:
            rows.insert(0, (BASELINE, "added as the baseline to beat", ""))
        return (section("Training data", table(facts, ["", ""]))
                + section(f"Candidate models ({len(rows)})", table(rows, ["Name", "Estimator", "Tuned if it wins"])))


class Leaderboard(_Static):
    """The candidates' cross-validated scores, best first, the winner marked, with the chart."""

    def __init__(self, comparison: CandidateComparison) -> None:
        self.comparison = comparison

    def __repr__(self) -> str:
        c = self.comparison
        return f"Leaderboard(best={c.best_name}, {len(c.candidates)} candidates, {c.metric})"

    def static_html(self) -> str:
        c = self.comparison
        board = c.leaderboard()
        rows = "".join(
            f"<tr><td class='num'>{i}</td><td>{esc(n)}</td><td class='num'>{esc(format_number(m))}</td>"
            f"<td class='num'>{esc(format_number(s))}</td><td class='num'>{t:.2f} s</td><td>"
            f"{badge('best', 'good') if n == c.best_name else badge('baseline', 'info') if n == BASELINE else ''}"
            f"</td></tr>"
            for i, (n, m, s, t) in enumerate(board[["name", "mean", "std", "fit_seconds"]].itertuples(index=False), 1))
        head = ("<tr><th>Rank</th><th>Model</th><th>Mean</th><th>Std</th><th>Fit time</th><th></th></tr>")
        return section(f"Leaderboard ({c.metric}, {c.cv_folds}-fold cross-validation on {c.cv_rows:,} rows)",
                       f"<table class='mlt-t mlt-leaderboard'>{head}{rows}</table>"
                       + img_tag(plot_candidates(c), "candidate models compared"))


class TrainingSummary(_Static):
    """Leaderboard of candidates, the tuning, the chosen model."""

    def __init__(self, result: TrainingResult, run_id: str | None = None) -> None:
        self.result, self.run_id = result, run_id

    def __repr__(self) -> str:
        return f"TrainingSummary(best={self.result.best_name}, cv {self.result.metric}={self.result.best_score:.4g})"

    def static_html(self) -> str:
        r = self.result
        board = r.leaderboard()
        rows = [(n, format_number(m), format_number(s), f"{t:.2f} s")
                for n, m, s, t in board[["name", "mean", "std", "fit_seconds"]].itertuples(index=False)]
        facts = [("Chosen model", r.best_name), ("Settings", ", ".join(f"{k}={v}" for k, v in r.best_params.items())
                                                or "defaults"),
                 (f"Cross-validated {r.metric}", f"{format_number(r.best_score)} (baseline "
                                                   f"{format_number(r.baseline_score)})"),
                 ("Tuning trials", str(len(r.trials) - 1)),
                 ("Cross-validation", f"{r.cv_folds} folds on {r.cv_rows:,} rows, seed {r.seed}"),
                 ("MLflow run", self.run_id or "not tracked"),
                 *([("See it in MLflow", f"mlflow ui --backend-store-uri {tracking_uri()} (then open "
                                         "http://127.0.0.1:5000)")] if self.run_id else [])]
        return (section("Chosen model", table(facts, ["", ""]))
                + section(f"Candidates ({r.metric}, {r.cv_folds}-fold cross-validation)",
                          table(rows, ["Model", "Mean", "Std", "Fit time"], numeric=[False, True, True, True])
                          + img_tag(plot_candidates(r), "candidate models compared")))


class EvaluationSummary(_Static):
    """The verdict against the card (met, not met, not established) with its interval, the baseline, warnings, charts."""

    _BADGES = {"met": ("PASS", "good"), "not met": ("FAIL", "critical"), "not established": ("NOT ESTABLISHED", "warning")}
    _BASELINE_BADGES = {"beats": ("beats baseline", "good"), "does not beat": ("does not beat baseline", "critical"),
                        "not established": ("baseline not established", "warning")}

    def __init__(self, result: EvaluationResult) -> None:
        self.result = result

    def __repr__(self) -> str:
        return f"EvaluationSummary(verdict={self.result.verdict.verdict!r}, met={self.result.verdict.met})"

    def static_html(self) -> str:
        r = self.result
        v = r.verdict
        head = badge(*self._BADGES[v.verdict])
        beats = badge(*self._BASELINE_BADGES[v.baseline_verdict])
        b = v.baseline
        level = f"{v.confidence:.0%}" if v.confidence is not None else ""

        def interval(low: float | None, high: float | None) -> str:
            return "" if low is None or high is None else \
                f" ({level} interval {esc(format_number(low))} to {esc(format_number(high))})"

        diff = (f"; difference {esc(format_number(b['difference']))}"
                f"{interval(b.get('difference_ci_low'), b.get('difference_ci_high'))}"
                if b.get("difference") is not None else "")
        notes = "".join(f"<li>{esc(w)}</li>" for w in v.warnings)
        boot = (f"<p class='mlt-note'>Intervals: percentile bootstrap over the {v.n_test or 0:,} test rows, "
                f"{v.n_boot:,} resamples.</p>" if v.n_boot else "")
        parts = [section("Verdict", f"<p>{head} {esc(v.message)}</p><p>{beats} {esc(b['metric'])}: model "
                                    f"{esc(format_number(b['model_value']))} vs {esc(b['name'])} "
                                    f"{esc(format_number(b['value']))}{diff}</p>"
                         + (f"<p>{badge('warning', 'warning')} The test rows may not support these figures:</p>"
                            f"<ul class='mlt-warnings'>{notes}</ul>" if notes else "")
                         + (f"<p class='mlt-note'>Decision threshold {format_number(r.threshold.threshold)}: "
                            f"{esc(r.threshold.rule)}</p>" if r.threshold else "") + boot)]
        figs = []
        if r.curves is not None and r.threshold is not None:
            figs.append(img_tag(metric_plots.plot_confusion_matrix(r.curves, r.threshold.threshold), "confusion matrix"))
            figs.append(img_tag(metric_plots.plot_pr(r.curves, r.threshold.threshold), "precision-recall curve"))
        if r.residuals is not None:
            figs.append(img_tag(metric_plots.plot_residuals(r.residuals), "residuals"))
        if r.importance is not None:
            figs.append(img_tag(plot_importance(r.importance), "permutation feature importance"))
        if figs:
            parts.append(section("Key charts", f"<div class='mlt-row'>{''.join(figs)}</div>"))
        if r.slices is not None and r.slices.flagged:
            rows = [(c, s.label, format_number(s.n), format_number(s.value), format_number(r.slices.overall))
                    for c, s in r.slices.flagged]
            parts.append(section(f"Segments doing worse than overall ({r.slices.metric})",
                                 table(rows, ["Column", "Segment", "Rows", "Value", "Overall"],
                                       numeric=[False, False, True, True, True])))
        return "".join(parts)


class EvaluationDetails(_Static):
    """Every test metric and each slice column's table (multiclass and regression models)."""

    def __init__(self, result: EvaluationResult) -> None:
        self.result = result

    def __repr__(self) -> str:
        return f"EvaluationDetails({self.result.task_kind})"

    def static_html(self) -> str:
        r = self.result
        values = [(k, format_number(v)) for k, v in r.metrics.to_dict().items()
                  if isinstance(v, (int, float)) and not isinstance(v, bool)]
        parts = [section("Test metrics", table(values, ["Metric", "Value"], numeric=[False, True]))]
        if r.slices is not None:
            for col in r.slices.columns:
                rows = [(s.label, format_number(s.n), format_number(s.value),
                         badge("worse", "critical") if s.flagged else "") for s in col.slices]
                body = "".join(f"<tr><td>{esc(a)}</td><td class='num'>{esc(b)}</td><td class='num'>{esc(c)}</td>"
                               f"<td>{d}</td></tr>" for a, b, c, d in rows)
                parts.append(section(f"{r.slices.metric} by {col.column}",
                                     f"<table class='mlt-t'><tr><th>Segment</th><th>Rows</th><th>Value</th><th></th>"
                                     f"</tr>{body}</table>"))
        return "".join(parts)


def explore_evaluation(result: EvaluationResult, *, benefit_tp: float = 1.0, cost_fp: float = 0.0,
                       cost_fn: float = 0.0, benefit_tn: float = 0.0) -> ToolkitWidget:
    """The interactive view of an evaluation: the metrics widget for binary models, details otherwise."""
    if result.curves is None:
        return EvaluationDetails(result)
    return MetricsWidget(result.curves, slices=result.slices,
                         threshold=result.threshold.threshold if result.threshold else 0.5,
                         benefit_tp=benefit_tp, cost_fp=cost_fp, cost_fn=cost_fn, benefit_tn=benefit_tn)


class DeploymentSummary(_Static):
    """Release checks, the scored batch and the A/B test verdict."""

    def __init__(self, result: DeploymentResult) -> None:
        self.result = result

    def __repr__(self) -> str:
        return f"DeploymentSummary(model {self.result.model_version}, release passed={self.result.release.passed})"

    def static_html(self) -> str:
        r = self.result
        rows = [(badge("pass", "good") if c.passed else badge("fail", "critical"), c.name,
                 f"{format_number(c.value)} {c.unit}", f"{'≥' if c.name == 'batch throughput' else '≤'} "
                 f"{format_number(c.limit)} {c.unit}") for c in r.release.checks]
        body = "".join(f"<tr><td>{b}</td><td>{esc(n)}</td><td class='num'>{esc(v)}</td><td>{esc(lim)}</td></tr>"
                       for b, n, v, lim in rows)
        head = badge("ready to release", "good") if r.release.passed else badge("not ready", "critical")
        parts = [section(f"Release checks: model {r.model_version}",
                         f"<p>{head} single-row latency p50 {format_number(r.release.latency_p50_ms)} ms, "
                         f"p99 {format_number(r.release.latency_p99_ms)} ms</p><table class='mlt-t'><tr><th></th>"
                         f"<th>Check</th><th>Measured</th><th>Limit</th></tr>{body}</table>"
                         + (f"<p class='mlt-note'>Registered in MLflow as version {esc(r.registered_version)} "
                            "(alias staging).</p>" if r.registered_version else ""))]
        if r.batch is not None:
            b = r.batch
            notes = "".join(f"<li>{esc(w)}</li>" for w in b.warnings)
            parts.append(section("Batch prediction", f"<p>{b.rows:,} rows scored in {b.seconds:.1f} s "
                                 f"({b.rows / max(b.seconds, 1e-9):,.0f} rows/s) into {esc(b.output)}</p>"
                                 + (f"<ul>{notes}</ul>" if notes else "")))
        if r.notes:
            parts.append(section("Notes", "".join(f"<p>{badge('skipped', 'warning')} {esc(n)}</p>" for n in r.notes)))
        if r.ab_test is not None:
            a = r.ab_test
            level = {"expand": "good", "stop": "critical", "continue": "warning"}[a.recommendation]
            facts = [("Test", a.test), ("Control", f"{format_number(a.control)} ({a.n_control:,} users)"),
                     ("Treatment", f"{format_number(a.treatment)} ({a.n_treatment:,} users)"),
                     ("Difference (95% CI)" if abs(a.alpha - 0.05) < 1e-9 else "Difference (CI)",
                      f"{format_number(a.difference)} [{format_number(a.ci_low)}, {format_number(a.ci_high)}]"),
                     ("Relative lift", format_share(a.relative_lift) if a.relative_lift is not None else "–"),
                     ("p-value", format_number(a.p_value))]
            parts.append(section(f"A/B test on {a.metric}", f"<p>{badge(a.recommendation, level)} {esc(a.message)}</p>"
                                 + table(facts, ["", ""])))
        return "".join(parts)


class RetrainingSummary(_Static):
    """What the retraining loop decided, and the champion/challenger comparison behind it."""

    def __init__(self, result: RetrainingResult) -> None:
        self.result = result

    def __repr__(self) -> str:
        return f"RetrainingSummary(ran={self.result.ran}, promoted={self.result.promoted})"

    def static_html(self) -> str:
        r = self.result
        c = r.comparison
        if c is None:
            return section("Retraining", f"<p>{badge('skipped', 'info')} {esc(r.summary)}</p>")
        level = {"promote": "good", "keep": "warning", "inconclusive": "info"}[c.verdict]
        facts = [("Metric", c.metric), ("Champion", format_number(c.champion)),
                 ("Challenger", format_number(c.challenger)),
                 ("Gain (95% bootstrap interval)", f"{format_number(c.difference)} [{format_number(c.ci_low)}, "
                                                   f"{format_number(c.ci_high)}]"),
                 ("Held-out rows", f"{c.n_rows:,}"), ("New labeled rows", f"{r.new_rows:,}"),
                 ("Promoted", "yes" if r.promoted else "no")]
        return section("Retraining", f"<p>{badge(c.verdict, level)} {esc(r.summary)}</p>" + table(facts, ["", ""]))
