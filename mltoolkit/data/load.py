"""One entry point to read a table from CSV, Parquet or SQL.

CSV files are read as they are found in the wild: the separator (comma,
semicolon, tab or bar) and, with it, a decimal comma are sniffed from the first
lines, and a file that is not UTF-8 is read as Windows-1252 or Latin-1 with a
warning saying so. Time-zone-aware times come back in UTC.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from mltoolkit.data.demo import DEMO_SCHEME, load_demo
from mltoolkit.data.schema import check_unique_columns
from mltoolkit.errors import ConfigError, DataError, SchemaError

__all__ = ["load", "iter_sql", "LoadWarning"]

_CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".gz", ".bz2", ".zip", ".xz"}
_PARQUET_SUFFIXES = {".parquet", ".pq"}
_SQLITE_SUFFIXES = {".db", ".sqlite", ".sqlite3"}
_TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ""}
_SEPARATORS = (",", ";", "\t", "|")
# Tried in turn when no encoding is given: Windows-1252 is what spreadsheets on
# Windows save; Latin-1 decodes any byte, so the last try always reads.
_FALLBACK_ENCODINGS = ("cp1252", "latin-1")
_SNIFF_BYTES = 64 * 1024
_SNIFF_LINES = 50


class LoadWarning(UserWarning):
    """How a file was read when it was not plain UTF-8 comma-separated text (an encoding or separator guessed)."""


def load(
    source: str | Path | pd.DataFrame,
    *,
    table: str | None = None,
    query: str | None = None,
    format: str | None = None,
    encoding: str | None = None,
    columns: list[str] | None = None,
    **read_kwargs: Any,
) -> pd.DataFrame:
    """Read a table from a CSV file, a Parquet file or folder, or a SQL database.

    Parameters
    ----------
    source : str, path or DataFrame
        A ``demo://trial_conversion?rows=5000&seed=0&drift=0`` URI for the
        bundled demo data, a ``.csv``/``.tsv`` path, a ``.parquet`` file or a folder of Parquet
        files, a SQLite file (``.db``, ``.sqlite``) or any SQLAlchemy URL
        (``sqlite:///x.db``, ``postgresql://...``). A DataFrame is checked and
        returned as it is.
    table, query : str, optional
        For SQL sources: the table to read, or a ``SELECT`` query. Exactly one.
    format : {"csv", "parquet", "sql"}, optional
        Force the format instead of guessing it from the suffix or URL.
    encoding : str, optional
        Text encoding of CSV files. By default UTF-8 (with or without a byte
        order mark), else Windows-1252, else Latin-1, with a
        :class:`LoadWarning` naming the one used. Given, it is used as it is
        and a file that does not decode is refused.
    columns : list of str, optional
        Read only these columns.
    **read_kwargs
        Passed to :func:`pandas.read_csv`, :func:`pandas.read_parquet` or
        :func:`pandas.read_sql`. For CSV, ``sep`` (default: sniffed from the
        first lines among ``,``, ``;``, tab and ``|``; tab for ``.tsv``) and
        ``decimal`` (default: ``,`` for semicolon-separated numbers written
        ``1,5``, else ``.``) are taken as given.

    Returns
    -------
    pandas.DataFrame
        Time-zone-aware times in UTC.

    Warns
    -----
    LoadWarning
        A CSV file read with a guessed encoding other than UTF-8.

    Raises
    ------
    DataError
        The file is missing, empty, has no rows, or cannot be decoded.
    SchemaError
        Column names repeat.
    ConfigError
        The source or its options do not fit together.

    Examples
    --------
    >>> import pandas as pd, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> pd.DataFrame({"a": [1, 2]}).to_csv(path, index=False)
    >>> load(path).shape
    (2, 1)
    """
    if isinstance(source, pd.DataFrame):
        check_unique_columns(source, "the DataFrame")
        return source
    if str(source).startswith(DEMO_SCHEME):
        return load_demo(str(source))
    fmt = format or _guess_format(source)
    if fmt == "sql":
        df = _read_sql(str(source), table=table, query=query, **read_kwargs)
        where = f"{source} ({table or 'query'})"
    else:
        if table is not None or query is not None:
            raise ConfigError(
                f"table= and query= only apply to SQL sources, but {source} is read as {fmt}",
                parameter="table" if table is not None else "query", path=str(source),
            )
        path = Path(source)
        if not path.exists():
            raise DataError(f"data file {path} does not exist; check the path", path=str(path))
        if fmt == "csv":
            df = _read_csv(path, encoding=encoding, columns=columns, **read_kwargs)
        elif fmt == "parquet":
            df = _read_parquet(path, columns=columns, **read_kwargs)
        else:
            raise ConfigError(f"unknown format {fmt!r}; use 'csv', 'parquet' or 'sql'", parameter="format")
        where = str(path)
    check_unique_columns(df, where)
    df = _zoned_times_in_utc(df)
    if df.shape[1] == 0:
        raise DataError(f"{where} has no columns", path=where)
    if len(df) == 0:
        raise DataError(f"{where} has column names but no rows; nothing to analyse", path=where)
    return df


def _guess_format(source: str | Path) -> str:
    text = str(source)
    if "://" in text:
        return "sql"
    path = Path(text)
    suffix = path.suffix.lower()
    if suffix in _PARQUET_SUFFIXES or (path.is_dir() and any(path.glob("*.parquet"))):
        return "parquet"
    if suffix in _SQLITE_SUFFIXES:
        return "sql"
    if suffix in _CSV_SUFFIXES or suffix == "":
        return "csv"
    raise ConfigError(
        f"cannot tell the format of {path} from its suffix {suffix!r}; "
        "use a .csv, .parquet or .db file, a SQLAlchemy URL, or pass format=",
        path=str(path), parameter="format",
    )


def _read_csv(path: Path, *, encoding: str | None, columns: list[str] | None, **kwargs: Any) -> pd.DataFrame:
    if path.stat().st_size == 0:
        raise DataError(f"data file {path} is empty (0 bytes)", path=str(path))
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ConfigError(f"unknown text encoding {encoding!r} for {path}; use a name such as 'utf-8', "
                              "'cp1252' or 'latin-1', or leave it out to have it detected",
                              parameter="encoding", path=str(path)) from None
    plain = path.suffix.lower() in _TEXT_SUFFIXES
    sample = _sample_lines(path, encoding) if plain else []
    sep = kwargs.pop("sep", None)
    if sep is None:
        sep = "\t" if path.suffix.lower() == ".tsv" else _sniff_separator(sample)
    if "decimal" not in kwargs and sep == ";" and _decimal_comma(sample, sep):
        kwargs["decimal"] = ","
    if plain:
        _check_header(path, encoding or "utf-8-sig", sep)
    tries = [encoding] if encoding else ["utf-8", *_FALLBACK_ENCODINGS]
    for i, enc in enumerate(tries):
        try:
            df = pd.read_csv(path, sep=sep, encoding=enc, usecols=columns, low_memory=False, **kwargs)
        except UnicodeDecodeError as exc:
            if i + 1 < len(tries):
                continue
            raise DataError(
                f"data file {path} is not valid {enc} text (byte {exc.start}: {exc.reason}); "
                "save it as UTF-8 or pass its encoding (for example encoding='latin-1', "
                "or --encoding latin-1 on the command line)",
                path=str(path), parameter="encoding",
            ) from None
        except pd.errors.EmptyDataError:
            raise DataError(f"data file {path} holds no table (no header line)", path=str(path)) from None
        except pd.errors.ParserError as exc:
            raise DataError(f"data file {path} is not a well-formed CSV: {exc}", path=str(path)) from None
        except ValueError as exc:
            if columns:
                raise ConfigError(f"cannot read columns {columns} from {path}: {exc}", path=str(path),
                                  parameter="columns") from None
            raise
        if i:
            warnings.warn(f"{path} is not valid UTF-8; read it as {enc}. If letters look wrong, pass its "
                          "encoding (encoding=..., or --encoding on the command line)", LoadWarning, stacklevel=3)
        return df
    raise AssertionError("unreachable: the last encoding either reads or raises")  # pragma: no cover


def _sample_lines(path: Path, encoding: str | None) -> list[str]:
    """The first lines of a text file, decoded leniently: enough to sniff the separator."""
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    text = head.decode(encoding or "utf-8-sig", errors="replace")
    lines = text.splitlines()
    if len(head) == _SNIFF_BYTES and lines:
        lines = lines[:-1]  # cut off mid-line
    return [line for line in lines[:_SNIFF_LINES] if line.strip()]


def _sniff_separator(lines: list[str]) -> str:
    """The separator that splits the header and (nearly) every sampled row into the same number of fields, > 1.

    The most fields wins, comma first among equals; a comma-separated file is
    assumed when none fits.
    """
    best, best_fields = ",", 1
    text = "\n".join(lines)
    for sep in _SEPARATORS:
        try:
            counts = [len(row) for row in csv.reader(io.StringIO(text), delimiter=sep) if row]
        except csv.Error:
            continue
        if not counts:
            continue
        fields, agreeing = Counter(counts).most_common(1)[0]
        if fields == counts[0] and agreeing >= 0.9 * len(counts) and fields > best_fields:
            best, best_fields = sep, fields
    return best


_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
_DECIMAL_POINT = re.compile(r"^-?\d+\.\d+$")


def _decimal_comma(lines: list[str], sep: str) -> bool:
    """True when numbers in the sampled rows are written 1,5 and none 1.5 (semicolon files from European locales)."""
    fields = [f.strip() for row in csv.reader(io.StringIO("\n".join(lines[1:])), delimiter=sep) for f in row]
    return any(_DECIMAL_COMMA.match(f) for f in fields) and not any(_DECIMAL_POINT.match(f) for f in fields)


def _check_header(path: Path, encoding: str, sep: str) -> None:
    """Refuse repeated column names, which pandas would silently rename."""
    # Undecodable bytes are reported with their offset by the full read; names are compared all the same.
    with open(path, newline="", encoding=encoding, errors="replace") as fh:
        header = next(csv.reader(fh, delimiter=sep), None)
    if not header:
        return
    seen: set[str] = set()
    dupes = []
    for name in header:
        if name in seen and name not in dupes:
            dupes.append(name)
        seen.add(name)
    if dupes:
        raise SchemaError(
            f"duplicate column names in {path}: {', '.join(map(repr, dupes))}; "
            "rename the columns so each name is unique",
            path=str(path), column=dupes[0],
        )


def _zoned_times_in_utc(df: pd.DataFrame) -> pd.DataFrame:
    """Zoned datetime columns, and columns of Python datetimes whose offsets differ, as UTC datetime columns."""
    converted = {}
    for name in df.columns:
        s = df[name]
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            if str(s.dt.tz) != "UTC":
                converted[name] = s.dt.tz_convert("UTC")
        elif s.dtype == object:
            values = s.dropna()
            if len(values) and all(isinstance(v, datetime) and v.tzinfo is not None
                                   for v in values.iloc[:100]):
                try:
                    converted[name] = pd.to_datetime(s, utc=True)
                except (TypeError, ValueError):
                    continue  # times with and without an offset further down: left as they are
    if converted:
        df = df.copy(deep=False)
        for name, values in converted.items():
            df[name] = values
    return df


def _read_parquet(path: Path, *, columns: list[str] | None, **kwargs: Any) -> pd.DataFrame:
    try:
        return pd.read_parquet(path, columns=columns, **kwargs)
    except (OSError, ValueError) as exc:  # pyarrow raises ArrowInvalid (a ValueError) and OSError
        raise DataError(f"cannot read Parquet data {path}: {exc}", path=str(path)) from None


def _sql_engine(source: str, table: str | None, query: str | None):  # noqa: ANN202 - sqlalchemy Engine
    import sqlalchemy as sa

    if (table is None) == (query is None):
        raise ConfigError(
            f"reading SQL source {source} needs exactly one of table= or query= (--table/--query)",
            parameter="table", path=source,
        )
    url = source
    if "://" not in source:
        path = Path(source)
        if not path.exists():
            raise DataError(f"SQLite file {path} does not exist; check the path", path=str(path))
        url = f"sqlite:///{path}"
    try:
        return sa.create_engine(url)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
        raise ConfigError(f"cannot use database URL {source!r}: {exc}", path=source) from None


def _check_table(conn: Any, source: str, table: str) -> None:
    import sqlalchemy as sa

    if not sa.inspect(conn).has_table(table):
        names = sa.inspect(conn).get_table_names()
        raise DataError(f"table {table!r} not found in {source}; tables are: {', '.join(names) or '(none)'}",
                        path=source, parameter="table")


def _read_sql(source: str, *, table: str | None, query: str | None, **kwargs: Any) -> pd.DataFrame:
    import sqlalchemy as sa

    engine = _sql_engine(source, table, query)
    try:
        with engine.connect() as conn:
            if table is not None:
                _check_table(conn, source, table)
                return pd.read_sql_table(table, conn, **kwargs)
            return pd.read_sql_query(sa.text(query), conn, **kwargs)
    except sa.exc.SQLAlchemyError as exc:
        raise DataError(f"reading from {source} failed: {exc.__class__.__name__}: {exc.args[0] if exc.args else exc}", path=source) from None
    finally:
        engine.dispose()


def iter_sql(source: str, *, table: str | None = None, query: str | None = None,
             chunk_rows: int = 100_000) -> Iterator[pd.DataFrame]:
    """Read a SQL table or query in chunks of ``chunk_rows`` rows (memory bounded by the chunk).

    Same sources and errors as :func:`load` for SQL.
    """
    import sqlalchemy as sa

    engine = _sql_engine(source, table, query)
    try:
        with engine.connect() as conn:
            if table is not None:
                _check_table(conn, source, table)
                yield from pd.read_sql_table(table, conn, chunksize=chunk_rows)
            else:
                yield from pd.read_sql_query(sa.text(query), conn, chunksize=chunk_rows)
    except sa.exc.SQLAlchemyError as exc:
        raise DataError(f"reading from {source} failed: {exc.__class__.__name__}: {exc.args[0] if exc.args else exc}", path=source) from None
    finally:
        engine.dispose()
