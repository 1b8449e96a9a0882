"""Model packages: a directory with the model, its input schema, outputs, model card and checksums.

``package.json`` lists every file with its SHA-256; loading verifies them and
loads the model with skops' trusted-type check, so a tampered package is refused.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mltoolkit import __version__
from mltoolkit.artifacts import read_artifact
from mltoolkit.data import load_split
from mltoolkit.deploy.input_schema import InputSchema, infer_input_schema, probe_records
from mltoolkit.deploy.records import check_records, frame_from_columns
from mltoolkit.deploy.row_path import RowPath, Rows, build_row_path
from mltoolkit.errors import ModelPackageError
from mltoolkit.models import file_sha256, load_model, read_model_info

__all__ = ["ModelPackage", "build_package", "load_package"]

_MANIFEST = "package.json"
#: Requests up to this many rows take the small-request path of :meth:`ModelPackage.score` (same predictions).
SMALL_REQUEST_ROWS = 100


@dataclasses.dataclass
class ModelPackage:
    """A loaded, verified model package."""

    directory: Path
    model: Any
    info: dict[str, Any]
    schema: InputSchema
    manifest: dict[str, Any]

    @property
    def version(self) -> str:
        """Short id of the model file (first 12 hex digits of its SHA-256)."""
        return str(self.manifest["files"]["model.skops"])[:12]

    @property
    def task_kind(self) -> str:
        return str(self.info["encoding"]["kind"])

    def predict_frame(self, frame: pd.DataFrame, *, source: str = "the input",
                      odd_values: str = "refuse") -> tuple[pd.DataFrame, Any]:
        """Check ``frame`` against the schema and score it; returns predictions and the check outcome.

        ``odd_values`` says what to do with values outside the plausible range
        and unseen categories (see :meth:`InputSchema.check`).
        """
        X, outcome = self.schema.check(frame, source=source, odd_values=odd_values)
        return self.score(X), outcome

    @functools.cached_property
    def row_path(self) -> tuple[RowPath | None, str]:
        """The array path for small requests (see :mod:`mltoolkit.deploy.row_path`), or None, and why.

        Built on first use and checked against the saved pipeline on probe rows
        made from the input schema (typical, extreme, missing and unseen values);
        any difference and small requests go through the saved pipeline as it is.
        """
        path, reason = build_row_path(self.model)
        if path is None:
            return None, reason
        method = "predict" if self.task_kind == "regression" else "predict_proba"
        try:
            probes, _ = check_records(self.schema, probe_records(self.schema), source="the probe rows")
            fast = path.predict(probes, method)
            full = getattr(self.model, method)(frame_from_columns(self.schema, probes))
        except Exception as exc:  # noqa: BLE001 - any failure means: use the saved pipeline
            return None, f"the array path failed on probe rows ({type(exc).__name__}: {exc})"
        if fast.shape != full.shape or not np.allclose(fast, full, rtol=1e-9, atol=1e-12):
            return None, "the array path disagreed with the saved pipeline on probe rows"
        return path, reason

    def _predict(self, X: Rows, n_rows: int, method: str) -> np.ndarray:
        path = self.row_path[0] if n_rows <= SMALL_REQUEST_ROWS else None
        if path is not None:
            return path.predict(X, method)
        frame = X if isinstance(X, pd.DataFrame) else frame_from_columns(self.schema, X)
        return getattr(self.model, method)(frame)

    def score(self, X: Rows) -> pd.DataFrame:
        """Predictions for checked rows: ``prediction`` (and ``score``).

        ``X`` is a frame from ``schema.check`` or the columns from
        :func:`~mltoolkit.deploy.records.check_records` (an online request).
        """
        index = X.index if isinstance(X, pd.DataFrame) else pd.RangeIndex(len(next(iter(X.values()))))
        enc = self.info["encoding"]
        if enc["kind"] == "binary":
            proba = self._predict(X, len(index), "predict_proba")[:, 1]
            threshold = float(self.manifest.get("decision_threshold") or 0.5)
            negative = next((lab for lab in enc["labels"] if lab != enc["positive_label"]), "0")
            return pd.DataFrame({"score": proba, "prediction": np.where(proba >= threshold, enc["positive_label"],
                                                                          negative)}, index=index)
        if enc["kind"] == "multiclass":
            proba = self._predict(X, len(index), "predict_proba")
            classes = np.array([str(c) for c in self.model.classes_], dtype=object)
            return pd.DataFrame({"prediction": classes[proba.argmax(axis=1)], "score": proba.max(axis=1)}, index=index)
        return pd.DataFrame({"prediction": self._predict(X, len(index), "predict")}, index=index)


def build_package(out_dir: str | Path, *, model_path: str | Path = "models/model.skops", data_dir: str | Path = "data",
                  artifacts_dir: str | Path = "artifacts", overwrite: bool = False) -> Path:
    """Assemble a model package directory from a trained and evaluated model.

    Copies the model and its description, derives the input schema from the
    training split, adds the model card and evaluation (with the decision
    threshold chosen there) and the training data's reference profile
    (``reference.json`` beside the model, for monitoring without the raw
    data), and writes ``package.json`` with checksums.

    Raises
    ------
    ModelPackageError
        The folder exists (and ``overwrite`` is False) or an input is missing.
    """
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise ModelPackageError(f"{out} exists and is not empty; choose another folder or pass overwrite=True",
                                path=str(out))
    model = load_model(model_path)  # verifies checksum and types before anything is copied
    del model
    info = read_model_info(model_path)
    train = load_split(data_dir, "train")
    schema = infer_input_schema(train, info["features"])
    art = Path(artifacts_dir)
    verdict = read_artifact(art, "evaluation")
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    shutil.copyfile(model_path, tmp / "model.skops")
    (tmp / "model.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    (tmp / "input_schema.json").write_text(json.dumps(schema.to_dict(), indent=2), encoding="utf-8")
    outputs = {"binary": {"score": "probability of the positive class", "prediction": "label at the decision threshold"},
               "multiclass": {"score": "probability of the predicted class", "prediction": "most probable class"},
               "regression": {"prediction": "predicted value"}}[info["encoding"]["kind"]]
    (tmp / "output.json").write_text(json.dumps(outputs, indent=2), encoding="utf-8")
    for name in ("model_card.md", "model_card.json", "evaluation.json", "data_fingerprint.json"):
        if (art / name).exists():
            shutil.copyfile(art / name, tmp / name)
    reference = Path(model_path).parent / "reference.json"  # written by the training stage
    if reference.exists():
        shutil.copyfile(reference, tmp / "reference.json")
    files = {p.name: file_sha256(p) for p in sorted(tmp.iterdir())}
    manifest = {"mltoolkit_version": __version__, "target": info.get("target"), "task": info.get("task"),
                "decision_threshold": verdict.decision_threshold if verdict is not None else None, "mlflow_run_id": info.get("mlflow_run_id"),
                "data_fingerprint": info.get("data_fingerprint"), "files": files}
    (tmp / _MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    return out


def load_package(directory: str | Path) -> ModelPackage:
    """Load and verify a package written by :func:`build_package`.

    Raises
    ------
    ModelPackageError
        Missing manifest or files, a file whose checksum changed, or model types
        mltoolkit does not trust.
    """
    d = Path(directory)
    manifest_path = d / _MANIFEST
    if not manifest_path.exists():
        raise ModelPackageError(f"{d} is not a model package (no {_MANIFEST}); build one with the deployment "
                                "stage (07_deployment) or mltoolkit.deploy.build_package", path=str(d))
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for name, digest in manifest["files"].items():
        path = d / name
        if not path.exists():
            raise ModelPackageError(f"package file {path} is missing; rebuild the package", path=str(path))
        if file_sha256(path) != digest:
            raise ModelPackageError(f"package file {path} has changed since the package was built (checksum "
                                    "mismatch); it may be corrupt or tampered with: rebuild the package",
                                    path=str(path))
    model = load_model(d / "model.skops")
    info = json.loads((d / "model.json").read_text(encoding="utf-8"))
    schema = InputSchema.from_dict(json.loads((d / "input_schema.json").read_text(encoding="utf-8")))
    return ModelPackage(directory=d, model=model, info=info, schema=schema, manifest=manifest)
