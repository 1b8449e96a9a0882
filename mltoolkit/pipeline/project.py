"""Scaffold a project: ``mltoolkit.yml`` plus editable copies of the stage notebooks."""
from __future__ import annotations

import shutil
from pathlib import Path

from mltoolkit._resources import notebooks_dir
from mltoolkit.errors import ConfigError
from mltoolkit.pipeline.config import CONFIG_NAME, ProjectConfig, load_config
from mltoolkit.pipeline.execute import notebook_parameters
from mltoolkit.pipeline.run import project_stages

__all__ = ["init_project", "load_project_config", "CONFIG_TEMPLATE"]

CONFIG_TEMPLATE = """\
# mltoolkit project configuration. `mltoolkit run` reads this file.
project: {project}

data:
  source: {source}   # CSV/Parquet path (relative to this file), SQLite file, SQLAlchemy URL or demo://
  current: {current}   # production data the monitoring stage compares with the source
  table: null        # SQL sources: table to read
  query: null        # SQL sources: SELECT query instead of a table

target: {target}     # column the model predicts
task: {task}         # binary_classification, multiclass_classification or regression

# Stages to run, in order (names of notebooks/NN_<name>.ipynb). Leave out to run all.
stages: [{stages}]

# Per-stage parameters: any name from a notebook's `parameters` cell.
parameters: {{}}
#  training:
#    time_budget_s: 60

report:
  recipients: []     # e-mail addresses that receive the executive summary
  subject: null      # default: "<project>: ML run <run id>"
  template: executive

smtp:
  host: localhost
  port: 25
  starttls: false
  user: null
  password_env: MLTOOLKIT_SMTP_PASSWORD   # the password is read from this environment variable
  sender: mltoolkit@localhost
"""


def init_project(directory: str | Path, *, project: str | None = None, source: str = "demo://trial_conversion",
                 current: str = "demo://trial_conversion/production", target: str = "converted",
                 task: str = "binary_classification") -> Path:
    """Create a project folder with a config file and the stage notebooks.

    Parameters
    ----------
    directory : path
        New or empty folder (an existing ``mltoolkit.yml`` or notebook there is
        never overwritten).
    project, source, current, target, task : str
        Written into ``mltoolkit.yml``.

    Returns
    -------
    pathlib.Path
        The config file.
    """
    root = Path(directory)
    config = root / CONFIG_NAME
    stage_files = sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb"))
    existing = [p for p in [config] + [root / "notebooks" / s.name for s in stage_files] if p.exists()]
    if existing:
        raise ConfigError(f"{root} already holds a project ({', '.join(str(p) for p in existing[:3])}); "
                          "nothing was changed. Use another folder, or remove those files first.", path=str(root))
    (root / "notebooks").mkdir(parents=True, exist_ok=True)
    for folder in ("runs", "reports"):
        (root / folder).mkdir(exist_ok=True)
    for src in stage_files:
        shutil.copyfile(src, root / "notebooks" / src.name)
    stages = ", ".join(s.stem.split("_", 1)[1] for s in stage_files)
    config.write_text(CONFIG_TEMPLATE.format(project=project or root.resolve().name, source=source, current=current, target=target,
                                             task=task, stages=stages), encoding="utf-8")
    return config


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
