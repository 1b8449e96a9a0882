from __future__ import annotations

import json

import pandas as pd

from mltoolkit.data import fingerprint


def test_same_data_same_fingerprint():
    a = pd.DataFrame({"x": [1, 2, 3], "y": ["a", "b", "c"]})
    assert fingerprint(a) == fingerprint(a.copy())


def test_changed_cell_changes_content_hash_only():
    a = pd.DataFrame({"x": [1, 2, 3]})
    b = pd.DataFrame({"x": [1, 2, 4]})
    fa, fb = fingerprint(a), fingerprint(b)
    assert fa.content_hash != fb.content_hash
    assert fa.schema_hash == fb.schema_hash


def test_renamed_column_changes_fingerprint():
    a = pd.DataFrame({"x": [1, 2]})
    assert fingerprint(a).short != fingerprint(a.rename(columns={"x": "z"})).short


def test_fingerprint_is_json_ready():
    d = fingerprint(pd.DataFrame({"x": [1.5]})).to_dict()
    assert json.loads(json.dumps(d))["n_rows"] == 1
    assert len(d["short"]) == 12
