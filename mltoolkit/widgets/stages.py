"""Views of the training steps and the evaluation explorer (the other stages' step views have modules of their own).

Each shows the same HTML in JupyterLab and in reports (nothing to click), built
from the stage's result dataclass; every value from the data is escaped.
"""
from __future__ import annotations

from collections.abc import Mapping

from sklearn.base import BaseEstimator

from mltoolkit.plots.style import format_number
from mltoolkit.plots.training import plot_candidates
from mltoolkit.stages.evaluation import EvaluationResult
from mltoolkit.stages.training import TrainingData
from mltoolkit.train import (
    BASELINE,
    CandidateComparison,
    TrainingResult,
    default_search_space,
    tracking_uri,
)
from mltoolkit.widgets.base import StaticView, ToolkitWidget
from mltoolkit.widgets.html import badge, esc, img_tag, section, table
from mltoolkit.widgets.metrics import MetricsWidget

__all__ = ["EvaluationDetails", "Leaderboard", "TrainingSetupSummary", "TrainingSummary", "explore_evaluation"]


class TrainingSetupSummary(StaticView):
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


class Leaderboard(StaticView):
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


class TrainingSummary(StaticView):
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


class EvaluationDetails(StaticView):
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


