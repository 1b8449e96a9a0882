"""Stage 07, deployment: package the evaluated model, check it for release, score a batch, read an A/B test.

The stage is steps, each one cell of ``07_deployment.ipynb``: :func:`package_model`
(build and verify the package), :func:`check_release` (size, latency and
throughput against the card's limits), a sample request and the package's
answer (:func:`~mltoolkit.stages.deployment_request.sample_request`, shown only),
:func:`score_batch`, :func:`read_ab_test` and :func:`finish_deployment` (the
MLflow registry and ``deployment.json``). :func:`deploy_stage` runs them in one
call.
"""
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
    ModelPackage,
    ReleaseReport,
    analyze_ab_test,
    build_package,
    load_package,
    predict_batch,
    register_model,
    release_checks,
)
from mltoolkit.framing import ProjectCard

__all__ = ["DeploymentResult", "deploy_stage", "package_model", "check_release", "score_batch", "read_ab_test",
           "finish_deployment", "NO_BATCH_NOTE"]

#: Why no batch was scored, in :attr:`DeploymentResult.notes` (and shown where the batch would be).
NO_BATCH_NOTE = ("No batch was scored: the project has no current (production) data. Add it with "
                 "data.current in mltoolkit.yml (or the deployment stage's batch_source).")


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


def package_model(*, model_path: str | Path = "models/model.skops", data_dir: str | Path = "data",
                  artifacts_dir: str | Path = "artifacts", package_dir: str | Path = "package") -> ModelPackage:
    """Build the model package (rebuilt from this run's model each time) and load it back, verified.

    See :func:`~mltoolkit.deploy.build_package` for what goes in (the model,
    its input schema from the training split, outputs, model card and
    evaluation from ``artifacts_dir``, checksums) and
    :func:`~mltoolkit.deploy.load_package` for the checks on loading.

    Raises
    ------
    ModelPackageError
        An input is missing, or the package does not verify.
    """
    package = build_package(package_dir, model_path=model_path, data_dir=data_dir, artifacts_dir=artifacts_dir,
                            overwrite=True)
    return load_package(package)


def check_release(card: ProjectCard, package: ModelPackage, *, data_dir: str | Path = "data") -> ReleaseReport:
    """Package size, single-row latency and batch throughput against the card's release limits.

    The validation split (target removed) stands in for production traffic;
    see :func:`~mltoolkit.deploy.release_checks`.
    """
    sample = load_split(data_dir, "validation").drop(columns=[card.target], errors="ignore")
    return release_checks(package, sample, limits=card.release)


def score_batch(card: ProjectCard, package: ModelPackage, *, batch_source: str | None = None,
                predictions_path: str | Path = "artifacts/batch_predictions.parquet",
                keep_columns: tuple[str, ...] | None = None) -> BatchResult | None:
    """Score a batch with the package; None (nothing scored, see :data:`NO_BATCH_NOTE`) without a source.

    ``batch_source`` None scores the project's current data (``data.current``
    of ``mltoolkit.yml``), keeping ``keep_columns`` (None: the project's id
    columns) beside the predictions in ``predictions_path``; see
    :func:`~mltoolkit.deploy.predict_batch`.
    """
    data = card.data
    batch_source = batch_source or (data.current if data else None)
    if not batch_source:
        return None
    if keep_columns is None:
        keep_columns = card.id_columns
    return predict_batch(package, batch_source, predictions_path, keep_columns=tuple(keep_columns),
                         table=data.current_table if data and batch_source == data.current else None)


def read_ab_test(card: ProjectCard, *, experiment_log: str | None = None, experiment_metric: str | None = None,
                 minimum_effect: float | None = None, traffic_share: float = 0.1) -> ABResult | None:
    """Read the A/B test of the model in production; None when there is no experiment log.

    ``experiment_log`` None reads ``data.experiment_log`` of ``mltoolkit.yml``;
    the outcome column is ``experiment_metric``, else ``data.experiment_metric``,
    else the target's name. See :func:`~mltoolkit.deploy.analyze_ab_test`.
    """
    data = card.data
    experiment_log = experiment_log or (data.experiment_log if data else None)
    experiment_metric = experiment_metric or (data.experiment_metric if data else None)
    if not experiment_log:
        return None
    return analyze_ab_test(load(experiment_log), metric=experiment_metric or card.target,
                           minimum_effect=minimum_effect, traffic_share=traffic_share)


def finish_deployment(package: ModelPackage, release: ReleaseReport, *, batch: BatchResult | None = None,
                      ab_test: ABResult | None = None, register_as: str | None = None,
                      artifacts_dir: str | Path = "artifacts") -> DeploymentResult:
    """Register the model in MLflow when asked, and write ``<artifacts_dir>/deployment.json``.

    ``register_as`` names the registered model (alias ``staging``); it is
    registered only when the model was tracked in MLflow (the package names
    its run). ``batch`` None adds :data:`NO_BATCH_NOTE` to the notes.
    """
    registered = None
    if register_as and package.manifest.get("mlflow_run_id"):
        registered = register_model(package.manifest["mlflow_run_id"], register_as, alias="staging")
    result = DeploymentResult(package_dir=str(package.directory), model_version=package.version, release=release,
                              batch=batch, ab_test=ab_test, registered_version=registered,
                              notes=(NO_BATCH_NOTE,) if batch is None else ())
    art = Path(artifacts_dir)
    art.mkdir(parents=True, exist_ok=True)
    (art / "deployment.json").write_text(json.dumps(result.to_dict(), indent=2), encoding="utf-8")
    return result


def deploy_stage(card: ProjectCard, *, model_path: str | Path = "models/model.skops", data_dir: str | Path = "data",
                 artifacts_dir: str | Path = "artifacts", package_dir: str | Path = "package",
                 batch_source: str | None = None, predictions_path: str | Path = "artifacts/batch_predictions.parquet",
                 keep_columns: tuple[str, ...] | None = None, experiment_log: str | None = None,
                 experiment_metric: str | None = None, minimum_effect: float | None = None,
                 traffic_share: float = 0.1, register_as: str | None = None) -> DeploymentResult:
    """Run the deployment stage; writes the package folder and ``<artifacts_dir>/deployment.json``.

    The steps in one call: :func:`package_model`, :func:`check_release`,
    :func:`score_batch`, :func:`read_ab_test` and :func:`finish_deployment`
    (see them for what is read, written and refused).

    The package is rebuilt from this run's model each time the stage runs (it is
    an output of the stage, like the model file). Release checks use the
    validation split as sample traffic and the card's release limits.

    ``batch_source`` None scores the project's current data (``data.current``
    of ``mltoolkit.yml``), keeping ``keep_columns`` (None: the project's id
    columns); without current data the batch is skipped with a note. The A/B
    test is read when there is an experiment log (``experiment_log``, else
    ``data.experiment_log``); its outcome column defaults to the target's name.
    """
    package = package_model(model_path=model_path, data_dir=data_dir, artifacts_dir=artifacts_dir,
                            package_dir=package_dir)
    release = check_release(card, package, data_dir=data_dir)
    batch = score_batch(card, package, batch_source=batch_source, predictions_path=predictions_path,
                        keep_columns=keep_columns)
    ab = read_ab_test(card, experiment_log=experiment_log, experiment_metric=experiment_metric,
                      minimum_effect=minimum_effect, traffic_share=traffic_share)
    return finish_deployment(package, release, batch=batch, ab_test=ab, register_as=register_as,
                             artifacts_dir=artifacts_dir)
