"""Every file one stage writes for another to read: its name, the stage that writes it, and its type.

Readers go through :func:`read_artifact`, which rebuilds the dataclass the
stage wrote (:func:`mltoolkit._serialize.from_jsonable`), so a renamed field
fails loudly instead of turning a report figure into "–". Files live in a
run's ``artifacts/`` folder.
"""
from __future__ import annotations

import dataclasses
import importlib
import json
from pathlib import Path
from typing import Any

from mltoolkit._serialize import from_jsonable, to_jsonable
from mltoolkit.errors import DataError

__all__ = ["ArtifactSpec", "ARTIFACTS", "AlertsFile", "DataVersion", "TrainingRecord", "artifact_path",
           "read_artifact", "write_artifact", "data_version"]


@dataclasses.dataclass(frozen=True)
class DataVersion:
    """``data_fingerprint.json``: the data's fingerprint and where it came from."""

    content_hash: str
    schema_hash: str
    n_rows: int
    n_columns: int
    short: str
    source: str | None = None


@dataclasses.dataclass(frozen=True)
class TrainingRecord:
    """``training.json``: the model search as the training stage recorded it (the model itself is in models/)."""

    task_kind: str
    metric: str
    candidates: list[dict[str, Any]]
    best_name: str
    trials: list[dict[str, Any]]
    best_params: dict[str, Any]
    baseline_score: float | None
    cv_folds: int
    cv_rows: int
    seed: int
    seconds: dict[str, float]
    best_score: float | None
    mlflow_run_id: str | None
    model_path: str
    notes: list[str] = dataclasses.field(default_factory=list)  # e.g. classes left out of training


@dataclasses.dataclass(frozen=True)
class AlertsFile:
    """``alerts.json``: the monitoring alerts and the retraining recommendation."""

    alerts: list[dict[str, Any]]
    recommendation: str | None
    retrain: bool | None


@dataclasses.dataclass(frozen=True)
class ArtifactSpec:
    """One artifact: file name, writing stage, type (``module:Class``) and keys ``to_dict`` derives."""

    filename: str
    stage: str
    type_name: str
    derived: tuple[str, ...] = ()

    @property
    def type(self) -> type:
        module, name = self.type_name.split(":")
        return getattr(importlib.import_module(module), name)


#: The artifacts stages exchange, by name.
ARTIFACTS: dict[str, ArtifactSpec] = {
    "data_fingerprint": ArtifactSpec("data_fingerprint.json", "data_collection", "mltoolkit.artifacts:DataVersion"),
    "split": ArtifactSpec("split.json", "data_collection", "mltoolkit.data.split:SplitSummary"),
    "schema": ArtifactSpec("schema.json", "data_collection", "mltoolkit.data.schema:Schema"),
    "preprocessing": ArtifactSpec("preprocessing.json", "data_preparation",
                                  "mltoolkit.stages.preparation:PreparationResult"),
    "training": ArtifactSpec("training.json", "training", "mltoolkit.artifacts:TrainingRecord"),
    "evaluation": ArtifactSpec("evaluation.json", "evaluation", "mltoolkit.evaluate.criteria:Verdict"),
    "deployment": ArtifactSpec("deployment.json", "deployment", "mltoolkit.stages.deployment:DeploymentResult",
                               derived=("release_passed",)),
    "drift": ArtifactSpec("drift.json", "monitoring", "mltoolkit.drift.result:DriftResult"),
    "alerts": ArtifactSpec("alerts.json", "monitoring", "mltoolkit.artifacts:AlertsFile"),
    "performance": ArtifactSpec("performance.json", "monitoring", "mltoolkit.monitor.performance:ProductionPerformance"),
    "retraining": ArtifactSpec("retraining.json", "retraining", "mltoolkit.stages.retraining:RetrainingResult"),
}


def artifact_path(directory: str | Path, name: str) -> Path:
    """Where artifact ``name`` lives in an artifacts folder."""
    return Path(directory) / _spec(name).filename


def _spec(name: str) -> ArtifactSpec:
    try:
        return ARTIFACTS[name]
    except KeyError:
        raise DataError(f"unknown artifact {name!r}; artifacts are: {', '.join(ARTIFACTS)}",
                        parameter="name") from None


def read_artifact(directory: str | Path, name: str) -> Any:
    """Artifact ``name`` of an artifacts folder as the dataclass its stage wrote, or None when it was not written.

    Raises
    ------
    DataError
        The file is not JSON, or its fields are not those of its type (a
        renamed or missing field), naming the file.
    """
    spec, path = _spec(name), artifact_path(directory, name)
    if not path.exists():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise DataError(f"{path} is not valid JSON ({exc}); run the {spec.stage} stage again", path=str(path)) from None
    if isinstance(raw, dict):
        raw = {k: v for k, v in raw.items() if k not in spec.derived}
    cls = spec.type
    try:
        return cls.from_dict(raw) if "from_dict" in vars(cls) else from_jsonable(cls, raw, where=path.name)
    except (KeyError, TypeError) as exc:
        raise DataError(f"{path} does not hold a {cls.__name__} ({exc}); it was written by another version of "
                        f"mltoolkit: run the {spec.stage} stage again", path=str(path)) from None


def write_artifact(directory: str | Path, name: str, value: Any) -> Path:
    """Write ``value`` (a dataclass with ``to_dict``, or the artifact's own type) as artifact ``name``."""
    path = artifact_path(directory, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = value.to_dict() if hasattr(value, "to_dict") else to_jsonable(value)
    path.write_text(json.dumps(data, indent=2, allow_nan=False), encoding="utf-8")
    return path


def data_version(run_dir: str | Path) -> DataVersion | None:
    """The data version of a run: data collection's fingerprint, else the EDA profile's (the one fallback)."""
    art = Path(run_dir) / "artifacts"
    version = read_artifact(art, "data_fingerprint")
    if version is not None:
        return version
    profile = art / "eda_profile.json"
    if profile.exists():
        try:
            fp = json.loads(profile.read_text(encoding="utf-8")).get("fingerprint")
        except ValueError:
            return None
        if fp:
            return from_jsonable(DataVersion, {k: fp[k] for k in ("content_hash", "schema_hash", "n_rows",
                                                                   "n_columns", "short") if k in fp})
    return None
