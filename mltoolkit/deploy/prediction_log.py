"""The prediction log: every online prediction, one SQLite row with its inputs and outputs.

One column per model input plus ``prediction``, ``score``, ``model_version``,
``request_id`` and ``scored_at``, so the monitoring stage reads it as its current
data with ``load("predictions.db", table="predictions")``.
"""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mltoolkit.deploy.input_schema import InputSchema
from mltoolkit.deploy.row_path import Rows

__all__ = ["PredictionLog", "LOG_TABLE"]

LOG_TABLE = "predictions"
_SQL_TYPES = {"number": "REAL", "integer": "INTEGER", "boolean": "INTEGER", "datetime": "TEXT", "string": "TEXT"}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _plain(values: np.ndarray | pd.Series, kind: str) -> list[Any]:
    """A checked column as Python values for SQLite: None for missing, booleans as bool, times as text."""
    if kind == "datetime":
        times = pd.DatetimeIndex(values)
        return [None if m else t for t, m in zip(times.astype(str), times.isna())]
    if kind in ("number", "integer", "boolean"):
        floats = values if isinstance(values, np.ndarray) else values.to_numpy(dtype=float, na_value=np.nan)
        cast = bool if kind == "boolean" else float  # SQLite keeps whole numbers of INTEGER columns as integers
        return [None if v != v else cast(v) for v in floats.tolist()]
    text = values if isinstance(values, np.ndarray) else values.to_numpy(dtype=object, na_value=None)
    return [None if v is None or v != v else str(v) for v in text.tolist()]


class PredictionLog:
    """Append-only SQLite log of predictions (safe to share between server threads)."""

    def __init__(self, path: str | Path, schema: InputSchema) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.columns = schema.names
        self.kinds = {f.name: f.type for f in schema.fields}
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        # WAL with synchronous=NORMAL: safe if the service crashes (the OS still has the pages); a power cut may lose
        # the last requests. An fsync per request would cost more than scoring one.
        self._conn.execute("PRAGMA synchronous=NORMAL")
        cols = ", ".join(f"{_quote(f.name)} {_SQL_TYPES.get(f.type, 'TEXT')}" for f in schema.fields)
        self._conn.execute(f"CREATE TABLE IF NOT EXISTS {LOG_TABLE} ({cols}, prediction TEXT, score REAL, "
                           "model_version TEXT, request_id TEXT, scored_at TEXT)")
        self._insert = (f"INSERT INTO {LOG_TABLE} ({', '.join(map(_quote, self.columns))}, prediction, score, "
                        f"model_version, request_id, scored_at) VALUES ({', '.join('?' * (len(self.columns) + 5))})")

    def append(self, inputs: Rows, predictions: pd.DataFrame, *, model_version: str, request_id: str,
               scored_at: str) -> None:
        """Append one request's rows (inputs as checked, outputs as returned), all or none.

        ``inputs`` is a checked frame or the checked columns of an online request
        (:func:`~mltoolkit.deploy.records.check_records`); both are stored alike,
        one column at a time as plain Python values (missing as None, times as text).
        """
        columns = [_plain(inputs[name], kind) for name, kind in self.kinds.items()]
        score = predictions["score"].to_numpy(dtype=float) if "score" in predictions else None
        n = len(predictions)
        scores = [None] * n if score is None else _plain(score, "number")
        labels = [str(p) for p in predictions["prediction"].tolist()]
        rows = list(zip(*columns, labels, scores, [model_version] * n, [request_id] * n, [scored_at] * n))
        with self._lock:
            # One transaction per request: a row that cannot be stored leaves none of its request's rows behind
            # (in autocommit mode each INSERT of executemany commits on its own).
            self._conn.execute("BEGIN")
            try:
                self._conn.executemany(self._insert, rows)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def read(self) -> pd.DataFrame:
        """The whole log as a DataFrame."""
        with self._lock:
            return pd.read_sql_query(f"SELECT * FROM {LOG_TABLE}", self._conn)

    def close(self) -> None:
        with self._lock:
            self._conn.close()
