"""Run the lifecycle: stage notebooks executed in order in a run directory of their own.

Each run gets ``runs/<timestamp>-<id>/`` holding the executed notebooks
(``NN_<stage>.ipynb``, next to what they read, so they can be re-run in place in
JupyterLab), whatever the stages write (``data/``, ``artifacts/``, ...),
the kernel's own output while each stage ran (``logs/<notebook>.log``) and
``run.json``, the record of the run: configuration, parameters per stage,
timings, status, versions and the dataset fingerprint.

The stages of a run share one kernel (:class:`~mltoolkit.pipeline.kernel.StageKernel`):
each starts from an empty namespace in the run directory, as in a kernel of its
own, without paying a kernel start and the imports again. The first stage's
time includes starting the kernel.

A run stopped by Ctrl-C (SIGINT) or SIGTERM is recorded as ``interrupted`` in
the stage it reached, and :class:`RunInterrupted` carries the record up;
``run_pipeline(..., from_stage=stage)`` resumes it.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import os
import platform
import secrets
import socket
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from mltoolkit import __version__
from mltoolkit._serialize import to_jsonable
from mltoolkit.artifacts import data_version
from mltoolkit.errors import ConfigError, DataError, StageError
from mltoolkit.pipeline.config import CONFIG_NAME, ProjectConfig
from mltoolkit.pipeline.execute import execute_notebook, notebook_parameters
from mltoolkit.pipeline.kernel import StageKernel

__all__ = ["StageRecord", "RunRecord", "RunInterrupted", "run_pipeline", "project_stages", "read_run", "new_run_dir",
           "RUN_FILE"]

RUN_FILE = "run.json"
#: Handed to every stage that declares it: the config file the run follows (the problem-framing stage reads it
#: into the project card, which every later stage reads).
GLOBAL_PARAMETERS = ("config_path",)


@dataclasses.dataclass
class StageRecord:
    stage: str
    notebook: str
    status: str = "pending"  # pending, running, succeeded, failed, interrupted, kept (from an earlier attempt)
    parameters: dict[str, Any] = dataclasses.field(default_factory=dict)
    started: str | None = None
    seconds: float | None = None
    error: str | None = None


@dataclasses.dataclass
class RunRecord:
    run_id: str
    directory: str
    created: str
    project: str
    status: str  # running, succeeded, failed, interrupted; stopped when read (see read_run)
    stages: list[StageRecord]
    config: dict[str, Any]
    versions: dict[str, str]
    dataset_fingerprint: dict[str, Any] | None = None
    finished: str | None = None
    process: dict[str, Any] | None = None  # pid and host of the process running it

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)

    def save(self) -> Path:
        path = Path(self.directory) / RUN_FILE
        tmp = path.with_suffix(".json.partial")
        tmp.write_text(json.dumps(self.to_dict(), indent=2), encoding="utf-8")
        tmp.replace(path)
        return path

    @property
    def failed_stage(self) -> StageRecord | None:
        return next((s for s in self.stages if s.status == "failed"), None)

    @property
    def resume_stage(self) -> StageRecord | None:
        """The first stage that has not succeeded: where ``--from`` picks the run up again."""
        return next((s for s in self.stages if s.status not in ("succeeded", "kept")), None)


class RunInterrupted(KeyboardInterrupt):
    """A run was stopped by SIGINT (Ctrl-C) or SIGTERM; ``record`` is the run as saved, status ``interrupted``.

    A :class:`KeyboardInterrupt`, so code that does not expect it stops as on any Ctrl-C.
    """

    def __init__(self, record: RunRecord, signal_name: str) -> None:
        stage = record.resume_stage
        super().__init__(f"run {record.run_id} interrupted by {signal_name}"
                         + (f" in stage {stage.stage}" if stage else ""))
        self.record = record
        self.signal_name = signal_name


def read_run(run_dir: str | Path) -> RunRecord:
    """Load the ``run.json`` of a run directory.

    A run recorded as ``running`` whose process no longer exists on this
    machine (killed with SIGKILL, or the machine went down) is read as
    ``stopped``, and so is the stage it was in: it can be resumed with
    ``--from``. The file itself is left as it is.
    """
    path = Path(run_dir) / RUN_FILE
    if not path.exists():
        raise DataError(f"{run_dir} is not a run directory (no {RUN_FILE}); run 'mltoolkit run' first", path=str(run_dir))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["stages"] = [StageRecord(**s) for s in data["stages"]]
        record = RunRecord(**data)
    except (ValueError, TypeError, KeyError) as exc:
        raise DataError(f"{path} is damaged ({exc}); it cannot be read as a run record", path=str(path)) from None
    if record.status == "running" and _process_gone(record.process):
        record.status = "stopped"
        for stage in record.stages:
            if stage.status == "running":
                stage.status, stage.error = "stopped", "the process running it ended without recording an outcome"
    return record


def _this_process() -> dict[str, Any]:
    return {"pid": os.getpid(), "host": socket.gethostname()}


def _process_gone(process: dict[str, Any] | None) -> bool:
    """True when ``process`` ran on this machine and has ended; False when alive or when it cannot be told."""
    if not process or process.get("host") != socket.gethostname() or not isinstance(process.get("pid"), int):
        return False
    try:
        os.kill(process["pid"], 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False


def project_stages(root: Path) -> dict[str, Path]:
    """Stage notebooks of a project (``NN_name.ipynb`` next to ``mltoolkit.yml``) by stage name, in order.

    Projects made before the notebooks moved to the top level keep them in
    ``notebooks/``; that folder is read when the top level has none.
    """
    for folder in (root, root / "notebooks"):
        stages = {p.stem.split("_", 1)[1]: p for p in sorted(folder.glob("[0-9][0-9]_*.ipynb"))}
        if stages:
            return stages
    raise ConfigError(f"no stage notebooks (NN_<stage>.ipynb) in {root}; create the project with 'mltoolkit init'",
                      path=str(root))


def new_run_dir(root: Path) -> Path:
    """Create a fresh, unique ``runs/<timestamp>-<id>/`` folder (never reuses one)."""
    runs = root / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    while True:
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        path = runs / f"{stamp}-{secrets.token_hex(3)}"
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue


def _versions() -> dict[str, str]:
    import numpy
    import pandas
    import sklearn

    return {"mltoolkit": __version__, "python": platform.python_version(), "pandas": pandas.__version__,
            "numpy": numpy.__version__, "scikit-learn": sklearn.__version__}


def stage_parameters(config: ProjectConfig, stage: str, declared: Mapping[str, Any],
                     overrides: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Parameters for one stage: the config file's path, then the stage's ``parameters`` section, then overrides."""
    values = {"config_path": str(config.path.resolve()) if config.path else str(config.root / CONFIG_NAME)}
    params = {name: values[name] for name in GLOBAL_PARAMETERS if name in declared}
    params.update(config.parameters.get(stage, {}))
    params.update(overrides.get(stage, {}))
    return params


def run_pipeline(
    config: ProjectConfig,
    *,
    stages: Sequence[str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    from_stage: str | None = None,
    run_dir: str | Path | None = None,
    on_event: Callable[[str], None] | None = None,
    progress: bool = False,
) -> RunRecord:
    """Execute the project's stages in order with papermill, in one kernel (each from an empty namespace).

    Parameters
    ----------
    config : ProjectConfig
        From :func:`mltoolkit.pipeline.load_config`.
    stages : sequence of str, optional
        Stages to run; default: the config's ``stages``.
    overrides : mapping, optional
        ``{stage: {parameter: value}}`` given on the command line; win over the config.
    from_stage : str, optional
        Resume: run this stage and the ones after it in an existing run directory
        (``run_dir``, by default the most recent run), keeping earlier stages' outputs.
    run_dir : path, optional
        For a new run, a directory that must not exist yet.
    on_event : callable, optional
        Called with one line of progress per stage.

    Returns
    -------
    RunRecord
        Also saved as ``run.json``; ``status`` is ``"failed"`` when a stage failed.

    Raises
    ------
    ConfigError
        Unknown stage or parameter (checked before any notebook starts), or a
        run directory that already exists.
    RunInterrupted
        SIGINT (Ctrl-C) or SIGTERM arrived: the run and the stage it reached
        are saved as ``interrupted`` first; resume with ``from_stage``.
    """
    say = on_event or (lambda line: None)
    overrides = {k: dict(v) for k, v in (overrides or {}).items()}
    available = project_stages(config.root)
    declared = {name: notebook_parameters(path) for name, path in available.items()}
    chosen = list(stages or config.stages or available)
    for name in chosen + list(overrides) + ([from_stage] if from_stage else []):
        if name not in available:
            raise ConfigError(f"unknown stage {name!r}; stages are: {', '.join(available)}", stage=name, parameter="stages")
    params = {}
    for name in chosen:
        params[name] = stage_parameters(config, name, declared[name], overrides)
        unknown = sorted(set(params[name]) - set(declared[name]))
        if unknown:
            raise ConfigError(f"unknown parameter(s) {', '.join(unknown)} for stage {name!r}; "
                              f"valid parameters are: {', '.join(declared[name])}",
                              stage=name, parameter=unknown[0])

    if from_stage:
        directory = Path(run_dir) if run_dir else _latest_run(config.root)
        record = read_run(directory)
        if record.status == "running":
            where = record.process or {}
            raise ConfigError(f"run {record.run_id} is still running (process {where.get('pid')} on "
                              f"{where.get('host')}); wait for it to end, or stop it (Ctrl-C or kill), then resume",
                              path=str(directory))
        start = chosen.index(from_stage) if from_stage in chosen else 0
        done = {s.stage for s in record.stages if s.status in ("succeeded", "kept")}
        unfinished = [name for name in chosen[:start] if name not in done]
        if unfinished:
            raise ConfigError(f"cannot resume run {record.run_id} from stage {from_stage!r}: the earlier stage "
                              f"{unfinished[0]!r} did not finish in it; resume with --from {unfinished[0]}",
                              stage=unfinished[0], parameter="--from", path=str(directory))
    else:
        if run_dir is not None:
            directory = Path(run_dir)
            if directory.exists():
                raise ConfigError(f"run directory {directory} already exists; choose a new one or leave it out "
                                  "to get a fresh runs/<timestamp>-<id>/", path=str(directory))
            directory.mkdir(parents=True)
        else:
            directory = new_run_dir(config.root)
        record = RunRecord(
            run_id=directory.name, directory=str(directory.resolve()), created=_now(), project=config.project,
            status="running", stages=[StageRecord(n, available[n].name) for n in chosen],
            config=config.to_dict(), versions=_versions(),
        )
        start = 0
    by_name = {s.stage: s for s in record.stages}
    for name in chosen:
        if name not in by_name:
            by_name[name] = StageRecord(name, available[name].name)
            record.stages.append(by_name[name])
    for name in chosen[:start]:
        if by_name[name].status == "succeeded":
            by_name[name].status = "kept"
    record.status, record.finished, record.process = "running", None, _this_process()
    record.save()

    env_before = os.environ.get("MLFLOW_TRACKING_URI")
    if env_before is None:
        os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{(config.root / 'mlflow.db').resolve()}"
    received = ["SIGINT"]
    term_before = _raise_on_sigterm(received)
    kernel = StageKernel()  # one kernel for the run's stages, each starting from an empty namespace
    t0 = time.perf_counter()
    try:
        for i, name in enumerate(chosen[start:], start=start + 1):
            stage = by_name[name]
            stage.parameters, stage.status, stage.started, stage.error = params[name], "running", _now(), None
            record.save()
            say(f"[{i}/{len(chosen)}] {name} ...")
            t0 = time.perf_counter()
            try:
                notebook = available[name]
                execute_notebook(notebook, directory / notebook.name, params[name], cwd=directory,
                                 progress=progress, log=directory / "logs" / f"{notebook.stem}.log", kernel=kernel)
            except StageError as exc:
                stage.status, stage.error, stage.seconds = "failed", str(exc), round(time.perf_counter() - t0, 2)
                record.status, record.finished = "failed", _now()
                record.save()
                say(f"[{i}/{len(chosen)}] {name} FAILED after {stage.seconds:.1f} s")
                return record
            stage.status, stage.seconds = "succeeded", round(time.perf_counter() - t0, 2)
            record.dataset_fingerprint = _fingerprint(directory) or record.dataset_fingerprint
            record.save()
            say(f"[{i}/{len(chosen)}] {name} done in {stage.seconds:.1f} s")
        record.status, record.finished = "succeeded", _now()
        record.save()
    except KeyboardInterrupt:
        # A second Ctrl-C must not cut the record short: ignore both signals while it is saved.
        with _signals_ignored():
            stage = record.resume_stage
            if stage is not None:
                if stage.status == "running":
                    stage.seconds = round(time.perf_counter() - t0, 2)
                stage.status, stage.error = "interrupted", f"interrupted by {received[0]}"
            record.status, record.finished = "interrupted", _now()
            record.save()
        say(f"interrupted by {received[0]}" + (f" in stage {stage.stage}" if stage else ""))
        raise RunInterrupted(record, received[0]) from None
    finally:
        with _signals_ignored():
            kernel.close(now=record.status != "succeeded")
        _restore_sigterm(term_before)
        if env_before is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
    return record


def _raise_on_sigterm(received: list[str]) -> Any:
    """Make SIGTERM stop the run as Ctrl-C does (a KeyboardInterrupt); return the handler it replaced.

    Signal handlers belong to the main thread: elsewhere nothing is installed.
    ``received[0]`` is set to the signal that arrived, for the record.
    """
    if threading.current_thread() is not threading.main_thread():
        return None

    def on_sigterm(signum: int, frame: Any) -> None:
        received[0] = "SIGTERM"
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, on_sigterm)


def _restore_sigterm(previous: Any) -> None:
    if previous is not None:
        signal.signal(signal.SIGTERM, previous)


class _signals_ignored:
    """Ignore SIGINT and SIGTERM inside the block (main thread only), then restore the handlers."""

    def __enter__(self) -> None:
        self._saved = None
        if threading.current_thread() is threading.main_thread():
            self._saved = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}

    def __exit__(self, *exc: object) -> None:
        for s, handler in (self._saved or {}).items():
            signal.signal(s, handler)


def _fingerprint(directory: Path) -> dict[str, Any] | None:
    """The data version a stage recorded (see :func:`mltoolkit.artifacts.data_version`)."""
    version = data_version(directory)
    return to_jsonable(version) if version is not None else None


def _latest_run(root: Path) -> Path:
    runs = sorted(p for p in (root / "runs").glob("*") if (p / RUN_FILE).exists()) if (root / "runs").exists() else []
    if not runs:
        raise ConfigError(f"--from needs an earlier run to resume, but {root / 'runs'} has none", parameter="--from")
    return runs[-1]


def _now() -> str:
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


