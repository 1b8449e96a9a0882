"""Artifacts stages exchange are read back as the dataclasses their stages wrote."""
from __future__ import annotations

import dataclasses
import json

import pytest

from mltoolkit._serialize import from_jsonable
from mltoolkit.artifacts import ARTIFACTS, DataVersion, read_artifact, write_artifact
from mltoolkit.errors import DataError


def test_every_artifact_names_a_dataclass():
    for name, spec in ARTIFACTS.items():
        assert dataclasses.is_dataclass(spec.type), name


def test_round_trip_and_a_renamed_field_fails(tmp_path):
    version = DataVersion("c" * 64, "s" * 64, 10, 3, "abc", "data.csv")
    write_artifact(tmp_path, "data_fingerprint", version)
    assert read_artifact(tmp_path, "data_fingerprint") == version
    raw = json.loads((tmp_path / "data_fingerprint.json").read_text())
    raw["rows"] = raw.pop("n_rows")
    (tmp_path / "data_fingerprint.json").write_text(json.dumps(raw))
    with pytest.raises(DataError, match="does not hold a DataVersion.*unknown field.*rows"):
        read_artifact(tmp_path, "data_fingerprint")


def test_missing_artifact_is_none_and_damaged_one_an_error(tmp_path):
    assert read_artifact(tmp_path, "drift") is None
    (tmp_path / "drift.json").write_text("{not json")
    with pytest.raises(DataError, match="drift.json is not valid JSON"):
        read_artifact(tmp_path, "drift")


def test_from_jsonable_rebuilds_nested_and_optional_fields():
    @dataclasses.dataclass(frozen=True)
    class Inner:
        x: int

    @dataclasses.dataclass(frozen=True)
    class Outer:
        inner: Inner | None
        items: tuple[Inner, ...]
        name: str = "n"

    globals().update(Inner=Inner)  # type hints resolve in this module
    assert from_jsonable(Outer, {"inner": {"x": 1}, "items": [{"x": 2}]}) == Outer(Inner(1), (Inner(2),))
    with pytest.raises(KeyError, match="field 'items' of Outer is missing"):
        from_jsonable(Outer, {"inner": None})
