"""Dataset fingerprints: a content hash plus the schema, to version data."""
from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

import pandas as pd

from mltoolkit._serialize import to_jsonable
from mltoolkit.data.schema import Schema, infer_schema

__all__ = ["DatasetFingerprint", "fingerprint"]


@dataclasses.dataclass(frozen=True)
class DatasetFingerprint:
    """Identity of a dataset's content and schema.

    Attributes
    ----------
    content_hash : str
        SHA-256 over the row hashes of all cells (order-sensitive).
    schema_hash : str
        SHA-256 over the column names, dtypes and inferred kinds.
    n_rows, n_columns : int
        Shape of the table.
    """

    content_hash: str
    schema_hash: str
    n_rows: int
    n_columns: int

    @property
    def short(self) -> str:
        """Twelve hex digits naming content and schema together, for reports."""
        return hashlib.sha256((self.content_hash + self.schema_hash).encode()).hexdigest()[:12]

    def to_dict(self) -> dict[str, Any]:
        data = to_jsonable(self)
        data["short"] = self.short
        return data


def fingerprint(df: pd.DataFrame, schema: Schema | None = None, *,
                row_hashes: pd.Series | None = None) -> DatasetFingerprint:
    """Fingerprint ``df``: equal data and schema give equal fingerprints.

    Parameters
    ----------
    df : pandas.DataFrame
    schema : Schema, optional
        Inferred from ``df`` when not given.
    row_hashes : Series, optional
        ``pandas.util.hash_pandas_object(df, index=False)``, when the caller
        already has it (hashing is the expensive part).

    Returns
    -------
    DatasetFingerprint

    Examples
    --------
    >>> import pandas as pd
    >>> a = fingerprint(pd.DataFrame({"x": [1, 2]}))
    >>> b = fingerprint(pd.DataFrame({"x": [1, 3]}))
    >>> a.content_hash == b.content_hash
    False
    """
    schema = schema or infer_schema(df)
    if row_hashes is None:
        row_hashes = pd.util.hash_pandas_object(df, index=False)
    content = hashlib.sha256(row_hashes.to_numpy().tobytes())
    content.update(json.dumps([str(c) for c in df.columns]).encode())
    schema_blob = json.dumps(schema.to_dict(), sort_keys=True).encode()
    return DatasetFingerprint(
        content_hash=content.hexdigest(),
        schema_hash=hashlib.sha256(schema_blob).hexdigest(),
        n_rows=int(len(df)),
        n_columns=int(df.shape[1]),
    )
