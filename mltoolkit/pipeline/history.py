"""Run history: every run's date, stages, data version, parameters, key metrics and status.

Read from the run directories themselves (``run.json`` and the artifacts the
stages wrote), so the history can never drift out of step with what ran.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from mltoolkit._serialize import to_jsonable
from mltoolkit.artifacts import data_version, read_artifact
from mltoolkit.errors import ConfigError, DataError
from mltoolkit.pipeline.run import RUN_FILE, RunRecord, read_run

__all__ = ["RunSummary", "RunComparison", "list_runs", "compare_runs", "summarize_run"]


@dataclasses.dataclass(frozen=True)
class RunSummary:
    run_id: str
    directory: str
    created: str
    status: str
    stages: tuple[str, ...]
    data_version: str | None
    parameters: dict[str, dict[str, Any]]
    metrics: dict[str, float | None]  # success metric value, drift share, alert count, ...
    mlflow_run_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


@dataclasses.dataclass(frozen=True)
class RunComparison:
    a: RunSummary
    b: RunSummary
    data_changed: bool
    parameter_changes: tuple[tuple[str, Any, Any], ...]  # ("stage.key", value in a, value in b)
    metric_changes: tuple[tuple[str, float | None, float | None, float | None], ...]  # name, a, b, b - a

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def summarize_run(record: RunRecord) -> RunSummary:
    """Key facts of one run, from its record and artifacts."""
    art = Path(record.directory) / "artifacts"
    metrics: dict[str, float | None] = {}
    mlflow_run_id = None
    evaluation = read_artifact(art, "evaluation")
    if evaluation is not None:
        metrics[f"test {evaluation.metric}"] = evaluation.value
        if evaluation.baseline.get("value") is not None:
            metrics["baseline"] = evaluation.baseline["value"]
    training = read_artifact(art, "training")
    if training is not None:
        mlflow_run_id = training.mlflow_run_id
        metrics[f"cv {training.metric}"] = training.best_score
    retraining = read_artifact(art, "retraining")
    if retraining is not None and retraining.comparison is not None:
        metrics["challenger gain"] = retraining.comparison.difference
    drift = read_artifact(art, "drift")
    if drift is not None:
        metrics["drift share"] = drift.share_drifted
    alerts = read_artifact(art, "alerts")
    if alerts is not None:
        metrics["alerts"] = float(len(alerts.alerts))
    version = data_version(record.directory)
    short = (record.dataset_fingerprint or {}).get("short") or (version.short if version else None)
    return RunSummary(
        run_id=record.run_id, directory=record.directory, created=record.created, status=record.status,
        stages=tuple(s.stage for s in record.stages), data_version=short,
        parameters={s.stage: dict(s.parameters) for s in record.stages}, metrics=metrics,
        mlflow_run_id=mlflow_run_id,
    )


def list_runs(root: str | Path) -> list[RunSummary]:
    """All runs under ``<root>/runs``, oldest first. Damaged or half-deleted runs are skipped."""
    runs_dir = Path(root) / "runs"
    if not runs_dir.is_dir():
        raise DataError(f"{runs_dir} does not exist; no runs yet (start one with 'mltoolkit run')", path=str(runs_dir))
    out = []
    for path in sorted(runs_dir.iterdir()):
        if (path / RUN_FILE).exists():
            try:
                out.append(summarize_run(read_run(path)))
            except DataError:
                continue
    return out


def _resolve(root: Path, run: str | Path) -> Path:
    path = Path(run)
    for candidate in (path, root / "runs" / str(run)):
        if (candidate / RUN_FILE).exists():
            return candidate
    raise DataError(f"run {run} not found (looked for {path / RUN_FILE} and {root / 'runs' / str(run) / RUN_FILE}); "
                    "list runs with 'mltoolkit runs list'", path=str(run))


def compare_runs(root: str | Path, run_a: str | Path, run_b: str | Path) -> RunComparison:
    """What changed between two runs: data version, parameters, metrics."""
    root = Path(root)
    path_a, path_b = _resolve(root, run_a), _resolve(root, run_b)
    if path_a.resolve() == path_b.resolve():
        raise ConfigError(f"comparing run {Path(run_a).name} with itself; pass two different runs", parameter="RUN_B")
    a, b = summarize_run(read_run(path_a)), summarize_run(read_run(path_b))
    params = []
    for stage in sorted(set(a.parameters) | set(b.parameters)):
        pa, pb = a.parameters.get(stage, {}), b.parameters.get(stage, {})
        for key in sorted(set(pa) | set(pb)):
            if pa.get(key) != pb.get(key):
                params.append((f"{stage}.{key}", pa.get(key), pb.get(key)))
    metrics = []
    for name in sorted(set(a.metrics) | set(b.metrics)):
        va, vb = a.metrics.get(name), b.metrics.get(name)
        metrics.append((name, va, vb, None if va is None or vb is None else vb - va))
    return RunComparison(a=a, b=b, data_changed=a.data_version != b.data_version,
                         parameter_changes=tuple(params), metric_changes=tuple(metrics))
