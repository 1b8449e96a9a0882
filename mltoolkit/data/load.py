"""One entry point to read a table from CSV, Parquet or SQL."""
from __future__ import annotations

import csv
from pathlib import Path
from collections.abc import Iterator
from typing import Any

import pandas as pd

from mltoolkit.data.demo import DEMO_SCHEME, load_demo
from mltoolkit.data.schema import check_unique_columns
from mltoolkit.errors import ConfigError, DataError, SchemaError

__all__ = ["load", "iter_sql"]

_CSV_SUFFIXES = {".csv", ".tsv", ".txt", ".gz", ".bz2", ".zip", ".xz"}
_PARQUET_SUFFIXES = {".parquet", ".pq"}
_SQLITE_SUFFIXES = {".db", ".sqlite", ".sqlite3"}


def load(
    source: str | Path | pd.DataFrame,
    *,
    table: str | None = None,
    query: str | None = None,
    format: str | None = None,
    encoding: str = "utf-8",
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
    encoding : str, default "utf-8"
        Text encoding of CSV files.
    columns : list of str, optional
        Read only these columns.
    **read_kwargs
        Passed to :func:`pandas.read_csv`, :func:`pandas.read_parquet` or
        :func:`pandas.read_sql`.

    Returns
    -------
    pandas.DataFrame

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


def _read_csv(path: Path, *, encoding: str, columns: list[str] | None, **kwargs: Any) -> pd.DataFrame:
    if path.stat().st_size == 0:
        raise DataError(f"data file {path} is empty (0 bytes)", path=str(path))
    sep = kwargs.pop("sep", "\t" if path.suffix.lower() == ".tsv" else ",")
    if path.suffix.lower() in {".csv", ".tsv", ".txt"}:
        _check_header(path, encoding, sep)
    try:
        return pd.read_csv(path, sep=sep, encoding=encoding, usecols=columns, low_memory=False, **kwargs)
    except UnicodeDecodeError as exc:
        raise DataError(
            f"data file {path} is not valid {encoding} text (byte {exc.start}: {exc.reason}); "
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
            raise ConfigError(f"cannot read columns {columns} from {path}: {exc}", path=str(path), parameter="columns") from None
        raise


def _check_header(path: Path, encoding: str, sep: str) -> None:
    """Refuse repeated column names, which pandas would silently rename."""
    try:
        with open(path, newline="", encoding=encoding) as fh:
            header = next(csv.reader(fh, delimiter=sep), None)
    except UnicodeDecodeError:
        return  # reported with its byte offset by the full read
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
