"""Scaffold a project: ``mltoolkit.yml`` decided from the user's table, plus editable copies of the stage notebooks."""
from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from mltoolkit._resources import notebooks_dir
from mltoolkit.errors import ConfigError
from mltoolkit.framing.config import demo_config_path
from mltoolkit.framing.infer import ProjectDecisions, decide_project
from mltoolkit.pipeline.config import CONFIG_NAME, ProjectConfig, load_config
from mltoolkit.pipeline.execute import notebook_parameters
from mltoolkit.pipeline.run import project_stages

__all__ = ["ProjectInit", "init_project", "init_demo_project", "load_project_config", "render_config"]

#: Rows read to decide the framing of a large table.
INIT_SAMPLE_ROWS = 200_000


@dataclasses.dataclass(frozen=True)
class ProjectInit:
    """A new project: its config file and what ``init`` decided (None for the demo)."""

    config: Path
    decisions: ProjectDecisions | None = None

    def summary(self) -> str:
        """What was decided and what the user should check, in a few lines."""
        d = self.decisions
        if d is None:
            return f"project created: {self.config} (the demo's config)"
        lines = [f"project created: {self.config}",
                 f"read {d.n_rows:,} rows x {d.n_columns} columns; decided:",
                 f"  task            {d.task}" + (f" (positive class {d.positive_class!r})"
                                                  if d.positive_class is not None else ""),
                 f"  success         {d.metric} {_direction(d.metric)} {d.threshold:g} (baseline: a dummy model)",
                 f"  time column     {d.time_column or 'none'}",
                 f"  id columns      {', '.join(d.id_columns) or 'none'}"]
        if d.column_kinds:
            lines.append(f"  unsure kinds    {', '.join(f'{k}={v}' for k, v in d.column_kinds.items())}")
        lines.append("check in mltoolkit.yml:")
        lines += [f"  - {c}" for c in d.checks]
        lines.append("  - problem_framing.business_goal, decision and stakeholders (not written yet)")
        return "\n".join(lines)


def _direction(metric: str) -> str:
    from mltoolkit.evaluate.registry import METRICS

    return ">=" if METRICS[metric].higher_is_better else "<="


def _prepare_folder(root: Path) -> list[Path]:
    config = root / CONFIG_NAME
    stage_files = sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb"))
    existing = [p for p in [config] + [folder / s.name for s in stage_files for folder in (root, root / "notebooks")]
                if p.exists()]
    if existing:
        raise ConfigError(f"{root} already holds a project ({', '.join(str(p) for p in existing[:3])}); "
                          "nothing was changed. Use another folder, or remove those files first.", path=str(root))
    return stage_files


def _copy_notebooks(root: Path, stage_files: list[Path]) -> None:
    """The stage notebooks at the project's top level, next to ``mltoolkit.yml``.

    A notebook's kernel starts in the notebook's folder and the stages read and
    write by relative paths (``data/``, ``models/``, ``mlflow.db``), so stepping
    through them in JupyterLab works in the project folder itself, as
    ``mltoolkit run`` works in a run's folder.
    """
    root.mkdir(parents=True, exist_ok=True)
    for folder in ("runs", "reports"):
        (root / folder).mkdir(exist_ok=True)
    for src in stage_files:
        shutil.copyfile(src, root / src.name)


def _relative(source: str | None, root: Path) -> str | None:
    """A data path as seen from the project folder (URLs unchanged), so the config reads the same from there."""
    if source is None or "://" in source:
        return source
    path = Path(source).resolve()
    try:
        return os.path.relpath(path, root.resolve())
    except ValueError:  # another drive
        return str(path)


def _y(value: Any) -> str:
    """A value as inline YAML."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000).strip()
    return text[:-4].strip() if text.endswith("\n...") else text.removesuffix("...").strip()


def render_config(*, project: str, source: str, current: str | None, table: str | None, query: str | None,
                  decisions: ProjectDecisions, stages: Sequence[str]) -> str:
    """The text of ``mltoolkit.yml``: every decision explicit, each with a comment on how it was made."""
    d, r = decisions, decisions.reasons

    def line(key: str, value: Any, comment: str, indent: int = 2) -> str:
        return f"{' ' * indent}{key}: {_y(value)}   # {comment}"

    kinds = [f"    {_y(name)}: {kind}   # unsure: {r.get(name, '')}" for name, kind in d.column_kinds.items()]
    current_note = ("production data: scored in batch, compared with the training data, its labels used to retrain"
                    if current else "production data; none yet: add a path here later and deployment, monitoring "
                    "and retraining use it (until then they skip with a note)")
    out = [
        "# mltoolkit project configuration: `mltoolkit run` reads this file. Every decision below was written by",
        "# `mltoolkit init` from the data, with how it was decided; change any of them here.",
        f"project: {_y(project)}",
        "",
        "data:",
        line("source", source, "training data: CSV/Parquet path (relative to this file), SQLite file or SQLAlchemy URL"),
        line("current", current, current_note),
        line("table", table, "SQL sources: table to read"),
        line("query", query, "SQL sources: SELECT query instead of a table"),
        line("time_column", d.time_column, f"{r['data.time_column']}; the split is by time when set, and "
             "monitoring shows drift over time"),
        line("id_columns", list(d.id_columns), f"{r['data.id_columns']}; kept next to batch predictions"),
        "  column_kinds:" + ("" if kinds else " {}")
        + "   # kinds forced over inference (numeric, categorical, boolean, datetime, text, identifier)",
        *kinds,
        line("drop_columns", [], "columns never used as features"),
        line("expectations", None, "checks the data must pass (required, types, ranges, categories, unique); "
             "null: only the target"),
        "",
        "problem_framing:",
        line("target", d.target, "the column the model predicts"),
        line("task", d.task, f"{r['problem_framing.task']} (binary_classification, multiclass_classification or "
             "regression)"),
        line("positive_class", d.positive_class, r.get("problem_framing.positive_class",
                                                       "binary tasks only: the label of interest")),
        line("metric", d.metric, r["problem_framing.metric"]),
        line("threshold", d.threshold, f"the success criterion: {d.metric} {_direction(d.metric)} this value"),
        line("constraint_metric", None, "optional second condition on the operating point, e.g. precision"),
        line("constraint_threshold", None, "its value, e.g. 0.3"),
        line("baseline", "dummy", "beat a model that ignores the features, or give the current process's metric value"),
        line("business_goal", None, "NOT WRITTEN YET: what the business wants, in its words (reports say "
             "'not written yet')"),
        line("decision", None, "NOT WRITTEN YET: the decision the model supports"),
        line("stakeholders", [], "NOT WRITTEN YET: who reads the results"),
        "",
        "monitoring:",
        line("drift_share", 0.5, "share of drifted feature columns that counts as dataset drift"),
        line("alpha", 0.05, "level of the p-value drift tests"),
        line("max_performance_drop", 0.05, "alert when production performance falls this far below evaluation's"),
        "",
        "# Stages to run, in order (names of the NN_<name>.ipynb notebooks here). Leave out to run all.",
        f"stages: [{', '.join(stages)}]",
        "",
        "# Per-stage parameters: any name from a notebook's `parameters` cell, e.g.",
        "#  training:",
        "#    time_budget_s: 60",
        "parameters: {}",
        "",
        "report:",
        "  recipients: []     # e-mail addresses that receive the executive summary",
        "  subject: null      # default: \"<project>: ML run <run id>\"",
        "  template: executive",
        "",
        "smtp:",
        "  host: localhost",
        "  port: 25",
        "  tls: auto                 # auto: STARTTLS when offered (TLS from the start on 465); starttls; implicit; none",
        "  allow_plain_login: false  # true lets the login travel without TLS (trusted networks only)",
        "  cafile: null              # PEM of the CA that signed the server's certificate, if not a public CA",
        "  user: null",
        "  password_env: MLTOOLKIT_SMTP_PASSWORD   # the password is read from this environment variable",
        "  sender: mltoolkit@localhost",
        "",
    ]
    return "\n".join(out)


def init_project(directory: str | Path, *, data: str, target: str, current: str | None = None,
                 time_column: str | None = None, task: str | None = None, positive_class: Any = None,
                 metric: str | None = None, threshold: float | None = None,
                 id_columns: Sequence[str] | None = None, project: str | None = None, table: str | None = None,
                 query: str | None = None, encoding: str = "utf-8") -> ProjectInit:
    """Create a project folder whose ``mltoolkit.yml`` is decided from the user's table.

    The table is read (a sample of :data:`INIT_SAMPLE_ROWS` rows for large
    ones) and every decision (:func:`mltoolkit.framing.infer.decide_project`)
    is written into ``mltoolkit.yml`` with a comment on how it was made.

    Parameters
    ----------
    directory : path
        New or empty folder (an existing ``mltoolkit.yml`` or notebook there is
        never overwritten).
    data : str
        Training data: file, SQLite file, SQLAlchemy URL (with ``table`` or ``query``).
    target : str
        Target column.
    current : str, optional
        Production data for deployment, monitoring and retraining.
    time_column, task, positive_class, metric, threshold, id_columns : optional
        Decisions taken as given; the others are inferred.
    project : str, optional
        Name shown in reports (default: the folder's name).

    Returns
    -------
    ProjectInit
        The config file and the decisions.

    Raises
    ------
    ConfigError
        The folder already holds a project, or a given value does not fit the data.
    DataError
        The table cannot be read, or lacks the target.
    """
    from mltoolkit.data import load

    root = Path(directory)
    stage_files = _prepare_folder(root)
    df = load(data, table=table, query=query, encoding=encoding)
    if len(df) > INIT_SAMPLE_ROWS:
        df = df.sample(INIT_SAMPLE_ROWS, random_state=0)
    decisions = decide_project(df, target, task=task, positive_class=positive_class, metric=metric,
                               threshold=threshold, time_column=time_column, id_columns=id_columns, source=str(data))
    if current is not None and "://" not in current and not Path(current).exists():
        raise ConfigError(f"--current {current} does not exist; give the path of the production data, or leave it "
                          "out and set data.current in mltoolkit.yml later", path=str(current), parameter="--current")
    stages = [s.stem.split("_", 1)[1] for s in stage_files]
    text = render_config(project=project or root.resolve().name, source=_relative(data, root),
                         current=_relative(current, root), table=table, query=query, decisions=decisions, stages=stages)
    _copy_notebooks(root, stage_files)
    config = root / CONFIG_NAME
    config.write_text(text, encoding="utf-8")
    load_config(config)  # what was written must read back
    return ProjectInit(config, decisions)


def init_demo_project(directory: str | Path, *, source: str | None = None, current: str | None = None,
                      project: str | None = None) -> ProjectInit:
    """Create a project that follows the demo's config (``mltoolkit demo``); ``source``/``current`` may pick rows."""
    root = Path(directory)
    stage_files = _prepare_folder(root)
    raw = yaml.safe_load(demo_config_path().read_text(encoding="utf-8"))
    if source:
        raw["data"]["source"] = source
    if current:
        raw["data"]["current"] = current
    if project:
        raw["project"] = project
    _copy_notebooks(root, stage_files)
    config = root / CONFIG_NAME
    header = ("# The demo's project configuration (a copy of mltoolkit's demo config). Your own project: "
              "mltoolkit init DIR --data FILE --target COLUMN\n")
    config.write_text(header + yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return ProjectInit(config, None)


def load_project_config(config_path: str | Path) -> ProjectConfig:
    """Read a project's ``mltoolkit.yml``, checked against its stage notebooks' parameters.

    Parameters
    ----------
    config_path : path
        The config file, or the project folder holding ``mltoolkit.yml``.

    Returns
    -------
    ProjectConfig
        Ready for :func:`~mltoolkit.pipeline.run_pipeline`.
    """
    path = Path(config_path)
    if path.is_dir():
        path = path / CONFIG_NAME
    root = path.parent.resolve()
    known = {name: notebook_parameters(nb) for name, nb in project_stages(root).items()}
    return load_config(path, known_stages=known)
