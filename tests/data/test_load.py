from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from mltoolkit.data import load
from mltoolkit.data.load import LoadWarning
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


def test_explicit_encoding_that_does_not_decode_names_the_option(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("name,city\nJos\xe9,M\xfcnchen\n".encode("latin-1"))
    with pytest.raises(DataError, match="not valid utf-8.*encoding='latin-1'") as info:
        load(path, encoding="utf-8")
    assert info.value.parameter == "encoding"
    assert load(path, encoding="latin-1")["city"].tolist() == ["M\u00fcnchen"]


def test_latin1_file_is_read_with_a_warning_naming_the_encoding(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("name;city\nJos\xe9;M\xfcnchen\nRen\xe9e;Z\xfcrich\n".encode("latin-1"))
    with pytest.warns(LoadWarning, match="latin.csv is not valid UTF-8; read it as cp1252"):
        df = load(path)
    assert df.columns.tolist() == ["name", "city"]
    assert df["city"].tolist() == ["M\u00fcnchen", "Z\u00fcrich"]


def test_utf8_with_byte_order_mark_reads_clean_names(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffa,b\n1,2\n".encode("utf-8"))
    assert load(path).columns.tolist() == ["a", "b"]


def test_unknown_encoding_is_refused_naming_the_option(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a\n1\n")
    with pytest.raises(ConfigError, match="unknown text encoding 'utf-9'") as info:
        load(path, encoding="utf-9")
    assert info.value.parameter == "encoding"


def test_semicolon_separated_file_with_decimal_commas_is_sniffed(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text('name;price;note\n"Kaffee";1,5;"mild, fruity"\nTee;2,25;\nMilch;0,99;bio\n', encoding="utf-8")
    df = load(path)
    assert df.columns.tolist() == ["name", "price", "note"]
    assert df["price"].tolist() == [1.5, 2.25, 0.99]
    assert df["note"].iloc[0] == "mild, fruity"


@pytest.mark.parametrize("sep", ["\t", "|"])
def test_tab_and_bar_separated_files_are_sniffed(tmp_path, sep):
    path = tmp_path / "t.txt"
    path.write_text(f"a{sep}b{sep}c\n1{sep}x, y{sep}3\n4{sep}z{sep}6\n")
    df = load(path)
    assert df.columns.tolist() == ["a", "b", "c"] and df["b"].tolist() == ["x, y", "z"]


def test_comma_file_whose_text_holds_semicolons_stays_comma_separated(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,x;y\n2,z;w\n")
    assert load(path)["b"].tolist() == ["x;y", "z;w"]


def test_explicit_separator_and_decimal_are_kept(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a;b\n1,5;2\n")
    assert load(path, sep=";", decimal=".")["a"].tolist() == ["1,5"]
    assert load(path, sep=",").columns.tolist() == ["a;b"]


def test_zoned_times_are_read_in_utc(tmp_path):
    times = pd.Series(pd.date_range("2024-03-30 22:00", periods=4, freq="h", tz="Europe/Berlin"))
    pd.DataFrame({"t": times, "x": range(4)}).to_parquet(tmp_path / "t.parquet")
    df = load(tmp_path / "t.parquet")
    assert str(df["t"].dt.tz) == "UTC"
    assert df["t"].tolist() == times.dt.tz_convert("UTC").tolist()


def test_sql_times_with_different_offsets_come_back_in_utc(tmp_path):
    import datetime as dt

    from mltoolkit.data.load import _zoned_times_in_utc

    plus1, plus2 = dt.timezone(dt.timedelta(hours=1)), dt.timezone(dt.timedelta(hours=2))
    times = [dt.datetime(2024, 1, 1, 10, tzinfo=plus1), dt.datetime(2024, 7, 1, 10, tzinfo=plus2), None]
    out = _zoned_times_in_utc(pd.DataFrame({"t": pd.Series(times, dtype=object)}))
    assert out["t"].tolist()[:2] == [pd.Timestamp("2024-01-01 09:00", tz="UTC"), pd.Timestamp("2024-07-01 08:00", tz="UTC")]
    assert pd.isna(out["t"].iloc[2])


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
