"""The prediction log: every online prediction, one SQLite row with its inputs and outputs.

One column per model input plus ``prediction``, ``score``, ``model_version``,
``request_id`` and ``scored_at``, so the monitoring stage reads it as its current
data with ``load("predictions.db", table="predictions")``.
"""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pandas as pd

from mltoolkit.deploy.input_schema import InputSchema

__all__ = ["PredictionLog", "LOG_TABLE"]

LOG_TABLE = "predictions"
_SQL_TYPES = {"number": "REAL", "integer": "INTEGER", "boolean": "INTEGER", "datetime": "TEXT", "string": "TEXT"}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class PredictionLog:
    """Append-only SQLite log of predictions (safe to share between server threads)."""

    def __init__(self, path: str | Path, schema: InputSchema) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.columns = schema.names
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

    def append(self, inputs: pd.DataFrame, predictions: pd.DataFrame, *, model_version: str, request_id: str,
               scored_at: str) -> None:
        """Append one request's rows (inputs as checked, outputs as returned).

        Columns are converted one at a time to plain Python values (missing as
        None, times as text): for a one-row request this costs a fraction of a
        millisecond, where building an object frame cost about ten.
        """
        columns = []
        for name in self.columns:
            s = inputs[name]
            values = (s.astype("string") if pd.api.types.is_datetime64_any_dtype(s) else s).tolist()
            missing = s.isna().to_numpy()
            if missing.any():
                values = [None if m else v for v, m in zip(values, missing)]
            columns.append(values)
        score = predictions["score"].tolist() if "score" in predictions else [None] * len(predictions)
        score = [None if s is None or s != s else float(s) for s in score]
        labels = [str(p) for p in predictions["prediction"].tolist()]
        n = len(labels)
        rows = list(zip(*columns, labels, score, [model_version] * n, [request_id] * n, [scored_at] * n))
        with self._lock:
            self._conn.executemany(self._insert, rows)

    def read(self) -> pd.DataFrame:
        """The whole log as a DataFrame."""
        with self._lock:
            return pd.read_sql_query(f"SELECT * FROM {LOG_TABLE}", self._conn)

    def close(self) -> None:
        with self._lock:
            self._conn.close()
