"""Target analysis: class balance or distribution, and each feature's association with the target."""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from mltoolkit.eda.column_stats import as_float_array, numeric_stats
from mltoolkit.eda.correlation import cramers_v_matrix
from mltoolkit.eda.numeric_block import NumericBlock, profile_numeric_block
from mltoolkit.eda.result import CategoryCount, FeatureAssociation, TargetAnalysis
from mltoolkit.errors import DataError

__all__ = ["target_task", "analyze_target", "check_target_present"]

_MAX_CLASSES = 20


def check_target_present(target: str, n_present: int, n_rows: int) -> None:
    """Refuse a target column without a single value: nothing can be analysed against it.

    Raises
    ------
    DataError
        ``n_present`` is 0 (with ``column`` and ``parameter="target"``).
    """
    if n_rows and n_present == 0:
        raise DataError(f"target column {target!r} is entirely missing ({n_rows:,} of {n_rows:,} rows); "
                        "fill it in, pass another target, or leave the target out to profile the features alone",
                        column=target, parameter="target")


def target_task(s: pd.Series, kind: str) -> str:
    """``"classification"`` for boolean/categorical or few-valued integer targets, else ``"regression"``."""
    if kind in ("boolean", "categorical"):
        return "classification"
    if pd.api.types.is_integer_dtype(s.dtype) and s.nunique() <= _MAX_CLASSES:
        return "classification"
    return "regression"


def analyze_target(
    df: pd.DataFrame,
    target: str,
    kinds: dict[str, str],
    codes: dict[str, tuple[np.ndarray, pd.Index]],
    bins: int = 30,
    *,
    block: NumericBlock | None = None,
    known: Mapping[str, tuple[str, float]] | None = None,
) -> TargetAnalysis:
    """Balance of the target and the association of every other usable column with it.

    Measures: Cramér's V for categorical/boolean features against a
    classification target; the correlation ratio η for numeric features against
    a classification target and for categorical features against a regression
    target; |Pearson r| for numeric features against a regression target.

    ``block`` holds numeric columns already centred (as
    :func:`mltoolkit.eda.profiling.profile` builds it), reused when it has
    every numeric feature. ``known`` maps features to ``(method, value)``
    already measured against this target the same way (by the correlations),
    which are then not computed again.
    """
    y = df[target]
    task = target_task(y, kinds[target])
    known = dict(known or {})
    numeric = [c for c, k in kinds.items() if k == "numeric" and c != target]
    categorical = [c for c, k in kinds.items() if k in ("categorical", "boolean") and c != target]
    assoc: list[FeatureAssociation] = []
    balance: tuple[CategoryCount, ...] = ()
    minority = None
    stats = None
    method = "correlation_ratio" if task == "classification" else "pearson"
    numeric_values = {c: known[c][1] for c in numeric if known.get(c, ("",))[0] == method}
    to_measure = [c for c in numeric if c not in numeric_values]
    if to_measure:
        sub = (block.columns(to_measure) if block is not None and set(to_measure) <= set(block.names)
               else profile_numeric_block(df, to_measure, ranks=False)[1])  # numbers held as text, or no block
    if task == "classification":
        y_codes, y_uniques = codes[target]
        counts = np.bincount(y_codes[y_codes >= 0], minlength=len(y_uniques))
        total = counts.sum()
        order = np.argsort(-counts, kind="stable")
        balance = tuple(CategoryCount(str(y_uniques[i]), int(counts[i]), float(counts[i] / total)) for i in order)
        minority = float(counts.min() / total) if total else None
        if to_measure:
            numeric_values.update(zip(to_measure, sub.correlation_ratio([y_codes], [len(y_uniques)])[:, 0]))
        assoc += [FeatureAssociation(c, method, float(numeric_values[c])) for c in numeric
                  if np.isfinite(numeric_values[c])]
        for c in categorical:
            if known.get(c, ("",))[0] == "cramers_v":
                v = known[c][1]
            else:
                v = cramers_v_matrix([codes[c][0], y_codes], [len(codes[c][1]), len(y_uniques)])[0, 1]
            if np.isfinite(v):
                assoc.append(FeatureAssociation(c, "cramers_v", float(v)))
    else:
        yv = as_float_array(y)
        yv[~np.isfinite(yv)] = np.nan
        stats = numeric_stats(as_float_array(y), bins)
        if to_measure:
            numeric_values.update(zip(to_measure, np.abs(sub.pearson_with(yv))))
        assoc += [FeatureAssociation(c, method, float(numeric_values[c])) for c in numeric
                  if np.isfinite(numeric_values[c])]
        if categorical:
            y_block = (block.columns([target]) if block is not None and target in block.names
                       else profile_numeric_block(df, [target], ranks=False)[1])
            eta = y_block.correlation_ratio([codes[c][0] for c in categorical],
                                            [len(codes[c][1]) for c in categorical])[0]
            assoc += [FeatureAssociation(c, "correlation_ratio", float(v)) for c, v in zip(categorical, eta) if np.isfinite(v)]
    assoc.sort(key=lambda a: -a.value)
    return TargetAnalysis(column=target, task=task, balance=balance, minority_share=minority, numeric=stats,
                          associations=tuple(assoc))
