"""The project configuration file, ``mltoolkit.yml``: the one place a project's decisions are written.

Configuration flows one way: ``mltoolkit.yml`` -> project card (written by the
problem-framing stage) -> every later stage. A project without a config file
(stage notebooks run on their own in a folder) follows the demo's config, which
lives in one file of its own (:func:`demo_config_path`).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from mltoolkit._serialize import to_jsonable
from mltoolkit.errors import ConfigError, DataError

__all__ = [
    "CONFIG_NAME", "DataConfig", "ProjectConfig", "ReportConfig", "SmtpConfig", "config_from_dict", "demo_config_path",
    "find_config", "load_config", "data_config_from_dict", "FRAMING_KEYS", "MONITORING_KEYS", "SMTP_TLS_MODES",
]

CONFIG_NAME = "mltoolkit.yml"
_TOP_KEYS = {"project", "data", "problem_framing", "monitoring", "target", "task", "stages", "parameters", "report",
             "smtp"}
#: Keys of the ``problem_framing`` section (the project card's framing).
FRAMING_KEYS = ("target", "task", "positive_class", "metric", "threshold", "constraint_metric", "constraint_threshold",
                "baseline", "baseline_description", "business_goal", "decision", "stakeholders", "release")
#: Keys of the ``monitoring`` section (thresholds the monitoring stage reads from the card).
MONITORING_KEYS = ("drift_share", "alpha", "distance_threshold", "chunk_freq", "max_drift_share_rule",
                   "max_domain_auc_rule", "max_performance_drop", "tests", "thresholds")
_REPORT_KEYS = {"recipients", "subject", "template"}
_SMTP_KEYS = {"host", "port", "tls", "starttls", "allow_plain_login", "cafile", "user", "password_env", "sender"}
#: Values of ``smtp.tls``: STARTTLS when offered, STARTTLS required, TLS from the first byte (port 465), never.
SMTP_TLS_MODES = ("auto", "starttls", "implicit", "none")


def demo_config_path() -> Path:
    """The demo's own ``mltoolkit.yml`` (the only home of the demo's values)."""
    return Path(__file__).resolve().parents[1] / "data" / "demo_project.yml"


@dataclasses.dataclass(frozen=True)
class DataConfig:
    """The ``data`` section: where the data is and what its columns are.

    Attributes
    ----------
    source : str
        Training data: CSV/Parquet path (relative to the config file), SQLite
        file, SQLAlchemy URL or ``demo://``.
    current : str or None
        Production data: scored by deployment, compared by monitoring, its
        labels used by retraining. None: those stages skip with a note.
    table, query, current_table : str or None
        SQL sources: table or query of the source, table of the current data.
    encoding : str or None
        Text encoding of CSV files; None detects it (UTF-8 first).
    time_column : str or None
        Column ordering rows in time (time split, drift over time).
    id_columns : tuple of str
        Identifier columns: never features, kept next to batch predictions.
    column_kinds : dict
        Column kinds forced over inference, e.g. ``{"zip_code": "categorical"}``.
    drop_columns : tuple of str
        Columns never used as features.
    expectations : dict or None
        Checks the data must pass (see :class:`mltoolkit.data.Expectations`);
        None: the target only.
    experiment_log, experiment_metric : str or None
        An A/B test log of the model in production (one row per user, a
        ``group`` column) and its outcome column (None: the target's name);
        the deployment stage reads it when set.
    """

    source: str
    current: str | None = None
    table: str | None = None
    query: str | None = None
    current_table: str | None = None
    encoding: str | None = None
    time_column: str | None = None
    id_columns: tuple[str, ...] = ()
    column_kinds: dict[str, str] = dataclasses.field(default_factory=dict)
    drop_columns: tuple[str, ...] = ()
    expectations: dict[str, Any] | None = None
    experiment_log: str | None = None
    experiment_metric: str | None = None


_DATA_KEYS = {f.name for f in dataclasses.fields(DataConfig)}


@dataclasses.dataclass(frozen=True)
class ReportConfig:
    recipients: tuple[str, ...] = ()
    subject: str | None = None
    template: str = "executive"


@dataclasses.dataclass(frozen=True)
class SmtpConfig:
    """The ``smtp`` section: how ``mltoolkit send`` reaches the mail server.

    Attributes
    ----------
    host, port : str, int
        The SMTP server.
    tls : str
        One of :data:`SMTP_TLS_MODES`. ``auto`` upgrades with STARTTLS when the
        server offers it (TLS from the first byte on port 465); ``starttls``
        requires STARTTLS; ``implicit`` speaks TLS from the first byte (SMTPS,
        port 465); ``none`` never encrypts.
    allow_plain_login : bool
        Allow sending the login over a connection without TLS (refused otherwise).
    cafile : str or None
        PEM file of CA certificates trusted for the server's certificate (for a
        private CA); None: the system's trust store.
    user : str or None
        SMTP login; the password is read from the environment variable ``password_env``.
    sender : str
        From: address.
    """

    host: str = "localhost"
    port: int = 25
    tls: str = "auto"
    allow_plain_login: bool = False
    cafile: str | None = None
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
    data : DataConfig
        Sources and column roles.
    problem_framing : dict
        Target, task, positive class, success criterion, baseline, story
        (keys: :data:`FRAMING_KEYS`); validated when the card is made.
    monitoring : dict
        Monitoring thresholds (keys: :data:`MONITORING_KEYS`).
    stages : tuple of str
        Stages to run, in order.
    parameters : dict
        Per-stage parameter overrides, ``{stage: {name: value}}``.
    root : Path
        Folder holding the config; relative data paths resolve against it.
    path : Path or None
        The file read.
    """

    project: str
    data: DataConfig
    problem_framing: dict[str, Any]
    monitoring: dict[str, Any]
    stages: tuple[str, ...]
    parameters: dict[str, dict[str, Any]]
    report: ReportConfig
    smtp: SmtpConfig
    root: Path
    path: Path | None = None

    @property
    def source(self) -> str:
        return self.data.source

    @property
    def current(self) -> str | None:
        return self.data.current

    @property
    def target(self) -> str | None:
        return self.problem_framing.get("target")

    @property
    def task(self) -> str | None:
        return self.problem_framing.get("task")

    def resolve(self, source: str | None) -> str | None:
        """A data path relative to the config file made absolute (URLs and ``demo://`` unchanged)."""
        if source is None or "://" in str(source) or Path(str(source)).is_absolute():
            return source
        return str((self.root / str(source)).resolve())

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(dataclasses.replace(self, root=str(self.root),  # type: ignore[arg-type]
                                               path=str(self.path) if self.path else None))


def _check_keys(section: str, data: Mapping[str, Any], allowed: set[str] | tuple[str, ...], path: Path) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        where = f"section '{section}' of " if section else ""
        raise ConfigError(
            f"unknown key(s) {', '.join(map(repr, unknown))} in {where}{path}; valid keys are: {', '.join(sorted(allowed))}",
            path=str(path), parameter=f"{section}.{unknown[0]}" if section else unknown[0],
        )


def _section(data: Mapping[str, Any], name: str, path: Path) -> dict[str, Any]:
    value = data.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"'{name}' in {path} must be a mapping of settings (key: value), not "
                          f"{type(value).__name__}", path=str(path), parameter=name)
    return dict(value)


def _names(value: Any, key: str, path: Path) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, (str, int)) for v in value):
        raise ConfigError(f"{key} in {path} must be a list of column names, got {value!r}", path=str(path),
                          parameter=key)
    return tuple(str(v) for v in value)


def data_config_from_dict(section: Mapping[str, Any], path: Path) -> DataConfig:
    """The ``data`` section of ``mltoolkit.yml`` (or of a project card read from ``path``), validated."""
    _check_keys("data", section, _DATA_KEYS, path)
    if not section.get("source"):
        raise ConfigError(f"{path} has no data.source; set it to a CSV/Parquet path, a database URL or a demo:// "
                          "source", path=str(path), parameter="data.source")
    kinds = section.get("column_kinds") or {}
    if not isinstance(kinds, Mapping):
        raise ConfigError(f"data.column_kinds in {path} must map column names to kinds, e.g. {{zip: categorical}}",
                          path=str(path), parameter="data.column_kinds")
    expectations = section.get("expectations")
    if expectations is not None and not isinstance(expectations, Mapping):
        raise ConfigError(f"data.expectations in {path} must be a mapping (required, types, ranges, ...)",
                          path=str(path), parameter="data.expectations")
    time_column = section.get("time_column")
    return DataConfig(
        source=str(section["source"]), current=_opt_str(section.get("current")), table=_opt_str(section.get("table")),
        query=_opt_str(section.get("query")), current_table=_opt_str(section.get("current_table")),
        encoding=_opt_str(section.get("encoding")),
        time_column=None if time_column is None else str(time_column),
        id_columns=_names(section.get("id_columns"), "data.id_columns", path),
        column_kinds={str(k): str(v) for k, v in kinds.items()},
        drop_columns=_names(section.get("drop_columns"), "data.drop_columns", path),
        expectations=dict(expectations) if expectations is not None else None,
        experiment_log=_opt_str(section.get("experiment_log")),
        experiment_metric=_opt_str(section.get("experiment_metric")),
    )


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _smtp_config(smtp: dict[str, Any], root: Path, path: Path) -> SmtpConfig:
    values = dict(smtp)
    if "starttls" in values:  # configs written before `tls`: starttls: true required it, false left it to the server
        if "tls" in values:
            raise ConfigError(f"smtp in {path} sets both tls and the older starttls; keep only tls", path=str(path),
                              parameter="smtp.starttls")
        legacy = values.pop("starttls")
        if not isinstance(legacy, bool):
            raise ConfigError(f"smtp.starttls in {path} must be true or false, got {legacy!r}; better, use "
                              f"tls: {' | '.join(SMTP_TLS_MODES)}", path=str(path), parameter="smtp.starttls")
        values["tls"] = "starttls" if legacy else "auto"
    tls = values.get("tls", "auto")
    if tls not in SMTP_TLS_MODES:
        raise ConfigError(f"smtp.tls in {path} must be one of {', '.join(SMTP_TLS_MODES)}, got {tls!r}",
                          path=str(path), parameter="smtp.tls")
    allow = values.get("allow_plain_login", False)
    if not isinstance(allow, bool):
        raise ConfigError(f"smtp.allow_plain_login in {path} must be true or false, got {allow!r}", path=str(path),
                          parameter="smtp.allow_plain_login")
    if values.get("cafile") is not None:
        values["cafile"] = str(root / str(values["cafile"]))
    try:
        values["port"] = int(values.get("port", 25))
    except (TypeError, ValueError):
        raise ConfigError(f"smtp.port in {path} must be a number, got {smtp.get('port')!r}", path=str(path),
                          parameter="smtp.port") from None
    return SmtpConfig(**values)


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

    Raises
    ------
    ConfigError
        Unknown keys, stages or parameters, or values of the wrong type, naming the key.
    """
    path = path or root / CONFIG_NAME
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path} must hold a mapping of settings (key: value), not {type(data).__name__}", path=str(path))
    _check_keys("", data, _TOP_KEYS, path)
    data_cfg = data_config_from_dict(_section(data, "data", path), path)
    framing = _section(data, "problem_framing", path)
    _check_keys("problem_framing", framing, FRAMING_KEYS, path)
    for key in ("target", "task"):  # older configs kept these two at the top level
        if data.get(key) is not None:
            framing.setdefault(key, data[key])
    monitoring = _section(data, "monitoring", path)
    _check_keys("monitoring", monitoring, MONITORING_KEYS, path)
    report = _section(data, "report", path)
    _check_keys("report", report, _REPORT_KEYS, path)
    smtp = _section(data, "smtp", path)
    _check_keys("smtp", smtp, _SMTP_KEYS, path)
    raw_stages = data.get("stages") or ()
    if isinstance(raw_stages, str) or not isinstance(raw_stages, (list, tuple)):
        raise ConfigError(f"stages in {path} must be a list of stage names, e.g. [problem_framing, data_collection]",
                          path=str(path), parameter="stages")
    stages = tuple(str(s) for s in raw_stages)
    raw_params = _section(data, "parameters", path)
    parameters: dict[str, dict[str, Any]] = {}
    for stage, values in raw_params.items():
        if values is not None and not isinstance(values, Mapping):
            raise ConfigError(f"parameters.{stage} in {path} must be a mapping of parameter names to values",
                              path=str(path), parameter=f"parameters.{stage}")
        parameters[str(stage)] = dict(values or {})
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
    smtp_cfg = _smtp_config(smtp, root, path)
    recipients = report.get("recipients") or ()
    if isinstance(recipients, str):
        recipients = [recipients]
    return ProjectConfig(
        project=str(data.get("project") or root.resolve().name), data=data_cfg, problem_framing=framing,
        monitoring=monitoring, stages=stages, parameters=parameters,
        report=ReportConfig(recipients=tuple(recipients), subject=report.get("subject"),
                            template=report.get("template", "executive")),
        smtp=smtp_cfg, root=root, path=path,
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
        raise DataError(f"config file {path} does not exist; create one with 'mltoolkit init DIR --data FILE "
                        "--target COLUMN'", path=str(path))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path} is not valid YAML{where}: {getattr(exc, 'problem', exc)}", path=str(path)) from None
    return config_from_dict(data, root=path.resolve().parent, path=path, known_stages=known_stages)


def find_config(start: str | Path | None = None) -> Path:
    """The ``mltoolkit.yml`` of ``start`` (default: the working folder) or its nearest parent, else the demo's.

    A run of ``mltoolkit run`` works in ``<project>/runs/<run id>/``, so the
    project's file is found two folders up; stage notebooks run on their own in
    a folder outside any project follow the demo's config.
    """
    here = Path(start or Path.cwd()).resolve()
    if here.is_file():
        return here
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return demo_config_path()
