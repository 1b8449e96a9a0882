"""Model packages: a directory with the model, its input schema, outputs, model card and checksums.

``package.json`` (the manifest) lists every file with its SHA-256. Loading checks
the package as a whole before anything is scored: the manifest against its
schema, every listed file inside the folder and unchanged, no file that is not
listed, the model through skops' trusted-type check, and the model's own
columns (``feature_names_in_``) and classes (``classes_``) against
``input_schema.json`` and ``model.json``, then scores a few probe rows. Any
mismatch is one :class:`~mltoolkit.errors.ModelPackageError`, so a server never
starts with a package it cannot score.

Checksums catch accidents (a truncated copy, an edited file, a model from
another package); anyone who can write the folder can also rewrite them. For a
package that crosses hands you do not trust, set :data:`KEY_ENV` to a secret
when building and when loading: the manifest then carries an HMAC-SHA256 of
itself, and loading refuses a package whose signature is missing or wrong.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import hmac
import json
import os
import re
import shutil
from collections.abc import Mapping
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

__all__ = ["ModelPackage", "build_package", "load_package", "KEY_ENV"]

_MANIFEST = "package.json"
#: Environment variable with the secret that signs package manifests (HMAC-SHA256) at build and checks them at load.
KEY_ENV = "MLTOOLKIT_PACKAGE_KEY"
_SIGNATURE_ALGORITHM = "hmac-sha256"
#: Files every package has; the model's checks read them.
_REQUIRED_FILES = ("model.skops", "model.json", "input_schema.json", "output.json")
_NONE = type(None)
#: The schema of package.json: each key with the JSON types it may hold and whether it must be present.
_MANIFEST_KEYS: dict[str, tuple[tuple[type, ...], bool]] = {
    "mltoolkit_version": ((str,), True),
    "target": ((str, _NONE), True),
    "task": ((str, _NONE), True),
    "decision_threshold": ((int, float, _NONE), True),
    "mlflow_run_id": ((str, _NONE), True),
    "data_fingerprint": ((str, _NONE), True),
    "files": ((dict,), True),
    "signature": ((dict,), False),
}
_SHA256 = re.compile(r"[0-9a-f]{64}")
_JSON_TYPE_NAMES = {str: "text", dict: "an object", int: "a number", float: "a number", _NONE: "null"}
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
    data), and writes ``package.json`` with checksums, signed with the key in
    the environment variable :data:`KEY_ENV` when it is set.

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
    art = Path(artifacts_dir)
    decided = read_artifact(art, "schema")  # the schema data collection decided, when the run has one
    schema = infer_input_schema(train, info["features"],
                                identifiers=decided.of_kind("identifier") if decided is not None else None)
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
    manifest: dict[str, Any] = {
        "mltoolkit_version": __version__, "target": info.get("target"), "task": info.get("task"),
        "decision_threshold": verdict.decision_threshold if verdict is not None else None,
        "mlflow_run_id": info.get("mlflow_run_id"), "data_fingerprint": info.get("data_fingerprint"), "files": files}
    key = _signing_key()
    if key is not None:
        manifest["signature"] = {"algorithm": _SIGNATURE_ALGORITHM, "value": _manifest_signature(manifest, key)}
    (tmp / _MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    return out


def _signing_key() -> bytes | None:
    """The manifest signing key from :data:`KEY_ENV`, or None when it is not set."""
    key = os.environ.get(KEY_ENV)
    if key is None:
        return None
    if not key.strip():
        raise ModelPackageError(f"{KEY_ENV} is set but empty; set it to a long random secret to sign and check "
                                "model packages, or unset it", parameter=KEY_ENV)
    return key.encode("utf-8")


def _manifest_signature(manifest: Mapping[str, Any], key: bytes) -> str:
    """HMAC-SHA256 of the manifest without its signature, over its canonical JSON (sorted keys, no spaces)."""
    unsigned = {k: v for k, v in manifest.items() if k != "signature"}
    text = json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hmac.new(key, text.encode("ascii"), hashlib.sha256).hexdigest()


def _refuse(path: Path, what: str) -> ModelPackageError:
    return ModelPackageError(f"{path}: {what}", path=str(path))


def _read_manifest(path: Path) -> dict[str, Any]:
    """``package.json`` parsed and checked against :data:`_MANIFEST_KEYS`; one-line errors naming the key."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise _refuse(path, f"not valid JSON ({exc}); rebuild the package") from None
    if not isinstance(manifest, dict):
        raise _refuse(path, f"must hold a JSON object, not {type(manifest).__name__}; rebuild the package")
    for key, (types, required) in _MANIFEST_KEYS.items():
        if key not in manifest:
            if required:
                raise _refuse(path, f"key '{key}' is missing; rebuild the package")
            continue
        value = manifest[key]
        if isinstance(value, bool) or not isinstance(value, types):
            names = " or ".join(dict.fromkeys(_JSON_TYPE_NAMES[t] for t in types))
            raise _refuse(path, f"key '{key}' must be {names}, got {type(value).__name__}; rebuild the package")
    unknown = sorted(set(manifest) - set(_MANIFEST_KEYS))
    if unknown:
        raise _refuse(path, f"unknown key(s) {unknown} (written by a newer mltoolkit?); rebuild the package with "
                            f"mltoolkit {__version__}")
    threshold = manifest["decision_threshold"]
    if threshold is not None and not 0 <= threshold <= 1:
        raise _refuse(path, f"key 'decision_threshold' must be between 0 and 1, got {threshold}; rebuild the package")
    files = manifest["files"]
    for name, digest in files.items():
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            raise _refuse(path, f"key 'files' has no SHA-256 (64 hex digits) for {name!r}; rebuild the package")
        if name in (".", "..", _MANIFEST) or name != Path(name).name or "\\" in name or ":" in name:
            raise _refuse(path, f"key 'files' lists {name!r}, which is not a file inside the package folder; "
                                "rebuild the package")
    lacking = [n for n in _REQUIRED_FILES if n not in files]
    if lacking:
        raise _refuse(path, f"key 'files' lacks {lacking}, which every package has; rebuild the package")
    signature = manifest.get("signature")
    if signature is not None and (set(signature) != {"algorithm", "value"}
                                  or signature["algorithm"] != _SIGNATURE_ALGORITHM
                                  or not isinstance(signature["value"], str)):
        raise _refuse(path, f"key 'signature' must be {{\"algorithm\": \"{_SIGNATURE_ALGORITHM}\", \"value\": "
                            "hex digits}; rebuild the package")
    return manifest


def _check_signature(path: Path, manifest: Mapping[str, Any]) -> None:
    """With :data:`KEY_ENV` set, refuse a manifest that is not signed with that key."""
    key = _signing_key()
    if key is None:
        return
    signature = manifest.get("signature")
    if signature is None:
        raise _refuse(path, f"not signed, and {KEY_ENV} is set, so only signed packages load; rebuild the package "
                            f"with {KEY_ENV} set to the same key")
    if not hmac.compare_digest(str(signature["value"]), _manifest_signature(manifest, key)):
        raise _refuse(path, f"signature does not match the key in {KEY_ENV}: the package was altered after it was "
                            "built, or signed with another key; rebuild it, or load it with the key it was built with")


def _check_files(d: Path, manifest: Mapping[str, Any]) -> None:
    """Every listed file inside ``d`` and unchanged; no file in ``d`` that the manifest does not list."""
    root = d.resolve()
    for name, digest in manifest["files"].items():
        path = d / name
        if not path.is_file():
            raise ModelPackageError(f"package file {path} is missing; rebuild the package", path=str(path))
        if path.resolve().parent != root:  # a symbolic link out of the folder
            raise ModelPackageError(f"package file {path} points outside the package folder ({path.resolve()}); "
                                    "copy the file into the package and rebuild it", path=str(path))
        if file_sha256(path) != digest:
            raise ModelPackageError(f"package file {path} has changed since the package was built (checksum "
                                    "mismatch); it may be corrupt or tampered with: rebuild the package",
                                    path=str(path))
    unlisted = sorted(p.name for p in d.iterdir() if p.name != _MANIFEST and p.name not in manifest["files"])
    if unlisted:
        raise ModelPackageError(f"package folder {d} holds {unlisted}, not listed in {_MANIFEST}; remove them or "
                                "rebuild the package (a package is exactly what was built)", path=str(d))


def _read_json_file(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, RecursionError) as exc:
        raise _refuse(path, f"not valid JSON ({exc}); rebuild the package") from None


def _read_info(path: Path) -> dict[str, Any]:
    """``model.json``, with the keys scoring reads checked: features and the target's encoding."""
    info = _read_json_file(path)
    if not isinstance(info, dict):
        raise _refuse(path, "must hold a JSON object; rebuild the package")
    features = info.get("features")
    if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
        raise _refuse(path, "key 'features' must be a list of column names; rebuild the package")
    enc = info.get("encoding")
    kinds = ("binary", "multiclass", "regression")
    if not isinstance(enc, dict) or enc.get("kind") not in kinds:
        raise _refuse(path, f"key 'encoding' must be an object whose 'kind' is one of {', '.join(kinds)}; "
                            "rebuild the package")
    if enc["kind"] != "regression":
        labels = enc.get("labels")
        if not isinstance(labels, list) or len(labels) < 2 or not all(isinstance(v, str) for v in labels):
            raise _refuse(path, "key 'encoding.labels' must list the classes (two or more, as text); "
                                "rebuild the package")
        if enc["kind"] == "binary" and (len(labels) != 2 or enc.get("positive_label") not in labels):
            raise _refuse(path, "key 'encoding' of a binary model needs two labels and a 'positive_label' among "
                                "them; rebuild the package")
    return info


def _read_schema(path: Path) -> InputSchema:
    data = _read_json_file(path)
    try:
        return InputSchema.from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _refuse(path, f"not an input schema ({type(exc).__name__}: {exc}); rebuild the package") from None


def _model_classes(model: Any) -> list[str] | None:
    classes = getattr(model, "classes_", None)
    return None if classes is None else [str(c) for c in classes]


def _check_model(d: Path, model: Any, info: Mapping[str, Any], schema: InputSchema) -> None:
    """The model's own columns and classes against ``input_schema.json`` and ``model.json``, then probe rows scored.

    A model swapped for another (with checksums rewritten to match) is refused
    here, in one line, instead of failing every request once it is served.
    """
    model_path = d / "model.skops"
    fitted = getattr(model, "feature_names_in_", None)
    if fitted is None:
        raise _refuse(model_path, "the model does not record the columns it was fitted on (feature_names_in_); "
                                  "mltoolkit models are fitted on named columns: rebuild the package from a model "
                                  "trained by mltoolkit")
    fitted = [str(c) for c in fitted]
    for other, names in (("input_schema.json", schema.names), ("model.json 'features'", list(info["features"]))):
        if fitted != names:
            lacking = [c for c in fitted if c not in names]
            extra = [c for c in names if c not in fitted]
            why = (f"{other} lacks {lacking[:5]}" if lacking else f"{other} also lists {extra[:5]}" if extra
                   else "the same columns in another order")
            raise _refuse(model_path, f"the model was fitted on {len(fitted)} columns that do not match {other} "
                                      f"({why}); the model and its description come from different trainings: "
                                      "rebuild the package")
    enc = info["encoding"]
    classes = _model_classes(model)
    if enc["kind"] == "regression":
        if classes is not None:
            raise _refuse(model_path, f"the model is a classifier (classes {classes[:5]}) but model.json describes a "
                                      "regression; rebuild the package")
    else:
        # Binary models are fitted on the encoded target: 0 for the other label, 1 for the positive one.
        expected = ["0", "1"] if enc["kind"] == "binary" else sorted(enc["labels"])
        if classes is None or not hasattr(model, "predict_proba") or sorted(classes) != expected:
            raise _refuse(model_path, f"the model's classes {classes} do not match model.json ({enc['kind']}, "
                                      f"expects {expected}); rebuild the package")
    method = "predict" if enc["kind"] == "regression" else "predict_proba"
    try:
        probes, _ = check_records(schema, probe_records(schema), source="the probe rows")
        out = np.asarray(getattr(model, method)(frame_from_columns(schema, probes)))
    except Exception as exc:  # noqa: BLE001 - whatever it is, this model cannot serve its own schema
        raise _refuse(model_path, f"the model cannot score rows that fit input_schema.json ({type(exc).__name__}: "
                                  f"{str(exc)[:200]}); rebuild the package") from None
    n = len(next(iter(probes.values())))
    shape = (n,) if method == "predict" else (n, len(classes or ()))
    if out.shape != shape:
        raise _refuse(model_path, f"{method} on {n} probe rows gave shape {out.shape}, not {shape}; rebuild the "
                                  "package")


def load_package(directory: str | Path) -> ModelPackage:
    """Load and verify a package written by :func:`build_package`.

    Checks, in order: ``package.json`` against its schema (and its signature
    when :data:`KEY_ENV` is set); every listed file inside the folder and
    unchanged, and nothing unlisted beside them; the model's types (skops);
    ``model.json`` and ``input_schema.json``; the model's fitted columns and
    classes against them; and a few probe rows scored.

    Parameters
    ----------
    directory : path
        The package folder.

    Returns
    -------
    ModelPackage

    Raises
    ------
    ModelPackageError
        Any check failed; the one-line message names the file (and key) and
        says what to do.

    Examples
    --------
    >>> load_package("no-such-folder")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mltoolkit.errors.ModelPackageError: no-such-folder is not a model package (no package.json); ...
    """
    d = Path(directory)
    manifest_path = d / _MANIFEST
    if not manifest_path.is_file():
        raise ModelPackageError(f"{d} is not a model package (no {_MANIFEST}); build one with the deployment "
                                "stage (07_deployment) or mltoolkit.deploy.build_package", path=str(d))
    manifest = _read_manifest(manifest_path)
    _check_signature(manifest_path, manifest)
    _check_files(d, manifest)
    model = load_model(d / "model.skops")
    info = _read_info(d / "model.json")
    schema = _read_schema(d / "input_schema.json")
    _check_model(d, model, info, schema)
    return ModelPackage(directory=d, model=model, info=info, schema=schema, manifest=manifest)
