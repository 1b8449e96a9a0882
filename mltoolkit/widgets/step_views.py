"""Small views of single stage steps: problem framing, data collection and retraining, one view per cell.

Each shows the same HTML in JupyterLab and in reports (nothing to click), built
from a step's result; every value from the config or the data is escaped. A
step that did not run (retraining waiting for labels) shows the sentence why.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from mltoolkit.evaluate.registry import METRICS
from mltoolkit.framing import NOT_WRITTEN, ProjectCard
from mltoolkit.plots.style import format_number, format_share
from mltoolkit.widgets.base import StaticView
from mltoolkit.widgets.html import badge, esc, section, table

if TYPE_CHECKING:  # a view of one stage's step does not import the other stages
    from mltoolkit.data import ValidationReport
    from mltoolkit.stages.collection import (
        CollectedSplit,
        CollectionResult,
        DecidedSchema,
        LoadedData,
    )
    from mltoolkit.stages.framing import FramingConfig
    from mltoolkit.stages.retraining import (
        Challenger,
        HeadToHead,
        NewLabels,
        RetrainingDecision,
    )

__all__ = [
    "BusinessFraming",
    "CardData",
    "CardSaved",
    "ChallengerTrained",
    "ChampionVsChallenger",
    "CollectionSaved",
    "ColumnKinds",
    "ConfigSource",
    "LabelsCheck",
    "LoadedTable",
    "NewLabelsCheck",
    "RetrainingDecisionView",
    "SplitParts",
    "TaskFraming",
    "ValidationChecks",
]

#: Rows and columns of the loaded table previewed.
PREVIEW_ROWS, PREVIEW_COLUMNS = 5, 12
#: Classes shown in the split's class balance (the most frequent first).
MAX_CLASSES = 12


def _shown_source(source: str | None) -> str:
    """A data source as shown: a database URL's password is masked."""
    if not source or "://" not in source:
        return source or "–"
    parts = urlsplit(source)
    if parts.password is None:
        return source
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _skipped(title: str, note: str | None, label: str = "skipped") -> str:
    return section(title, f"<p>{badge(label, 'warning')} {esc(note or '')}</p>")


def _story(value: str | tuple[str, ...], key: str) -> str:
    if isinstance(value, tuple):
        value = ", ".join(value)
    return value or f"{NOT_WRITTEN} (problem_framing.{key} in mltoolkit.yml)"


# Problem framing ---------------------------------------------------------------------------------------------------

class ConfigSource(StaticView):
    """Which ``mltoolkit.yml`` the card follows, why that one, and what its framing says."""

    _WHY = {"given": "the config_path parameter names it",
            "project": "the project's own config, found from the working folder {where}",
            "demo": "no mltoolkit.yml in {where} or a folder above it, so the demo's config is followed; "
                    "frame a project of your own with: mltoolkit init DIR --data FILE --target COLUMN"}

    def __init__(self, config: FramingConfig) -> None:
        self.config = config

    def __repr__(self) -> str:
        return f"ConfigSource({self.config.origin}: {self.config.path})"

    def static_html(self) -> str:
        c = self.config
        cfg = c.config
        why = self._WHY[c.origin].format(where=c.searched_from)
        level = "warning" if c.origin == "demo" else "info"
        framing = [(f"problem_framing.{k}", ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
                   for k, v in cfg.problem_framing.items() if v not in (None, "", [], ())]
        facts = [("Project", cfg.project), ("Data", _shown_source(cfg.data.source)), *framing,
                 ("Stages", ", ".join(cfg.stages) or "all")]
        return section("Configuration", f"<p>{badge(c.origin, level)} Following <code>{esc(c.path)}</code>: "
                                        f"{esc(why)}.</p>" + table(facts, ["Setting", "Value"]))


class BusinessFraming(StaticView):
    """What the model is for: the business goal, the decision it supports, who reads the results."""

    def __init__(self, card: ProjectCard) -> None:
        self.card = card

    def __repr__(self) -> str:
        return f"BusinessFraming({self.card.project!r})"

    def static_html(self) -> str:
        c = self.card
        rows = [("Business goal", _story(c.business_goal, "business_goal")),
                ("Decision supported", _story(c.decision, "decision")),
                ("Stakeholders", _story(c.stakeholders, "stakeholders"))]
        return section(f"Project: {c.project}", table(rows, ["", ""]))


class TaskFraming(StaticView):
    """The ML task, the target, the success criterion and the baseline the model must beat."""

    def __init__(self, card: ProjectCard) -> None:
        self.card = card

    def __repr__(self) -> str:
        return f"TaskFraming({self.card.task}: {self.card.success.describe()})"

    def static_html(self) -> str:
        c = self.card
        better = "higher is better" if METRICS[c.success.metric].higher_is_better else "lower is better"
        base = (f"{c.baseline.description} ({c.baseline.value:g})" if c.baseline.kind == "value"
                else f"dummy model: {c.baseline.description}")
        rows = [("ML task", c.task.replace("_", " ")),
                ("Target", c.target + (f" (positive class: {c.positive_class})" if c.positive_class is not None
                                       else "")),
                ("Success criterion", f"{c.success.describe()} on the test rows ({c.success.metric}: {better})"),
                ("Baseline to beat", base)]
        return section("ML task and success criterion", table(rows, ["", ""]))


class CardData(StaticView):
    """Where the data is and the roles of its columns, as the card hands them to data collection."""

    def __init__(self, card: ProjectCard) -> None:
        self.card = card

    def __repr__(self) -> str:
        return f"CardData({_shown_source(self.card.data.source) if self.card.data else None})"

    def static_html(self) -> str:
        c, d = self.card, self.card.data
        if d is None:
            return _skipped("Data", "the card has no data section: pass the source to data collection", "not set")
        source = _shown_source(d.source) + (f" (table {d.table})" if d.table else "") + \
            (f" (query {d.query})" if d.query else "")
        current = (_shown_source(d.current) + (f" (table {d.current_table})" if d.current_table else "")
                   if d.current else "none (data.current): deployment, monitoring and retraining skip with a note")
        exp = d.expectations or {}
        n_checks = sum(len(v) for k, v in exp.items() if k != "tolerance" and isinstance(v, (list, tuple, dict)))
        rows = [("Training data", source), ("Production data", current), ("Target", c.target),
                ("Time column", d.time_column or "none (data.time_column): the split is stratified, not by time"),
                ("Id columns", ", ".join(d.id_columns) or "none (data.id_columns)"),
                ("Never features", ", ".join(d.drop_columns) or "none (data.drop_columns)"),
                ("Kinds set by hand", ", ".join(f"{k}: {v}" for k, v in d.column_kinds.items())
                 or "none (data.column_kinds): inferred from the data"),
                ("Expectations", f"{n_checks} checks set (data.expectations), and the target's own" if n_checks
                 else "none besides the target (data.expectations)")]
        return section("Data", table(rows, ["", ""]))


class CardSaved(StaticView):
    """Where the card was written and which later stage reads what of it."""

    def __init__(self, card: ProjectCard, path: str | Path) -> None:
        self.card, self.path = card, str(path)

    def __repr__(self) -> str:
        return f"CardSaved({self.path})"

    def static_html(self) -> str:
        readers = [("02_data_collection", "data sources, column roles, expectations"),
                   ("06_evaluation", f"success criterion ({self.card.success.describe()}) and baseline"),
                   ("08_monitoring", "current data and monitoring thresholds"),
                   ("09_retraining", "the success metric that decides champion against challenger")]
        return section("Project card saved", f"<p>{badge('saved', 'good')} <code>{esc(self.path)}</code>; edit "
                                             "mltoolkit.yml (not the card) and run this stage again to change it.</p>"
                       + table(readers, ["Read by", "For"]))


# Data collection ---------------------------------------------------------------------------------------------------

class LoadedTable(StaticView):
    """The table as read: size, source, how it was read, and its first rows."""

    def __init__(self, loaded: LoadedData) -> None:
        self.loaded = loaded

    def __repr__(self) -> str:
        return repr(self.loaded)

    def static_html(self) -> str:
        d = self.loaded
        df = d.data
        facts = [("Source", _shown_source(d.source)), *([("Table", d.table)] if d.table else []),
                 *([("Query", d.query)] if d.query else []),
                 ("Rows × columns", f"{len(df):,} × {df.shape[1]}")]
        notes = ("".join(f"<p>{badge('read as', 'warning')} {esc(w)}</p>" for w in d.warnings) if d.warnings
                 else f"<p>{badge('read', 'good')} read without warnings.</p>")
        shown = df.iloc[:PREVIEW_ROWS, :PREVIEW_COLUMNS]
        more = f" (first {PREVIEW_COLUMNS} of {df.shape[1]} columns)" if df.shape[1] > PREVIEW_COLUMNS else ""
        preview = table([[("–" if v is None or v != v else v) for v in row] for row in shown.itertuples(index=False)],
                        [str(c) for c in shown.columns])
        return (section("Loaded", table(facts, ["", ""]) + notes)
                + section(f"First {len(shown)} rows{more}", preview))


class LabelsCheck(StaticView):
    """How many rows had no label and were left out."""

    def __init__(self, loaded: LoadedData) -> None:
        self.loaded = loaded

    def __repr__(self) -> str:
        return f"LabelsCheck({self.loaded.missing_target_dropped:,} dropped)"

    def static_html(self) -> str:
        d = self.loaded
        target, n = d.target, len(d.data)
        if not d.target_present:
            text = (f"{badge('no target', 'critical')} '{esc(target)}' is not a column of the data; the checks "
                    "below refuse the table.")
        elif d.missing_target_dropped:
            text = (f"{badge('dropped', 'warning')} {d.missing_target_dropped:,} of {d.rows_read:,} rows have no "
                    f"label (target '{esc(target)}' is missing) and were left out; {n:,} rows go on.")
        else:
            text = f"{badge('labelled', 'good')} Every one of the {n:,} rows has a label (target '{esc(target)}')."
        return section("Labels", f"<p>{text}</p>")


class ColumnKinds(StaticView):
    """The kind of every column (what preprocessing and drift tests do with it), and why."""

    def __init__(self, schema: DecidedSchema) -> None:
        self.schema = schema

    def __repr__(self) -> str:
        return f"ColumnKinds({len(self.schema.schema.columns)} columns)"

    def static_html(self) -> str:
        s = self.schema
        counts: dict[str, int] = {}
        for col in s.schema.columns:
            counts[col.kind] = counts.get(col.kind, 0) + 1
        summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
        rows = [(c.name, c.kind, c.dtype, s.reasons[c.name]) for c in s.schema.columns]
        return section(f"Column kinds ({summary}; target '{s.target}' apart)",
                       table(rows, ["Column", "Kind", "Read as", "Why"]))


class ValidationChecks(StaticView):
    """Every expectation check with its result."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report

    def __repr__(self) -> str:
        return f"ValidationChecks({len(self.report.checks)} checks, {len(self.report.failed)} failed)"

    def static_html(self) -> str:
        r = self.report
        body = "".join(f"<tr><td>{badge('pass', 'good') if c.passed else badge('fail', 'critical')}</td>"
                       f"<td>{esc(c.check)}</td><td>{esc(c.column)}</td><td>{esc(c.detail)}</td></tr>"
                       for c in r.checks)
        head = (f"<p>{badge('passed', 'good')} all {len(r.checks)} checks passed on {r.n_rows:,} rows "
                "(data_validation.json).</p>" if r.passed else
                f"<p>{badge('failed', 'critical')} {len(r.failed)} of {len(r.checks)} checks failed.</p>")
        return section("Expectations", head + '<table class="mlt-t"><tr><th></th><th>Check</th><th>Column</th>'
                                              f"<th>Result</th></tr>{body}</table>")


class SplitParts(StaticView):
    """Rows per part, how the rows were assigned (time, stratified, random), and the class balance."""

    def __init__(self, split: CollectedSplit) -> None:
        self.split = split

    def __repr__(self) -> str:
        return repr(self.split)

    def static_html(self) -> str:
        sp = self.split
        s = sp.split.summary
        total = sum(s.rows.values()) or 1
        how = {"time": f"by time on '{sp.time_column}': the oldest rows train, the newest test, as the model "
                       "meets the future",
               "stratified": f"stratified on '{sp.target}': every part keeps the class balance",
               "random": "at random"}.get(s.strategy, s.strategy)
        head = ["Part", "Rows", "Share"]
        rows = []
        for name, n in s.rows.items():
            row = [name, f"{n:,}", format_share(n / total)]
            if s.time_range is not None:
                first, last = s.time_range.get(name, ("–", "–"))
                row += [first, last]
            if sp.balance is None:
                row.append(format_number(s.target_mean.get(name)))
            rows.append(row)
        head += (["From", "To"] if s.time_range is not None else []) + ([f"Mean {sp.target}"] if sp.balance is None
                                                                        else [])
        parts = section(f"Split {how} (seed {s.seed})", table(rows, head, numeric=[False, True, True]))
        if sp.balance:
            classes = list(next(iter(sp.balance.values())))[:MAX_CLASSES]
            bal = []
            for name, counts in sp.balance.items():
                n = sum(counts.values()) or 1
                bal.append([name, *(f"{counts[c]:,} ({format_share(counts[c] / n)})" for c in classes)])
            more = f" (the {MAX_CLASSES} most frequent)" if len(next(iter(sp.balance.values()))) > MAX_CLASSES else ""
            parts += section(f"Class balance of '{sp.target}'{more}",
                             table(bal, ["Part", *classes], numeric=[False, *[True] * len(classes)]))
        return parts


class CollectionSaved(StaticView):
    """The files written, the data version, and the stage in one sentence."""

    def __init__(self, result: CollectionResult, artifacts_dir: str | Path = "artifacts") -> None:
        self.result, self.artifacts_dir = result, Path(artifacts_dir)

    def __repr__(self) -> str:
        return f"CollectionSaved({self.result.fingerprint.short})"

    def static_html(self) -> str:
        r = self.result
        parts = ", ".join(f"{name} {n:,}" for name, n in r.split.rows.items())
        checks = (f"all {len(r.validation.checks)} checks passed" if r.validation.passed
                  else f"{len(r.validation.failed)} checks failed")
        dropped = f", {r.missing_target_dropped:,} without a label left out" if r.missing_target_dropped else ""
        line = (f"{r.fingerprint.n_rows:,} rows × {r.fingerprint.n_columns} columns from {_shown_source(r.source)}"
                f"{dropped}; {checks}; split {r.split.strategy}: {parts}.")
        files = [*r.paths.values(), *(str(self.artifacts_dir / f"{name}.json") for name in
                                      ("data_validation", "data_fingerprint", "split", "schema"))]
        return section(f"Data version {r.fingerprint.short}", f"<p>{badge('saved', 'good')} {esc(line)}</p>"
                       f"<p class='mlt-note'>Written: {esc(', '.join(files))}</p>")


# Retraining --------------------------------------------------------------------------------------------------------

class NewLabelsCheck(StaticView):
    """The newly labelled rows and how they are used, or why retraining waits."""

    def __init__(self, labels: NewLabels) -> None:
        self.labels = labels

    def __repr__(self) -> str:
        return repr(self.labels)

    def static_html(self) -> str:
        n = self.labels
        if not n.ready:
            return _skipped("New labelled data", n.note, "waiting")
        learn = ("the champion's training rows plus these" if n.window == "full" else "these new rows only")
        facts = [("Source", _shown_source(n.source)), ("Rows read", f"{n.rows_read:,}"),
                 ("Labelled", f"{len(n.new):,}"),
                 ("Held out to compare the models", f"{len(n.holdout):,} ({format_share(n.holdout_share)} drawn at "
                                                    f"random, seed {n.seed})"),
                 ("Added to training", f"{len(n.new_train):,}"), ("Challenger learns from", f"{learn} ({n.window})")]
        return section("New labelled data", f"<p>{badge('ready', 'good')} Retraining runs: {esc(n.reason)}.</p>"
                       + table(facts, ["", ""]))


class ChallengerTrained(StaticView):
    """The challenger: what it learned from, the model chosen, its scores."""

    def __init__(self, challenger: Challenger) -> None:
        self.challenger = challenger

    def __repr__(self) -> str:
        return repr(self.challenger)

    def static_html(self) -> str:
        c = self.challenger
        if c.training is None:
            return _skipped("Challenger", f"No challenger trained. {c.note}")
        t = c.training
        facts = [("Folder", c.directory), ("Trained on", f"{c.train_rows:,} rows ({c.window})"),
                 ("Chosen model", t.best_name),
                 (f"Cross-validated {t.metric}", f"{format_number(t.best_score)} (baseline "
                                                   f"{format_number(t.baseline_score)})"),
                 ("MLflow run", c.run_id or "not tracked")]
        if c.evaluation is not None:
            facts.append(("On the held-out new rows", c.evaluation.verdict.message))
        return section("Challenger", table(facts, ["", ""]))


class ChampionVsChallenger(StaticView):
    """Both models on the same held-out rows: each score, the gain with its bootstrap interval, per segment."""

    _LEVELS = {"promote": "good", "keep": "warning", "inconclusive": "info"}

    def __init__(self, head_to_head: HeadToHead) -> None:
        self.head_to_head = head_to_head

    def __repr__(self) -> str:
        c = self.head_to_head.comparison
        return f"ChampionVsChallenger({c.verdict if c else 'not compared'})"

    def static_html(self) -> str:
        h = self.head_to_head
        c = h.comparison
        if c is None:
            return _skipped("Champion vs challenger", f"Nothing to compare. {h.note}")

        def threshold(value: float | None) -> str:
            return f" (threshold {format_number(value)})" if value is not None else ""

        rows = [("Champion", h.champion_model or "–", format_number(c.champion) + threshold(h.threshold_champion)),
                ("Challenger", h.challenger_model or "–",
                 format_number(c.challenger) + threshold(h.threshold_challenger))]
        body = (f"<p>{badge(c.verdict, self._LEVELS[c.verdict])} {esc(c.reason)}</p>"
                + table(rows, ["", "Model", c.metric], numeric=[False, False, True])
                + f"<p>Gain {esc(format_number(c.difference))}, 95% paired bootstrap interval "
                  f"{esc(format_number(c.ci_low))} to {esc(format_number(c.ci_high))} ({c.n_boot:,} resamples of "
                  f"the {c.n_rows:,} held-out rows).</p>")
        if c.slices:
            by_key: dict[tuple[str, str], dict[str, object]] = {}
            for s in c.slices:
                by_key.setdefault((s["column"], s["slice"]), {"n": s["n"]})[s["model"]] = s["value"]
            seg = [(col, label, f"{v['n']:,}", format_number(v.get("champion")), format_number(v.get("challenger")))
                   for (col, label), v in by_key.items()]
            body += section("By segment", table(seg, ["Column", "Segment", "Rows", "Champion", "Challenger"],
                                                numeric=[False, False, True, True, True]))
        return section(f"Champion vs challenger on the same {c.n_rows:,} rows", body)


class RetrainingDecisionView(StaticView):
    """The decision (promote, keep, inconclusive, or skipped) and where it is recorded."""

    _LEVELS = {"promote": "good", "keep": "warning", "inconclusive": "info"}

    def __init__(self, decision: RetrainingDecision) -> None:
        self.decision = decision

    def __repr__(self) -> str:
        r = self.decision.result
        return f"RetrainingDecisionView(ran={r.ran}, promoted={r.promoted})"

    def static_html(self) -> str:
        d = self.decision
        r = d.result
        if r.comparison is None:
            head = f"{badge('skipped', 'warning')} {esc(r.summary)}"
        else:
            label = "promoted" if r.promoted else r.comparison.verdict
            head = f"{badge(label, self._LEVELS[r.comparison.verdict])} {esc(r.summary)}"
        where = [("Decision record", d.record)]
        if d.mlflow_run_id:
            from mltoolkit.train.tracking import tracking_uri

            where.append(("MLflow run", f"'retraining decision' {d.mlflow_run_id} in experiment '{d.experiment}' "
                                        f"({tracking_uri()})"))
        elif r.ran:
            where.append(("MLflow run", "not tracked (track=False)"))
        if r.promoted:
            models = Path(d.models_dir)
            where.append(("Production model", f"{models / 'model.skops'}; the previous one is kept as "
                                              f"{models / 'previous_model.skops'} for a rollback"))
            if d.registry_name:
                where.append(("Registry", f"alias 'production' of '{d.registry_name}' moved, with the reason"))
        return section("Retraining decision", f"<p>{head}</p>" + table(where))
