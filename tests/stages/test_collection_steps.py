"""Data collection as steps: the files of the one-call stage, each step's facts, escaped views."""
from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from mltoolkit.data import make_trial_conversion
from mltoolkit.data.load import LoadWarning
from mltoolkit.errors import DataError, SchemaError
from mltoolkit.framing import make_card
from mltoolkit.stages import (
    collect_data,
    decide_schema,
    drop_missing_labels,
    load_source,
    save_collected,
    split_data,
    validate_data,
)
from mltoolkit.widgets import CollectionSaved, ColumnKinds, LabelsCheck, LoadedTable, SplitParts, ValidationChecks

FILES = ["data/train.parquet", "data/validation.parquet", "data/test.parquet", "artifacts/data_validation.json",
         "artifacts/data_fingerprint.json", "artifacts/split.json", "artifacts/schema.json"]


def _card(**data):
    return make_card(project="P", task="binary_classification", target="converted", metric="f1", threshold=0.3,
                     data={"source": "unused.csv", **data} if data else None)


@pytest.fixture
def table(tmp_path):
    df = make_trial_conversion(600, seed=3)
    df.loc[[5, 50, 500], "converted"] = np.nan
    path = tmp_path / "table.csv"
    df.to_csv(path, index=False)
    return str(path)


def _steps(source, card, **split):
    loaded = drop_missing_labels(load_source(source, card), card)
    schema = decide_schema(loaded, card)
    report = validate_data(loaded, card)
    return loaded, schema, report, save_collected(loaded, schema, report, split_data(loaded, card, schema, **split))


def test_steps_write_the_files_the_one_call_stage_writes(table, tmp_path, monkeypatch):
    card = _card(time_column="signup_date", id_columns=["prospect_id"])
    (tmp_path / "one").mkdir()
    (tmp_path / "steps").mkdir()
    monkeypatch.chdir(tmp_path / "one")
    one_call = collect_data(table, card)
    monkeypatch.chdir(tmp_path / "steps")
    *_, stepped = _steps(table, card)
    assert stepped.to_dict() == one_call.to_dict()
    for name in FILES:
        a, b = tmp_path / "one" / name, tmp_path / "steps" / name
        if name.endswith(".parquet"):
            pd.testing.assert_frame_equal(pd.read_parquet(a), pd.read_parquet(b))
        else:
            assert json.loads(a.read_text()) == json.loads(b.read_text()), name


def test_missing_labels_are_counted_and_the_view_says_how_many(table, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    card = _card()
    loaded = load_source(table, card)
    kept = drop_missing_labels(loaded, card)
    assert (loaded.rows_read, kept.rows_read, kept.missing_target_dropped, len(kept.data)) == (600, 600, 3, 597)
    assert "3 of 600 rows have no label" in LabelsCheck(kept).static_html()
    with pytest.raises(DataError, match="target 'converted' has 3 missing values"):
        drop_missing_labels(loaded, card, missing_target="refuse")


def test_a_table_without_the_target_gets_its_schema_then_is_refused_by_the_checks(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_trial_conversion(100, seed=1).drop(columns=["converted"]).to_csv("t.csv", index=False)
    card = _card()
    loaded = drop_missing_labels(load_source("t.csv", card), card)
    assert not loaded.target_present and "not a column" in LabelsCheck(loaded).static_html()
    assert "prospect_id" in decide_schema(loaded, card).schema.names
    with pytest.raises(SchemaError, match="required column is missing"):
        validate_data(loaded, card)


def test_how_a_file_was_read_is_kept_by_the_step_and_warned_by_the_one_call_stage(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    df = make_trial_conversion(200, seed=2).assign(location="Zürich")
    df.to_csv("latin.csv", index=False, encoding="cp1252")
    with warnings.catch_warnings():
        warnings.simplefilter("error", LoadWarning)
        loaded = load_source("latin.csv", _card())
    assert len(loaded.warnings) == 1 and "cp1252" in loaded.warnings[0]
    assert "cp1252" in LoadedTable(loaded).static_html()
    with pytest.warns(LoadWarning, match="cp1252"):
        collect_data("latin.csv", _card(), expectations={})


def test_column_kinds_say_why(table, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    card = _card(time_column="signup_date", id_columns=["prospect_id"], column_kinds={"support_tickets": "categorical"},
                 drop_columns=["notes"])
    schema = decide_schema(drop_missing_labels(load_source(table, card), card), card)
    assert "converted" not in schema.schema.names and schema.time_column == "signup_date"
    why = schema.reasons
    assert schema.schema.kind("prospect_id") == "identifier" and "data.id_columns" in why["prospect_id"]
    assert schema.schema.kind("support_tickets") == "categorical" and "data.column_kinds" in why["support_tickets"]
    assert "orders the rows in time" in why["signup_date"] and "never a feature" in why["notes"]
    assert why["website_visits"] == "numbers"
    html = ColumnKinds(schema).static_html()
    assert "target &#x27;converted&#x27; apart" in html and html.count("<tr>") == len(schema.schema.columns) + 1


def test_columns_the_card_names_must_exist(table, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    card = _card(time_column="when")
    loaded = drop_missing_labels(load_source(table, card), card)
    with pytest.raises(DataError, match="time column 'when'"):
        decide_schema(loaded, card)
    with pytest.raises(DataError, match=r"data.id_columns .* \['nope'\]"):
        decide_schema(loaded, _card(id_columns=["nope"]))


def test_split_counts_each_class_in_each_part(table, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    card = _card()
    loaded = drop_missing_labels(load_source(table, card), card)
    split = split_data(loaded, card, decide_schema(loaded, card), seed=7)
    assert split.split.summary.strategy == "stratified" and split.split.summary.time_range is None
    for name, part in split.split.parts().items():
        by_hand = {str(k): v for k, v in part["converted"].value_counts().items()}  # labels as read: 0.0, 1.0
        assert {k: v for k, v in split.balance[name].items() if v} == by_hand
    html = SplitParts(split).static_html()
    assert "stratified on &#x27;converted&#x27;" in html and "Class balance" in html


def test_a_time_split_shows_each_parts_time_range_and_regression_its_mean(table, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    card = make_card(project="P", task="regression", target="website_visits", metric="mae", threshold=5,
                     data={"source": table, "time_column": "signup_date"})
    loaded = drop_missing_labels(load_source(None, card), card)
    split = split_data(loaded, card, decide_schema(loaded, card))
    assert split.balance is None and split.split.summary.strategy == "time"
    html = SplitParts(split).static_html()
    first, last = split.split.summary.time_range["test"]
    assert "by time on &#x27;signup_date&#x27;" in html and first in html and last in html
    assert "Mean website_visits" in html and "Class balance" not in html


def test_collection_views_escape_data(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    df = make_trial_conversion(200, seed=4).assign(role="<img src=x onerror=alert(1)>")
    df.to_csv("evil.csv", index=False)
    card = _card()
    loaded, schema, report, saved = _steps("evil.csv", card)
    html = "".join(v.static_html() for v in (LoadedTable(loaded), ColumnKinds(schema), ValidationChecks(report),
                                             CollectionSaved(saved)))
    assert "<img src=x" not in html and "&lt;img src=x" in html
    assert f"all {len(report.checks)} checks passed" in html and saved.fingerprint.short in html
    assert "artifacts/schema.json" in html and "data/train.parquet" in html
