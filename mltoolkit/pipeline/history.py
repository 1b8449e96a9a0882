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


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    except ValueError:
        return None


def summarize_run(record: RunRecord) -> RunSummary:
    """Key facts of one run, from its record and artifacts."""
    art = Path(record.directory) / "artifacts"
    metrics: dict[str, float | None] = {}
    mlflow_run_id = None
    evaluation = _json(art / "evaluation.json")
    if evaluation:
        metrics[f"test {evaluation.get('metric', 'metric')}"] = evaluation.get("value")
        if (evaluation.get("baseline") or {}).get("value") is not None:
            metrics["baseline"] = evaluation["baseline"]["value"]
        mlflow_run_id = evaluation.get("mlflow_run_id")
    training = _json(art / "training.json")
    if training:
        mlflow_run_id = training.get("mlflow_run_id") or mlflow_run_id
        metrics[f"cv {training.get('metric', 'score')}"] = training.get("best_score")
    retraining = _json(art / "retraining.json")
    if retraining and retraining.get("comparison"):
        metrics["challenger gain"] = retraining["comparison"].get("difference")
    drift = _json(art / "drift.json")
    if drift:
        metrics["drift share"] = drift.get("share_drifted")
    alerts = _json(art / "alerts.json")
    if alerts is not None:
        items = alerts.get("alerts", []) if isinstance(alerts, dict) else alerts
        metrics["alerts"] = float(len(items))
    fp = record.dataset_fingerprint or _json(art / "data_fingerprint.json") or {}
    return RunSummary(
        run_id=record.run_id, directory=record.directory, created=record.created, status=record.status,
        stages=tuple(s.stage for s in record.stages), data_version=fp.get("short"),
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
