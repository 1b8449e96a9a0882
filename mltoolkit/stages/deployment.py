"""Stage 07, deployment: package the evaluated model, check it for release, score a batch, read an A/B test."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from mltoolkit._serialize import to_jsonable
from mltoolkit.data import load, load_split
from mltoolkit.deploy import (
    ABResult,
    BatchResult,
    ReleaseReport,
    analyze_ab_test,
    build_package,
    load_package,
    predict_batch,
    register_model,
    release_checks,
)
from mltoolkit.framing import ProjectCard

__all__ = ["DeploymentResult", "deploy_stage"]


@dataclasses.dataclass(frozen=True)
class DeploymentResult:
    package_dir: str
    model_version: str
    release: ReleaseReport
    batch: BatchResult | None
    ab_test: ABResult | None
    registered_version: str | None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self) | {"release_passed": self.release.passed}


def deploy_stage(card: ProjectCard, *, model_path: str | Path = "models/model.skops", data_dir: str | Path = "data",
                 artifacts_dir: str | Path = "artifacts", package_dir: str | Path = "package",
                 batch_source: str | None = None, predictions_path: str | Path = "artifacts/batch_predictions.parquet",
                 keep_columns: tuple[str, ...] | None = None, experiment_log: str | None = None,
                 experiment_metric: str | None = None, minimum_effect: float | None = None,
                 traffic_share: float = 0.1, register_as: str | None = None) -> DeploymentResult:
    """Run the deployment stage; writes the package folder and ``<artifacts_dir>/deployment.json``.

    The package is rebuilt from this run's model each time the stage runs (it is
    an output of the stage, like the model file). Release checks use the
    validation split as sample traffic and the card's release limits.

    ``batch_source`` None scores the project's current data (``data.current``
    of ``mltoolkit.yml``), keeping ``keep_columns`` (None: the project's id
    columns); without current data the batch is skipped with a note. The A/B
    test is read when there is an experiment log (``experiment_log``, else
    ``data.experiment_log``); its outcome column defaults to the target's name.
    """
    package = build_package(package_dir, model_path=model_path, data_dir=data_dir, artifacts_dir=artifacts_dir,
                            overwrite=True)
    pkg = load_package(package)
    sample = load_split(data_dir, "validation").drop(columns=[card.target], errors="ignore")
    release = release_checks(pkg, sample, limits=card.release)
    notes: list[str] = []
    batch = None
    data = card.data
    batch_source = batch_source or (data.current if data else None)
    if batch_source:
        if keep_columns is None:
            keep_columns = card.id_columns
        batch = predict_batch(pkg, batch_source, predictions_path, keep_columns=tuple(keep_columns),
                              table=data.current_table if data and batch_source == data.current else None)
    else:
        notes.append("No batch was scored: the project has no current (production) data. Add it with "
                     "data.current in mltoolkit.yml (or the deployment stage's batch_source).")
    ab = None
    experiment_log = experiment_log or (data.experiment_log if data else None)
    experiment_metric = experiment_metric or (data.experiment_metric if data else None)
    if experiment_log:
        ab = analyze_ab_test(load(experiment_log), metric=experiment_metric or card.target,
                             minimum_effect=minimum_effect, traffic_share=traffic_share)
    registered = None
    if register_as and pkg.manifest.get("mlflow_run_id"):
        registered = register_model(pkg.manifest["mlflow_run_id"], register_as, alias="staging")
    result = DeploymentResult(package_dir=str(package), model_version=pkg.version, release=release, batch=batch,
                              ab_test=ab, registered_version=registered, notes=tuple(notes))
    art = Path(artifacts_dir)
    art.mkdir(parents=True, exist_ok=True)
    (art / "deployment.json").write_text(json.dumps(result.to_dict(), indent=2), encoding="utf-8")
    return result
