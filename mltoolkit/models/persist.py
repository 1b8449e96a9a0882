"""Saving and loading models safely: skops files, a JSON sidecar, a checksum.

skops loads only types it is told to trust (no arbitrary code from a pickle).
mltoolkit trusts scikit-learn's own types, numpy dtypes and its own transformers;
anything else in a file is refused with the list of types, so a tampered or
foreign file cannot run code on load.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mltoolkit._serialize import to_jsonable
from mltoolkit.errors import ModelPackageError

__all__ = ["TRUSTED_TYPES", "save_model", "load_model", "read_model_info", "file_sha256"]

#: Types beyond skops' defaults that mltoolkit models contain and may be loaded.
TRUSTED_TYPES = (
    "mltoolkit.prep.transformers.BooleanEncoder",
    "mltoolkit.prep.transformers.CategoryCleaner",
    "mltoolkit.prep.transformers.DatetimeFeatures",
    "mltoolkit.prep.transformers.GroupMeans",
    "numpy.dtype",
    # A fitted SplineTransformer (a feature step of one's own) holds scipy B-splines.
    "scipy._lib.array_api_compat.numpy._aliases.asarray",
    "scipy.interpolate._bsplines.BSpline",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.tree._tree.Tree",
)


def _skops() -> Any:
    """``skops.io``, imported on first use.

    Importing it scans every scikit-learn estimator to build skops' list of
    trusted types (a second or more, with scikit-learn's optional shims): the
    scan then happens once per process, and only in processes that save or
    load a model, not in every stage that imports ``mltoolkit``.
    """
    import skops.io

    return skops.io


def file_sha256(path: str | Path) -> str:
    """SHA-256 hex digest of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _info_path(path: Path) -> Path:
    return path.with_suffix(".json")


def save_model(model: Any, path: str | Path, info: Mapping[str, Any] | None = None, *,
               overwrite: bool = True) -> Path:
    """Write ``model`` to ``path`` (``.skops``) and its description to the ``.json`` beside it.

    Parameters
    ----------
    model : estimator
        A fitted scikit-learn estimator or pipeline.
    path : path
        Target file, ending in ``.skops``.
    info : mapping, optional
        What to record with it (features, target, metrics, data fingerprint...);
        the file's SHA-256 is added as ``sha256``.
    overwrite : bool
        Refuse to replace an existing file when False.

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    if path.suffix != ".skops":
        raise ModelPackageError(f"model files end in .skops, got {path.name}", path=str(path))
    if path.exists() and not overwrite:
        raise ModelPackageError(f"{path} exists; pass overwrite=True to replace it", path=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    _skops().dump(model, path)
    record = {**to_jsonable(dict(info or {})), "file": path.name, "sha256": file_sha256(path)}
    _info_path(path).write_text(json.dumps(record, indent=2), encoding="utf-8")
    return path


def read_model_info(path: str | Path) -> dict[str, Any]:
    """The JSON sidecar of a model saved by :func:`save_model`."""
    info = _info_path(Path(path))
    if not info.exists():
        raise ModelPackageError(f"{info} is missing: the model at {path} was not saved by mltoolkit "
                                "(or the .json beside it was deleted); save it with save_model", path=str(info))
    try:
        return json.loads(info.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ModelPackageError(f"{info} is not valid JSON ({exc}); re-save the model", path=str(info)) from None


def load_model(path: str | Path, *, verify: bool = True) -> Any:
    """Load a model saved by :func:`save_model`, checking its checksum and its types.

    Raises
    ------
    ModelPackageError
        Missing file, checksum mismatch (the file changed since it was saved) or
        types mltoolkit does not trust.
    """
    path = Path(path)
    if not path.exists():
        raise ModelPackageError(f"model file {path} does not exist; run the training stage (05_training) "
                                "first, or pass model_path", path=str(path))
    if verify:
        expected = read_model_info(path).get("sha256")
        actual = file_sha256(path)
        if expected != actual:
            raise ModelPackageError(f"{path} has changed since it was saved (checksum {actual[:12]} != "
                                    f"{str(expected)[:12]}); it may be corrupt or tampered with: re-train or "
                                    "restore it", path=str(path))
    try:
        untrusted = _skops().get_untrusted_types(file=path)
    except Exception as exc:  # noqa: BLE001 - skops raises various errors on garbage files
        raise ModelPackageError(f"{path} is not a readable skops model file ({exc})", path=str(path)) from None
    unknown = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if unknown:
        raise ModelPackageError(f"{path} contains types mltoolkit does not trust: {unknown}; it was not written "
                                "by mltoolkit, or was altered. Load it yourself with skops if you trust its source",
                                path=str(path))
    return _skops().load(path, trusted=list(untrusted))
