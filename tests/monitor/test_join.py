"""Predictions and late labels joined to production rows: what cannot be matched is counted, never dropped silently."""
from __future__ import annotations

import pandas as pd
import pytest

from mltoolkit.errors import ConfigError
from mltoolkit.monitor import JoinSummary, join_labels, join_predictions, label_keys


def _current() -> pd.DataFrame:
    return pd.DataFrame({"id": [1, 2, 3, 4, 5], "x": [0.1, 0.2, 0.3, 0.4, 0.5], "y": [1, 0, None, None, 1]})


def test_batch_predictions_join_on_ids_and_report_duplicates_unknown_and_missing():
    preds = pd.DataFrame({"id": [1, 2, 2, 3, 9], "score": [0.9, 0.2, 0.3, 0.6, 0.5],
                          "prediction": ["1", "0", "0", "1", "1"]})
    joined, s = join_predictions(_current(), preds, keys=["id"])
    assert joined["id"].tolist() == [1, 2, 3] and joined["score"].tolist() == [0.9, 0.3, 0.6]  # the last of id 2
    assert (s.n_rows, s.n_without_prediction, s.duplicate_prediction_keys, s.unknown_prediction_keys) == (3, 2, 1, 1)
    assert s.examples["unknown prediction keys"] == ["id=9"] and s.examples["without prediction"] == ["id=4", "id=5"]
    assert len(s.problems()) == 3


def test_ids_match_across_types():
    preds = pd.DataFrame({"id": ["1", "2", "3", "4", "5"], "score": [0.5] * 5, "prediction": ["1"] * 5})
    current = _current().assign(id=lambda d: d["id"].astype(float))
    joined, s = join_predictions(current, preds, keys=["id"])
    assert s.n_rows == 5 and not s.problems()


def test_without_ids_the_batch_joins_on_row_position():
    preds = pd.DataFrame({"row": [4, 0, 1, 7], "score": [0.1, 0.2, 0.3, 0.4], "prediction": ["0"] * 4})
    joined, s = join_predictions(_current(), preds)
    assert joined["id"].tolist() == [1, 2, 5] and joined["score"].tolist() == [0.2, 0.3, 0.1]
    assert s.keys == () and s.unknown_prediction_keys == 1 and s.n_without_prediction == 2


def test_late_labels_fill_missing_labels_and_report_duplicates_conflicts_and_unknown_ids():
    frame = _current()
    labels = pd.DataFrame({"id": [3, 3, 4, 4, 1, 77], "y": [1, 1, 0, 1, 0, 1]})
    out, s = join_labels(frame, labels, target="y", keys=["id"], summary=JoinSummary("batch predictions", ("id",), 5))
    # id 3: two agreeing labels, kept; id 4: disagreeing, left unlabelled; id 1 already had its label; 77 unknown.
    assert out["y"].iloc[2] == 1 and pd.isna(out["y"].iloc[3]) and out["y"].iloc[0] == 1
    assert (s.duplicate_label_keys, s.conflicting_label_keys, s.unknown_label_keys, s.n_labelled) == (2, 1, 1, 4)
    assert s.examples["unknown label keys"] == ["id=77"] and s.examples["conflicting label keys"] == ["id=4"]


def test_label_keys_prefer_ids_then_the_request_and_say_what_is_needed():
    log = pd.DataFrame({"request_id": ["a"], "request_row": [0], "x": [1]})
    assert label_keys(log, pd.DataFrame({"request_id": ["a"], "request_row": [0], "y": [1]}), ["id"]) == \
        ("request_id", "request_row")
    assert label_keys(_current(), pd.DataFrame({"id": [1], "y": [1]}), ["id"]) == ("id",)
    with pytest.raises(ConfigError, match="request_id"):
        label_keys(log, pd.DataFrame({"customer": [1], "y": [1]}), ["id"])
    with pytest.raises(ConfigError, match="no column 'y'"):
        join_labels(_current(), pd.DataFrame({"id": [1]}), target="y", keys=["id"],
                    summary=JoinSummary("batch predictions", ("id",), 5))
