"""Views of the data preparation steps: the column decisions, the leakage check, a feature preview, what was saved.

Each shows the same HTML in JupyterLab and in reports (nothing to click),
built from a step's result; every value from the data is escaped.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mltoolkit.plots.style import format_number
from mltoolkit.prep import FeaturePreview, LeakageScore, PrepOptions
from mltoolkit.stages.preparation import PreparationResult, PreparationSetup
from mltoolkit.widgets.base import StaticView
from mltoolkit.widgets.html import badge, esc, section, table

__all__ = ["FeaturePreviewTable", "LeakageCheck", "PreparationSaved", "PreparationSetupView"]

#: At most this many features are listed in the preview (feature steps of one's own first).
PREVIEW_MAX_FEATURES = 40


def _html_table(rows: Sequence[Sequence[str]], header: Sequence[str], numeric: Sequence[bool] = ()) -> str:
    """A table of cells that are already HTML (each built with :func:`esc` or :func:`badge`)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    align = ['<td class="num">' if i < len(numeric) and numeric[i] else "<td>" for i in range(len(header))]
    body = "".join("<tr>" + "".join(f"{align[i]}{c}</td>" for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f'<table class="mlt-t"><tr>{head}</tr>{body}</table>'


def _changed_options(options: PrepOptions) -> list[tuple[str, str]]:
    default = PrepOptions().to_dict()
    return [(k, str(v)) for k, v in options.to_dict().items() if v != default[k]]


def _steps_table(rows: Sequence[tuple[str, str, Sequence[str], str]]) -> str:
    return table([(name, transformer, ", ".join(columns), out) for name, transformer, columns, out in rows],
                 ["Step", "Transformer", "Columns", "Features added"])


class PreparationSetupView(StaticView):
    """What preparation starts from: the training rows, where the schema comes from, each column used or not."""

    def __init__(self, setup: PreparationSetup) -> None:
        self.setup = setup

    def __repr__(self) -> str:
        return f"PreparationSetupView({self.setup!r})"

    def static_html(self) -> str:
        s = self.setup
        used = sum(d.used for d in s.decisions)
        facts = [("Training rows", f"{len(s.train):,}"), ("Target", s.card.target), ("Schema", s.schema_source),
                 ("Columns used", f"{used} of {len(s.decisions)}"),
                 *[(f"Option {k}", v) for k, v in _changed_options(s.options)]]
        rows = [(esc(d.column), esc(d.kind), badge("used", "good") if d.used else badge("not used", "info"),
                 esc(d.reason)) for d in s.decisions]
        steps = (_steps_table([(f.name, " ".join(repr(f.transformer).split()), f.columns, "after fitting")
                               for f in s.feature_steps])
                 if s.feature_steps else "<p class='mlt-note'>None added (add_feature_step adds one).</p>")
        return (section("Training data", table(facts, ["", ""]))
                + section(f"Columns ({used} used)", _html_table(rows, ["Column", "Kind", "Use", "Why not"]))
                + section(f"Feature steps of your own ({len(s.feature_steps)})", steps))


class LeakageCheck(StaticView):
    """Each used column's power to predict the target on its own, strongest first, against the threshold."""

    def __init__(self, scores: Sequence[LeakageScore], *, threshold: float = 0.98, allowed: Sequence[str] = (),
                 max_rows: int = 15) -> None:
        self.scores = sorted(scores, key=lambda s: -s.value)
        self.threshold, self.allowed, self.max_rows = threshold, set(allowed), max_rows

    def __repr__(self) -> str:
        top = f", strongest {self.scores[0].column!r} {self.scores[0].value:.3f}" if self.scores else ""
        return f"LeakageCheck({len(self.scores)} columns scored{top})"

    def static_html(self) -> str:
        def status(s: LeakageScore) -> str:
            if not s.leaky:
                return badge("ok", "good")
            return badge("allowed", "warning") if s.column in self.allowed else badge("leaks", "critical")

        rows = [(esc(s.column), esc(s.measure.replace("_", " ")), esc(format_number(s.value)), status(s))
                for s in self.scores[:self.max_rows]]
        more = (f"<p class='mlt-note'>{len(self.scores) - self.max_rows} weaker columns not shown.</p>"
                if len(self.scores) > self.max_rows else "")
        body = (_html_table(rows, ["Column", "Measure", "Alone predicts the target", ""], [False, False, True])
                if rows else "<p class='mlt-note'>No column could be scored.</p>")
        return section(f"Leakage check (1.0 = predicts the target perfectly; refused above {self.threshold:g})",
                       body + more)


class FeaturePreviewTable(StaticView):
    """The first training rows as the model sees them, one line per feature (your feature steps first)."""

    def __init__(self, preview: FeaturePreview, *, max_features: int = PREVIEW_MAX_FEATURES) -> None:
        self.preview, self.max_features = preview, max_features

    def __repr__(self) -> str:
        return f"FeaturePreviewTable({len(self.preview.features)} features × {self.preview.n_rows} rows)"

    def static_html(self) -> str:
        p = self.preview
        added = set(p.added)
        order = sorted(range(len(p.features)), key=lambda i: p.parts[i] not in added)
        rows = []
        for i in order[:self.max_features]:
            part = badge(f"added: {p.parts[i]}", "warning") if p.parts[i] in added else esc(p.parts[i])
            values = [esc("–" if v is None else format_number(v)) for v in p.values[i]]
            rows.append((esc(p.features[i]), part, esc(p.inputs[i]), *values))
        header = ["Feature", "Made by", "From column", *[f"Row {j + 1}" for j in range(p.n_rows)]]
        more = (f"<p class='mlt-note'>{len(p.features) - self.max_features} more features not shown.</p>"
                if len(p.features) > self.max_features else "")
        return section(f"Model features ({len(p.features)}) for the first {p.n_rows} training rows",
                       _html_table(rows, header, [False, False, False, *[True] * p.n_rows]) + more)


class PreparationSaved(StaticView):
    """What data preparation saved for the later stages: the files, the feature steps and each column's treatment."""

    def __init__(self, result: PreparationResult, *, artifacts_dir: str | Path = "artifacts") -> None:
        self.result, self.artifacts_dir = result, str(artifacts_dir)

    def __repr__(self) -> str:
        return f"PreparationSaved({self.result.preprocessor_path}, {self.result.summary.n_features_out} features)"

    def static_html(self) -> str:
        r = self.result
        loaded_by = "training, evaluation, the deployment package and monitoring load it"
        files = [("Fitted preprocessing", f"{r.preprocessor_path} ({loaded_by})"),
                 ("Its description", str(Path(self.artifacts_dir) / "preprocessing.json")),
                 ("Model features", f"{r.summary.n_features_out}, fitted on {r.n_train_rows:,} training rows only")]
        steps = (_steps_table([(s.name, s.transformer, s.columns, str(len(s.features_out))) for s in r.feature_steps])
                 if r.feature_steps else "<p class='mlt-note'>None.</p>")
        plan = table([(p.column, p.kind, p.treatment) for p in r.summary.columns], ["Column", "Kind", "Treatment"])
        return (section("Saved", table(files, ["", ""]))
                + section(f"Feature steps of your own ({len(r.feature_steps)})", steps)
                + section("Each column's preprocessing", plan))
