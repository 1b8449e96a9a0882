"""The project configuration file, ``mltoolkit.yml``: what to run and with which parameters."""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from mltoolkit._serialize import to_jsonable
from mltoolkit.errors import ConfigError, DataError

__all__ = ["ProjectConfig", "ReportConfig", "SmtpConfig", "load_config", "config_from_dict", "CONFIG_NAME"]

CONFIG_NAME = "mltoolkit.yml"
_TOP_KEYS = {"project", "data", "target", "task", "stages", "parameters", "report", "smtp"}
_DATA_KEYS = {"source", "table", "query", "current"}
_REPORT_KEYS = {"recipients", "subject", "template"}
_SMTP_KEYS = {"host", "port", "starttls", "user", "password_env", "sender"}


@dataclasses.dataclass(frozen=True)
class ReportConfig:
    recipients: tuple[str, ...] = ()
    subject: str | None = None
    template: str = "executive"


@dataclasses.dataclass(frozen=True)
class SmtpConfig:
    host: str = "localhost"
    port: int = 25
    starttls: bool = False
    user: str | None = None
    password_env: str = "MLTOOLKIT_SMTP_PASSWORD"
    sender: str = "mltoolkit@localhost"


@dataclasses.dataclass(frozen=True)
class ProjectConfig:
    """Parsed ``mltoolkit.yml``.

    Attributes
    ----------
    project : str
        Project name shown in reports.
    source, table, query
        Where the data comes from (see :func:`mltoolkit.data.load`).
    current : str or None
        Production data for the monitoring stage.
    target, task
        Target column and ML task; handed to the problem-framing stage.
    stages : tuple of str
        Stages to run, in order.
    parameters : dict
        Per-stage parameter values, ``{stage: {name: value}}``.
    root : Path
        Folder holding the config; relative data paths resolve against it.
    """

    project: str
    source: str
    current: str | None
    table: str | None
    query: str | None
    target: str | None
    task: str | None
    stages: tuple[str, ...]
    parameters: dict[str, dict[str, Any]]
    report: ReportConfig
    smtp: SmtpConfig
    root: Path

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(dataclasses.replace(self, root=str(self.root)))  # type: ignore[arg-type]


def _check_keys(section: str, data: Mapping[str, Any], allowed: set[str], path: Path) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        where = f"section '{section}' of " if section else ""
        raise ConfigError(
            f"unknown key(s) {', '.join(map(repr, unknown))} in {where}{path}; valid keys are: {', '.join(sorted(allowed))}",
            path=str(path), parameter=unknown[0],
        )


def config_from_dict(data: Mapping[str, Any], *, root: Path, path: Path | None = None,
                     known_stages: Mapping[str, Any] | None = None) -> ProjectConfig:
    """Validate a config mapping (as read from YAML).

    Parameters
    ----------
    data : mapping
        The parsed YAML.
    root : Path
        Folder of the config file.
    known_stages : mapping, optional
        Stage name -> declared parameters (from the notebooks); stage names
        and parameter names are checked against it when given.
    """
    path = path or root / CONFIG_NAME
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path} must hold a mapping of settings (key: value), not {type(data).__name__}", path=str(path))
    _check_keys("", data, _TOP_KEYS, path)
    data_section = data.get("data") or {}
    _check_keys("data", data_section, _DATA_KEYS, path)
    if not data_section.get("source"):
        raise ConfigError(f"{path} has no data.source; set it to a CSV/Parquet path, a database or demo://trial_conversion",
                          path=str(path), parameter="data.source")
    report = data.get("report") or {}
    _check_keys("report", report, _REPORT_KEYS, path)
    smtp = data.get("smtp") or {}
    _check_keys("smtp", smtp, _SMTP_KEYS, path)
    stages = tuple(data.get("stages") or ())
    parameters = {str(k): dict(v or {}) for k, v in (data.get("parameters") or {}).items()}
    if known_stages is not None:
        if not stages:
            stages = tuple(known_stages)
        for stage in list(stages) + list(parameters):
            if stage not in known_stages:
                raise ConfigError(f"unknown stage {stage!r} in {path}; stages are: {', '.join(known_stages)}",
                                  path=str(path), stage=stage, parameter="stages")
        for stage, values in parameters.items():
            unknown = sorted(set(values) - set(known_stages[stage]))
            if unknown:
                raise ConfigError(
                    f"unknown parameter(s) {', '.join(unknown)} for stage {stage!r} in {path}; "
                    f"valid parameters are: {', '.join(known_stages[stage])}",
                    path=str(path), stage=stage, parameter=unknown[0],
                )
    try:
        smtp_cfg = SmtpConfig(**{**smtp, "port": int(smtp.get("port", 25))})
    except (TypeError, ValueError):
        raise ConfigError(f"smtp.port in {path} must be a number, got {smtp.get('port')!r}", path=str(path),
                          parameter="smtp.port") from None
    recipients = report.get("recipients") or ()
    if isinstance(recipients, str):
        recipients = [recipients]
    return ProjectConfig(
        project=str(data.get("project") or root.resolve().name),
        source=str(data_section["source"]), current=data_section.get("current"), table=data_section.get("table"), query=data_section.get("query"),
        target=data.get("target"), task=data.get("task"), stages=stages, parameters=parameters,
        report=ReportConfig(recipients=tuple(recipients), subject=report.get("subject"),
                            template=report.get("template", "executive")),
        smtp=smtp_cfg, root=root,
    )


def load_config(path: str | Path, *, known_stages: Mapping[str, Any] | None = None) -> ProjectConfig:
    """Read and validate ``mltoolkit.yml``.

    Raises
    ------
    DataError
        The file does not exist.
    ConfigError
        It is not valid YAML, or holds unknown keys, stages or parameters.
    """
    path = Path(path)
    if path.is_dir():
        path = path / CONFIG_NAME
    if not path.exists():
        raise DataError(f"config file {path} does not exist; create one with 'mltoolkit init DIR'", path=str(path))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path} is not valid YAML{where}: {getattr(exc, 'problem', exc)}", path=str(path)) from None
    return config_from_dict(data, root=path.resolve().parent, path=path, known_stages=known_stages)
