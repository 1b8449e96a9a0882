"""The target as models see it: binary targets become 0/1 with the positive class as 1."""
from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from mltoolkit._serialize import to_jsonable

__all__ = ["TargetEncoding", "encode_target"]


@dataclasses.dataclass(frozen=True)
class TargetEncoding:
    """How target labels map to what the model predicts.

    Attributes
    ----------
    kind : str
        ``binary``, ``multiclass`` or ``regression``.
    positive_label : str or None
        The label encoded as 1 (binary only), as text.
    labels : tuple of str
        All labels as text (classification only).
    """

    kind: str
    positive_label: str | None = None
    labels: tuple[str, ...] = ()

    def transform(self, y: Any) -> np.ndarray:
        s = pd.Series(y)
        if self.kind == "binary":
            return (s.astype("string") == self.positive_label).to_numpy(dtype=int)
        if self.kind == "multiclass":
            return s.astype("string").to_numpy(dtype=object)
        return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def _label_text(value: Any) -> str:
    return str(pd.Series([value]).astype("string").iloc[0])


def encode_target(y: Any, kind: str, positive_class: Any = None) -> TargetEncoding:
    """Decide the encoding of target ``y`` for task ``kind``.

    The positive class of a binary target defaults to the larger label (1 over 0,
    True over False, the later string alphabetically), as scikit-learn does.
    """
    s = pd.Series(y).dropna()
    if kind == "regression":
        return TargetEncoding("regression")
    uniques = s.unique()
    try:
        ordered = sorted(uniques)
    except TypeError:
        ordered = sorted(uniques, key=str)
    labels = tuple(_label_text(v) for v in ordered)
    if kind == "binary":
        positive = _label_text(positive_class) if positive_class is not None else labels[-1]
        return TargetEncoding("binary", positive, labels)
    return TargetEncoding("multiclass", None, labels)
