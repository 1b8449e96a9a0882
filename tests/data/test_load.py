from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from mltoolkit.data import load
from mltoolkit.errors import ConfigError, DataError, MLToolkitError, SchemaError


def test_reads_csv(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]}).to_csv(path, index=False)
    df = load(path)
    assert df.shape == (3, 2)
    assert df["a"].tolist() == [1, 2, 3]


def test_reads_parquet_file_and_folder(tmp_path):
    df = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    df.to_parquet(tmp_path / "t.parquet")
    folder = tmp_path / "parts"
    folder.mkdir()
    df.to_parquet(folder / "p1.parquet")
    df.to_parquet(folder / "p2.parquet")
    assert load(tmp_path / "t.parquet").shape == (2, 2)
    assert load(folder).shape == (4, 2)


def test_reads_sqlite_table_and_query(tmp_path):
    db = tmp_path / "d.db"
    with sqlite3.connect(db) as conn:
        pd.DataFrame({"a": [1, 2, 3]}).to_sql("t", conn, index=False)
    assert load(db, table="t")["a"].sum() == 6
    assert load(f"sqlite:///{db}", query="SELECT a FROM t WHERE a > 1")["a"].tolist() == [2, 3]


def test_unknown_sql_table_lists_tables(tmp_path):
    db = tmp_path / "d.db"
    with sqlite3.connect(db) as conn:
        pd.DataFrame({"a": [1]}).to_sql("real", conn, index=False)
    with pytest.raises(DataError, match="'nope' not found.*real"):
        load(db, table="nope")


def test_sql_needs_table_or_query(tmp_path):
    db = tmp_path / "d.db"
    sqlite3.connect(db).close()
    with pytest.raises(ConfigError, match="table= or query="):
        load(db)


def test_missing_file_names_path(tmp_path):
    with pytest.raises(DataError, match="does not exist") as info:
        load(tmp_path / "nope.csv")
    assert info.value.path.endswith("nope.csv")


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(DataError, match="empty"):
        load(path)


def test_header_only_is_refused(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("a,b,c\n")
    with pytest.raises(DataError, match="no rows"):
        load(path)


def test_non_utf8_names_encoding_option(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("name,city\nJos\xe9,M\xfcnchen\n".encode("latin-1"))
    with pytest.raises(DataError, match="not valid utf-8.*encoding='latin-1'") as info:
        load(path)
    assert info.value.parameter == "encoding"
    assert load(path, encoding="latin-1")["city"].tolist() == ["M\u00fcnchen"]


def test_duplicate_column_names_are_refused(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a,b,a\n1,2,3\n")
    with pytest.raises(SchemaError, match="duplicate column names.*'a'"):
        load(path)


def test_duplicate_columns_in_dataframe_are_refused():
    df = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(SchemaError):
        load(df)


def test_unknown_suffix_asks_for_format(tmp_path):
    path = tmp_path / "data.xlsx"
    path.write_bytes(b"x")
    with pytest.raises(ConfigError, match="format"):
        load(path)


def test_errors_share_root_type(tmp_path):
    with pytest.raises(MLToolkitError):
        load(tmp_path / "missing.parquet")
