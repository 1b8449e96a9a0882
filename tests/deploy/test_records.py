"""Online requests: records checked into columns, stored and scored exactly as the same rows in a frame."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mltoolkit.data import make_trial_conversion
from mltoolkit.deploy import load_package
from mltoolkit.deploy.prediction_log import PredictionLog
from mltoolkit.deploy.records import check_records, frame_from_columns


@pytest.fixture(scope="module")
def request_rows() -> tuple[list[dict], pd.DataFrame]:
    rows = make_trial_conversion(40, seed=5).drop(columns="converted")
    rows.loc[0, ["website_visits", "signup_date", "role"]] = [None, pd.NaT, None]
    rows["demo_taken"] = rows["demo_taken"].astype("boolean")
    rows.loc[1, "demo_taken"] = pd.NA
    rows.loc[2, "location"] = "Atlantis"
    return json.loads(rows.to_json(orient="records", date_format="iso")), rows


def test_checked_columns_are_numpy_and_become_the_frame_the_schema_check_gives(package, request_rows):
    records, rows = request_rows
    pkg = load_package(package)
    columns, outcome = check_records(pkg.schema, records)
    assert columns["website_visits"].dtype == float and np.isnan(columns["website_visits"][0])
    assert columns["demo_taken"].dtype == float and np.isnan(columns["demo_taken"][1])
    assert columns["signup_date"].dtype.kind == "M" and np.isnat(columns["signup_date"][0])
    assert columns["role"].dtype == object and columns["role"][0] is None
    assert outcome.unseen_categories == {"location": 1}
    frame = frame_from_columns(pkg.schema, columns)
    checked, _ = pkg.schema.check(rows)
    pd.testing.assert_frame_equal(frame, checked.reset_index(drop=True), check_dtype=False)
    assert str(frame["demo_taken"].dtype) == "boolean" and str(frame["role"].dtype).startswith("str")


def test_log_stores_request_columns_and_frames_alike(package, request_rows, tmp_path):
    records, rows = request_rows
    pkg = load_package(package)
    columns, _ = check_records(pkg.schema, records)
    checked, _ = pkg.schema.check(rows)
    via_columns, via_frame = pkg.score(columns), pkg.score(checked)
    np.testing.assert_allclose(via_columns["score"], via_frame["score"], rtol=1e-12)
    a, b = PredictionLog(tmp_path / "a.db", pkg.schema), PredictionLog(tmp_path / "b.db", pkg.schema)
    a.append(columns, via_columns, model_version="v", request_id="r", scored_at="t")
    b.append(checked, via_frame.reset_index(drop=True), model_version="v", request_id="r", scored_at="t")
    left, right = a.read(), b.read()
    pd.testing.assert_frame_equal(left.drop(columns="score"), right.drop(columns="score"))
    assert pd.isna(left.loc[0, "signup_date"]) and pd.isna(left.loc[1, "demo_taken"])
    assert left.loc[2, "signup_date"] == str(rows["signup_date"].iloc[2])


def test_times_with_an_offset_are_refused_for_a_model_trained_without_one(package, request_rows):
    from mltoolkit.errors import SchemaError

    records, rows = request_rows
    pkg = load_package(package)
    assert next(f for f in pkg.schema.fields if f.name == "signup_date").timezone is None
    zoned = [{**records[3], "signup_date": "2025-06-05T14:11:52Z"}]
    with pytest.raises(SchemaError, match="'signup_date' has times with a time-zone offset"):
        check_records(pkg.schema, zoned)
    with pytest.raises(SchemaError, match="'signup_date' has times with a time-zone offset"):
        pkg.schema.check(pd.DataFrame(zoned))


def test_zoned_training_times_take_offsets_as_the_same_instants():
    from mltoolkit.deploy.input_schema import infer_input_schema
    from mltoolkit.errors import SchemaError

    train = pd.DataFrame({"t": pd.to_datetime(["2025-01-01 08:00", "2025-03-01 09:30"]).tz_localize("Europe/Paris"),
                          "x": [1.0, 2.0]})
    schema = infer_input_schema(train, ["t", "x"])
    assert schema.fields[0].timezone == "Europe/Paris"
    columns, _ = check_records(schema, [{"t": "2025-02-01T12:00:00Z", "x": 1.5}])
    assert pd.Timestamp(columns["t"][0]) == pd.Timestamp("2025-02-01 13:00", tz="Europe/Paris")
    with pytest.raises(SchemaError, match="trained on times in Europe/Paris"):
        check_records(schema, [{"t": "2025-02-01T12:00:00", "x": 1.5}])
