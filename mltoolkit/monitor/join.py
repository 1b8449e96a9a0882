"""Predictions and labels of production rows, put side by side: what was joined, and what could not be.

Production performance needs, for each row, the model's output and (when it
has arrived) the true label. They come from different places: the deployment
stage's scored batch or the server's prediction log for the outputs; the
current data itself or a late-labels file for the labels. Joining them is
where rows go missing without anyone noticing, so every join here counts
what it could not match (duplicate keys, ids nobody predicted for, rows
without a prediction) and says so in a :class:`JoinSummary`.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pandas as pd

from mltoolkit._serialize import to_jsonable
from mltoolkit.errors import ConfigError, DataError

__all__ = ["JoinSummary", "join_predictions", "join_labels", "label_keys", "REQUEST_KEYS"]

#: Keys of a row of the server's prediction log: the request and the row's position in it.
REQUEST_KEYS = ("request_id", "request_row")
_EXAMPLES = 5
_OUTPUTS = ("prediction", "score")


@dataclasses.dataclass(frozen=True)
class JoinSummary:
    """How predictions (and labels) were matched to production rows.

    Attributes
    ----------
    source : str
        Where the predictions came from: ``"batch predictions"``,
        ``"prediction log"`` or ``"current data"``.
    keys : tuple of str
        Columns the predictions were joined on; empty: by row position.
    n_rows : int
        Rows with a prediction (what performance is measured on).
    n_without_prediction : int
        Rows of the current data no prediction matched (left out, counted).
    duplicate_prediction_keys : int
        Keys holding more than one prediction; the last one is used.
    unknown_prediction_keys : int
        Predictions whose key is not in the current data.
    labels_source : str or None
        ``"current data"``, a late-labels file, or None without labels.
    label_keys : tuple of str
        Columns the late labels were joined on.
    n_labels : int
        Labels read from the late-labels file.
    n_labelled : int
        Rows with a label after the join.
    duplicate_label_keys : int
        Keys given more than once in the labels file (one label kept when they
        agree; none when they disagree).
    conflicting_label_keys : int
        Of those, keys whose labels disagree (left unlabelled).
    unknown_label_keys : int
        Labels whose key matches no prediction.
    examples : dict
        A few keys of each problem, by problem name, to look them up.
    """

    source: str
    keys: tuple[str, ...]
    n_rows: int
    n_without_prediction: int = 0
    duplicate_prediction_keys: int = 0
    unknown_prediction_keys: int = 0
    labels_source: str | None = None
    label_keys: tuple[str, ...] = ()
    n_labels: int = 0
    n_labelled: int = 0
    duplicate_label_keys: int = 0
    conflicting_label_keys: int = 0
    unknown_label_keys: int = 0
    examples: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)

    def problems(self) -> list[str]:
        """Each thing the join could not do cleanly, in words (empty when it matched everything)."""
        out = []
        keyed = ", ".join(self.keys) or "row position"
        if self.n_without_prediction:
            out.append(f"{self.n_without_prediction:,} current row(s) have no prediction (joined on {keyed})")
        if self.duplicate_prediction_keys:
            out.append(f"{self.duplicate_prediction_keys:,} key(s) have more than one prediction; the last was used")
        if self.unknown_prediction_keys:
            out.append(f"{self.unknown_prediction_keys:,} prediction(s) name a key that is not in the current data")
        if self.duplicate_label_keys:
            out.append(f"{self.duplicate_label_keys:,} key(s) are labelled more than once "
                       f"({self.conflicting_label_keys:,} with disagreeing labels, left unlabelled)")
        if self.unknown_label_keys:
            out.append(f"{self.unknown_label_keys:,} label(s) name a key with no logged prediction "
                       f"(joined on {', '.join(self.label_keys)})")
        return out


def _examples(frame: pd.DataFrame, keys: Sequence[str]) -> list[str]:
    rows = frame[list(keys)].drop_duplicates().head(_EXAMPLES)
    return [", ".join(f"{k}={v}" for k, v in zip(keys, r)) for r in rows.itertuples(index=False)]


def _key_frame(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Keys as text, so an id read as 17 from one file and '17' or 17.0 from another still matches."""
    def norm(s: pd.Series) -> pd.Series:
        if pd.api.types.is_float_dtype(s) and (s.dropna() % 1 == 0).all():
            s = s.astype("Int64")
        return s.astype("string")

    return pd.DataFrame({k: norm(frame[k]) for k in keys}, index=frame.index)


def join_predictions(current: pd.DataFrame, predictions: pd.DataFrame, *, keys: Sequence[str] = (),
                     source: str = "batch predictions") -> tuple[pd.DataFrame, JoinSummary]:
    """The current rows with their prediction (``prediction``, and ``score`` for classifiers).

    Parameters
    ----------
    current : pandas.DataFrame
        Production rows (and their labels, if any).
    predictions : pandas.DataFrame
        Scored rows with ``prediction`` (and ``score``), plus the ``keys``
        columns, or a ``row`` column (position in ``current``) when there are
        no keys, as :func:`mltoolkit.deploy.predict_batch` writes.
    keys : sequence of str
        Id columns present in both; empty joins on row position.
    source : str
        Named in the summary.

    Returns
    -------
    (pandas.DataFrame, JoinSummary)
        Current rows that have a prediction, in their order, and what the join
        matched and could not.

    Raises
    ------
    DataError
        The predictions lack ``prediction``, a key, or ``row``.
    """
    if "prediction" not in predictions.columns:
        raise DataError(f"the {source} have no 'prediction' column; columns are: "
                        f"{', '.join(map(str, predictions.columns[:30]))}", column="prediction")
    keys = tuple(keys)
    outputs = [c for c in _OUTPUTS if c in predictions.columns]
    if not keys:
        if "row" not in predictions.columns:
            raise DataError(f"the {source} have neither the project's id columns nor a 'row' column to join on",
                            column="row")
        row = pd.to_numeric(predictions["row"], errors="coerce")
        known = row.between(0, len(current) - 1)
        unknown = int((~known).sum())
        row = row[known].astype(int)
        dup = row.duplicated(keep="last")
        n_dup = int(row[row.duplicated(keep=False)].nunique())
        used = predictions.loc[row.index[~dup.to_numpy()], outputs]
        used.index = row[~dup].to_numpy()
        joined = current.drop(columns=[c for c in outputs if c in current.columns]).iloc[sorted(used.index)].copy()
        for c in outputs:
            joined[c] = used[c].reindex(sorted(used.index)).to_numpy()
        summary = JoinSummary(source, (), len(joined), len(current) - len(joined), n_dup, unknown,
                              examples={k: v for k, v in (
                                  ("unknown prediction keys", [str(r) for r in predictions.loc[~known, "row"].head(
                                      _EXAMPLES)]),) if v})
        return joined.reset_index(drop=True), summary
    for side, frame in (("current data", current), (source, predictions)):
        missing = [k for k in keys if k not in frame.columns]
        if missing:
            raise DataError(f"id column(s) {missing} are not in the {side}", column=missing[0])
    left, right = _key_frame(current, keys), _key_frame(predictions, keys)
    dup_mask = right.duplicated(keep=False)
    n_dup = int(right[dup_mask].drop_duplicates().shape[0])
    last = ~right.duplicated(keep="last")
    right_last = right[last]
    lookup = pd.DataFrame(predictions.loc[last, outputs].to_numpy(), columns=outputs,
                          index=pd.MultiIndex.from_frame(right_last))
    left_index = pd.MultiIndex.from_frame(left)
    found = left_index.isin(lookup.index)
    unknown_mask = ~pd.MultiIndex.from_frame(right_last).isin(left_index)
    joined = current.drop(columns=[c for c in outputs if c in current.columns])[found].copy()
    matched = lookup.reindex(left_index[found])
    for c in outputs:
        joined[c] = matched[c].to_numpy()
    if "score" in joined.columns:
        joined["score"] = pd.to_numeric(joined["score"], errors="coerce")
    examples = {"without prediction": _examples(current[~found], keys),
                "duplicate prediction keys": _examples(predictions[dup_mask], keys),
                "unknown prediction keys": _examples(predictions.loc[last][unknown_mask], keys)}
    summary = JoinSummary(source, keys, int(found.sum()), int((~found).sum()), n_dup, int(unknown_mask.sum()),
                          examples={k: v for k, v in examples.items() if v})
    return joined.reset_index(drop=True), summary


def label_keys(frame: pd.DataFrame, labels: pd.DataFrame, id_columns: Sequence[str]) -> tuple[str, ...]:
    """The columns to join late labels on: the id columns when both sides have them, else the request keys.

    A request to the server may hold several rows; its rows are told apart by
    ``request_row`` (their position in the request, from 0). A labels file
    keyed by ``request_id`` alone fits one-row requests.

    Raises
    ------
    ConfigError
        No shared key: the message names what the labels file must hold.
    """
    ids = tuple(c for c in id_columns if c in frame.columns and c in labels.columns)
    if ids and len(ids) == len([c for c in id_columns if c in labels.columns]):
        return ids
    request = tuple(c for c in REQUEST_KEYS if c in frame.columns and c in labels.columns)
    if request and request[0] == "request_id":
        return request
    wanted = " + ".join(id_columns) if id_columns else "the project's id columns"
    raise ConfigError(f"the labels file cannot be joined to the predictions: it needs {wanted} (when the predictions "
                      "carry them) or request_id (and request_row for requests of several rows); its columns are: "
                      f"{', '.join(map(str, labels.columns[:30]))}", parameter="labels")


def join_labels(frame: pd.DataFrame, labels: pd.DataFrame, *, target: str, keys: Sequence[str],
                summary: JoinSummary, source: str = "labels file") -> tuple[pd.DataFrame, JoinSummary]:
    """Fill ``target`` of the predicted rows from late labels joined on ``keys``.

    A label already in ``frame`` is kept; the file fills the rows still
    without one. Keys given more than once keep their label when every copy
    agrees and get none when they disagree; labels whose key has no
    prediction are counted. Nothing is dropped silently: every case is in the
    returned summary.

    Raises
    ------
    ConfigError
        The labels file has no ``target`` column or lacks a key.
    """
    keys = tuple(keys)
    if target not in labels.columns:
        raise ConfigError(f"the labels file has no column {target!r} (the target); its columns are: "
                          f"{', '.join(map(str, labels.columns[:30]))}", column=target, parameter="labels")
    missing = [k for k in keys if k not in labels.columns or k not in frame.columns]
    if missing:
        raise ConfigError(f"key column(s) {missing} are not in both the labels file and the predictions",
                          column=missing[0], parameter="labels")
    given = labels[labels[target].notna()]
    lk = _key_frame(given, keys)
    key_index = pd.MultiIndex.from_frame(lk)
    values = pd.Series(given[target].to_numpy(), index=key_index)
    per_key = values.groupby(level=list(range(len(keys)))).agg(["nunique", "size", "last"])
    if not isinstance(per_key.index, pd.MultiIndex):  # one key: groupby returns a flat index
        per_key.index = pd.MultiIndex.from_arrays([per_key.index], names=list(keys))
    dup = per_key[per_key["size"] > 1]
    conflicting = dup[dup["nunique"] > 1]
    usable = per_key.loc[per_key["nunique"] == 1, "last"]
    fk = pd.MultiIndex.from_frame(_key_frame(frame, keys))
    if fk.duplicated().any():  # several predicted rows under one key: a label cannot say which
        ambiguous = fk[fk.duplicated(keep=False)].unique()
        usable = usable[~usable.index.isin(ambiguous)]
    unknown = ~per_key.index.isin(fk)
    out = frame.copy()
    if target not in out.columns:
        out[target] = pd.Series([None] * len(out), index=out.index, dtype=object)
    fill = pd.Series(usable.reindex(fk).to_numpy(), index=out.index)
    out[target] = out[target].astype(object).where(out[target].notna(), fill)
    try:
        out[target] = pd.to_numeric(out[target]) if pd.api.types.is_numeric_dtype(given[target]) else out[target]
    except (TypeError, ValueError):
        pass
    key_frame = per_key.index.to_frame(index=False)
    examples = dict(summary.examples)
    for name, mask in (("duplicate label keys", per_key["size"].to_numpy() > 1),
                       ("conflicting label keys", (per_key["nunique"] > 1).to_numpy()),
                       ("unknown label keys", unknown)):
        if mask.any():
            examples[name] = [", ".join(f"{k}={v}" for k, v in zip(keys, r))
                              for r in key_frame[mask].head(_EXAMPLES).itertuples(index=False)]
    summary = dataclasses.replace(
        summary, labels_source=source, label_keys=keys, n_labels=len(given),
        n_labelled=int(out[target].notna().sum()), duplicate_label_keys=len(dup),
        conflicting_label_keys=len(conflicting), unknown_label_keys=int(unknown.sum()), examples=examples)
    return out, summary
