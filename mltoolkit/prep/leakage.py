"""Target leakage: columns that predict the target almost perfectly on their own.

A column that alone separates the classes (or explains a numeric target) is
nearly always information from after the outcome: an id numbered after the
fact, a status field, a copy of the target. Scores are honest: numeric columns
by rank (ROC AUC or Spearman, nothing fitted), categorical ones by out-of-fold
target means, so a unique id cannot look predictive just by memorizing rows.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from mltoolkit._serialize import to_jsonable
from mltoolkit.data.schema import Schema, infer_schema
from mltoolkit.errors import SchemaError

__all__ = ["LeakageScore", "leakage_scores", "check_leakage"]


@dataclasses.dataclass(frozen=True)
class LeakageScore:
    column: str
    measure: str  # "roc_auc" (binary) or "spearman" / "r2" (regression)
    value: float
    leaky: bool

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def _auc_by_rank(X: pd.DataFrame, y01: np.ndarray) -> pd.Series:
    """ROC AUC of each column used as a score (folded so 0.5 is worthless and 1 is perfect)."""
    ranks = X.rank(method="average", na_option="keep")
    out = {}
    pos = y01 == 1
    for col in X.columns:  # one vectorized pass per column
        r = ranks[col].to_numpy(dtype=float)
        ok = ~np.isnan(r)
        if ok.sum() < 10:
            continue
        rr = pd.Series(r[ok]).rank(method="average").to_numpy()  # re-rank without the gaps
        p = pos[ok]
        n1, n0 = int(p.sum()), int((~p).sum())
        if n1 == 0 or n0 == 0:
            continue
        auc = (rr[p].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)
        out[col] = max(auc, 1 - auc)
    return pd.Series(out, dtype=float)


def _bins(values: pd.Series, n_bins: int = 20) -> pd.Series:
    """A number column as group labels: its values when it has few, else quantile bins (missing: a group)."""
    binned = values if values.nunique() <= 2 * n_bins else pd.qcut(values, n_bins, duplicates="drop")
    return binned.astype("string").fillna("(missing)")


def _oof_target_means(codes: pd.Series, y: np.ndarray, seed: int = 0) -> np.ndarray:
    """Two-fold out-of-fold mean of ``y`` per category; unseen categories get the fold mean."""
    rng = np.random.default_rng(seed)
    fold = rng.integers(0, 2, size=len(codes))
    out = np.empty(len(codes), dtype=float)
    frame = pd.DataFrame({"c": codes.to_numpy(), "y": y, "f": fold})
    for f in (0, 1):
        train, test = frame[frame.f != f], frame[frame.f == f]
        means = train.groupby("c", observed=True)["y"].mean()
        out[fold == f] = test["c"].map(means).fillna(train["y"].mean()).to_numpy(dtype=float)
    return out


def leakage_scores(df: pd.DataFrame, target: str, *, task_kind: str, positive_class: Any = None,
                   schema: Schema | None = None, threshold: float = 0.98, max_rows: int = 200_000,
                   seed: int = 0) -> list[LeakageScore]:
    """Score every column by how well it alone predicts ``target``.

    Parameters
    ----------
    df : pandas.DataFrame
        Training data including the target.
    target : str
    task_kind : {"binary", "multiclass", "regression"}
        Multiclass targets are scored one class against the rest, averaged with the classes' shares as weights
        (a column that tells one class from the rest is a good feature; a leak gives every class away).
    positive_class : optional
        The positive label of a binary target (default: the larger one).
    threshold : float, default 0.98
        Score at or above which a column is flagged (ROC AUC, or R² / |Spearman| for regression).
    max_rows : int
        Rows sampled (seeded) to keep the check fast on big data.

    Returns
    -------
    list of LeakageScore, highest first
    """
    if target not in df.columns:
        raise SchemaError(f"target '{target}' is not a column of the data", column=target)
    if len(df) > max_rows:
        df = df.sample(max_rows, random_state=seed)
    schema = schema or infer_schema(df)
    y = df[target]
    features = [c for c in df.columns if c != target]
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_datetime64_any_dtype(df[c])]
    categorical = [c for c in features if c not in numeric and schema.kind(c) in ("categorical", "boolean", "identifier")]
    scores: list[LeakageScore] = []
    num = df[numeric].apply(lambda s: s.astype("int64") if pd.api.types.is_datetime64_any_dtype(s) else s) \
        .astype(float) if numeric else pd.DataFrame(index=df.index)

    if task_kind == "regression":
        yv = pd.to_numeric(y, errors="coerce").to_numpy(dtype=float)
        if numeric:
            rho = num.corrwith(pd.Series(yv, index=df.index), method="spearman").abs()
            scores += [LeakageScore(c, "spearman", float(v), bool(v >= threshold)) for c, v in rho.dropna().items()]
        for c in categorical:
            pred = _oof_target_means(df[c].astype("string").fillna("(missing)"), yv, seed)
            ok = ~np.isnan(yv)
            ss_res = float(np.sum((yv[ok] - pred[ok]) ** 2))
            ss_tot = float(np.sum((yv[ok] - yv[ok].mean()) ** 2)) or 1.0
            r2 = 1 - ss_res / ss_tot
            scores.append(LeakageScore(c, "r2", r2, bool(r2 >= threshold)))
    else:
        labels = pd.Series(y.unique()).dropna()
        if task_kind == "binary":
            pos = positive_class if positive_class is not None else labels.max()
            classes = [pos]
        else:
            classes = list(labels)
        # One-vs-rest per class, weighted by class share (one class for binary targets): a leak gives the whole
        # target away; a column that tells one species from the rest is a good feature, and a class of a few rows
        # is separated by chance.
        text = y.astype("string")
        shares = text.value_counts(normalize=True)
        # Multiclass: numbers go in quantile bins, read like categories, so a column coding the classes as 1, 2, 3
        # gives the middle class away too (a rank only orders one class against the rest).
        groups = {c: df[c].astype("string").fillna("(missing)") for c in categorical}
        if task_kind == "multiclass":
            groups.update({c: _bins(num[c]) for c in numeric})
        leak: dict[str, float] = {}
        for cls in classes:
            y01 = (text == str(cls)).to_numpy()
            weight = 1.0 if task_kind == "binary" else float(shares.get(str(cls), 0.0))
            aucs: dict[str, float] = {}
            if numeric and task_kind == "binary":
                aucs.update({c: float(v) for c, v in _auc_by_rank(num, y01.astype(int)).items()})
            for c in groups:
                pred = _oof_target_means(groups[c], y01.astype(float), seed)
                v = _auc_by_rank(pd.DataFrame({c: pred}), y01.astype(int)).get(c)
                if v is not None:
                    aucs[c] = float(v)
            for c, v in aucs.items():
                leak[c] = leak.get(c, 0.0) + weight * v
        scores += [LeakageScore(c, "roc_auc", v, bool(v >= threshold)) for c, v in leak.items()]
    return sorted(scores, key=lambda s: -s.value)


def check_leakage(df: pd.DataFrame, target: str, *, task_kind: str, positive_class: Any = None,
                  schema: Schema | None = None, threshold: float = 0.98,
                  allow: Sequence[str] = (), source: str = "the training data") -> list[LeakageScore]:
    """Raise :class:`SchemaError` when a column leaks the target; return all scores otherwise.

    Parameters
    ----------
    allow : sequence of str
        Columns known to be legitimately that predictive (they are reported, not refused).

    See Also
    --------
    leakage_scores : the scores without raising.
    """
    scores = leakage_scores(df, target, task_kind=task_kind, positive_class=positive_class, schema=schema,
                            threshold=threshold)
    leaky = [s for s in scores if s.leaky and s.column not in set(allow)]
    if leaky:
        worst = leaky[0]
        others = f" (also: {', '.join(s.column for s in leaky[1:5])})" if len(leaky) > 1 else ""
        raise SchemaError(
            f"column '{worst.column}' in {source} predicts target '{target}' almost perfectly on its own "
            f"({worst.measure} {worst.value:.3f}){others}: it leaks the target (an id numbered after the outcome, "
            "a field filled in later, or a copy of the target). Drop it with the drop_columns parameter, or, if it "
            "is truly available at prediction time, list it in allow_leaky", column=worst.column)
    return scores
