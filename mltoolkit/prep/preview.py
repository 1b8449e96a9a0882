"""What the model will see: the first rows of the training data through the fitted preprocessing."""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pandas as pd

from mltoolkit._serialize import to_jsonable

__all__ = ["FeaturePreview", "preview_features"]


@dataclasses.dataclass(frozen=True)
class FeaturePreview:
    """A few rows of model features, one entry per feature.

    Attributes
    ----------
    features : tuple of str
        Output names, in the order the model receives them.
    parts : tuple of str
        The preprocessing part making each feature (``num``, ``cat``..., or a feature step's name).
    values : tuple of tuple of float or None
        Per feature, its value in each previewed row (None: not a finite number).
    inputs : tuple of str
        Per feature, the input column it comes from when the name says so (else "").
    added : tuple of str
        Names of the parts that are feature steps of one's own.
    n_rows : int
    """

    features: tuple[str, ...]
    parts: tuple[str, ...]
    values: tuple[tuple[float | None, ...], ...]
    inputs: tuple[str, ...]
    added: tuple[str, ...]
    n_rows: int

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)

    def to_frame(self) -> pd.DataFrame:
        """One row per feature: its part, then the previewed rows as columns ``row 1``, ``row 2``..."""
        frame = pd.DataFrame(list(self.values), index=pd.Index(self.features, name="feature"),
                             columns=[f"row {i + 1}" for i in range(self.n_rows)])
        frame.insert(0, "part", self.parts)
        return frame


def preview_features(preprocessor: Any, features: pd.DataFrame, *, n_rows: int = 5,
                     added: Sequence[str] = ()) -> FeaturePreview:
    """The first ``n_rows`` of ``features`` through a fitted preprocessing ``ColumnTransformer``.

    Parameters
    ----------
    preprocessor : ColumnTransformer
        Fitted, with pandas output and ``part__feature`` names (as :func:`~mltoolkit.prep.build_preprocessor` makes).
    features : pandas.DataFrame
        Rows with the columns it was fitted on.
    n_rows : int
    added : sequence of str
        Names of the feature steps among its parts.

    Returns
    -------
    FeaturePreview
    """
    out = preprocessor.transform(features.head(n_rows))
    out = out if isinstance(out, pd.DataFrame) else pd.DataFrame(out, columns=preprocessor.get_feature_names_out())
    names = [str(c) for c in out.columns]
    parts = [n.split("__", 1)[0] if "__" in n else "" for n in names]
    sources = [str(c) for c in features.columns]
    inputs = []
    for name in names:
        rest = name.split("__", 1)[-1].removeprefix("missingindicator_")
        # The longest input column the feature name starts with (one-hot "city_Paris" comes from "city").
        inputs.append(max((c for c in sources if rest == c or rest.startswith(f"{c}_")), key=len, default=""))
    numbers = out.apply(pd.to_numeric, errors="coerce").astype(float)
    values = tuple(tuple(to_jsonable(v) for v in numbers[c].tolist()) for c in numbers.columns)
    return FeaturePreview(features=tuple(names), parts=tuple(parts), values=values, inputs=tuple(inputs),
                          added=tuple(added), n_rows=len(out))
