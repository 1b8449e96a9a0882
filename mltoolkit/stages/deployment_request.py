"""A sample online request for a model package and the package's answer, as the prediction server gives it.

One row of the test split (target removed) becomes the JSON body of
``POST /predict``; it is checked and scored the way the server does it (the
records check of :func:`~mltoolkit.deploy.records.check_records`, then
:meth:`~mltoolkit.deploy.ModelPackage.score`, which takes the row path for
small requests). The deployment notebook shows both, with the commands to serve
the package and to send the request.
"""
from __future__ import annotations

import dataclasses
import json
import shlex
from pathlib import Path
from typing import Any

from mltoolkit._serialize import to_jsonable
from mltoolkit.data import load_split
from mltoolkit.deploy import ModelPackage
from mltoolkit.deploy.records import check_records, prediction_answer
from mltoolkit.errors import ConfigError, DataError, SchemaError
from mltoolkit.framing import ProjectCard

__all__ = ["SampleRequest", "sample_request"]

#: Rows of the test split tried, in order, for a sample the server accepts (``row=None``).
_ROWS_TRIED = 100
#: Host and port of ``mltoolkit serve`` when none are given.
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000


@dataclasses.dataclass(frozen=True)
class SampleRequest:
    """A ``POST /predict`` body and the package's answer to it.

    Attributes
    ----------
    package_dir : str
        The package folder.
    source : str
        Where the record comes from (the test split and the row's position).
    request : dict
        The JSON body: ``{"records": [{field: value, ...}]}``.
    answer : dict
        The JSON answer: ``model_version``, ``predictions`` (and ``scores``,
        ``warnings``). The server adds a ``request_id``, new for every request.
    scoring_path : str
        How the package scores small requests ("array path", or why the saved pipeline is used).
    """

    package_dir: str
    source: str
    request: dict[str, Any]
    answer: dict[str, Any]
    scoring_path: str

    def request_json(self, indent: int | None = 2) -> str:
        """The request body as JSON text."""
        return json.dumps(self.request, indent=indent, ensure_ascii=False)

    def answer_json(self, indent: int | None = 2) -> str:
        """The answer as JSON text."""
        return json.dumps(self.answer, indent=indent, ensure_ascii=False)

    def serve_command(self, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> str:
        """The shell command serving the package (``mltoolkit serve``), quoted for a POSIX shell."""
        options = ([f"--host {shlex.quote(host)}"] if host != DEFAULT_HOST else []) + \
                  ([f"--port {int(port)}"] if port != DEFAULT_PORT else [])
        return " ".join(["mltoolkit serve", shlex.quote(self.package_dir), *options])

    def curl_command(self, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> str:
        """The ``curl`` command sending the sample request to the served package, quoted for a POSIX shell."""
        body = json.dumps(self.request, ensure_ascii=False, separators=(",", ":"))
        return (f"curl -s -X POST http://{host}:{int(port)}/predict -H 'Content-Type: application/json' "
                f"-d {shlex.quote(body)}")

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


def _record(row: dict[str, Any]) -> dict[str, Any]:
    """A row as JSON values: numbers, text, true/false, ISO dates and times, null for missing."""
    record = {str(k): to_jsonable(v) for k, v in row.items()}
    return json.loads(json.dumps(record, allow_nan=False, ensure_ascii=False))  # exactly what a client would send


def _answer(package: ModelPackage, records: list[dict[str, Any]], source: str) -> dict[str, Any]:
    """The server's answer to ``records`` (``POST /predict``), without the request id it adds."""
    checked, outcome = check_records(package.schema, records, source=source)
    out = prediction_answer(package.version, package.score(checked), outcome)
    return json.loads(json.dumps(out, allow_nan=False, ensure_ascii=False))


def sample_request(card: ProjectCard, package: ModelPackage, *, data_dir: str | Path = "data",
                   row: int | None = None) -> SampleRequest:
    """One test row as a ``POST /predict`` request, and the package's answer to it.

    Parameters
    ----------
    card : ProjectCard
        Names the target, which is removed from the row.
    package : ModelPackage
        From :func:`~mltoolkit.stages.deployment.package_model`.
    data_dir : path
        Holds the test split.
    row : int, optional
        Position of the row in the test split; None takes the first of the
        first 100 rows that the server accepts (a number far outside the
        training range is refused online).

    Returns
    -------
    SampleRequest

    Raises
    ------
    ConfigError
        ``row`` is not a position in the test split.
    SchemaError
        The row does not fit the package's input schema (the server would
        answer HTTP 422); the message says why.
    """
    test = load_split(data_dir, "test").drop(columns=[card.target], errors="ignore")
    if test.empty:
        raise DataError(f"{data_dir}/test.parquet has no rows to make a sample request from; run data collection "
                        "again", path=f"{data_dir}/test.parquet")
    if row is not None and not 0 <= row < len(test):
        raise ConfigError(f"row={row} is not a row of {data_dir}/test.parquet ({len(test):,} rows); pass a position "
                          f"from 0 to {len(test) - 1}", parameter="row")
    tried = [row] if row is not None else range(min(len(test), _ROWS_TRIED))
    refusals: list[SchemaError] = []
    for i in tried:
        # Column by column, so each value keeps its column's type (a row of a numeric frame would be all floats).
        records = [_record({c: test[c].iloc[i] for c in test.columns})]
        source = f"row {i} of {data_dir}/test.parquet"
        try:
            answer = _answer(package, records, source)
        except SchemaError as exc:
            if row is not None:
                raise
            refusals.append(exc)
            continue
        return SampleRequest(package_dir=str(package.directory), source=source, request={"records": records},
                             answer=answer, scoring_path=package.row_path[1])
    raise SchemaError(f"none of the first {len(refusals)} rows of {data_dir}/test.parquet fits the package's input "
                      f"schema, so the server would refuse each; the first refusal: {refusals[0]}",
                      column=refusals[0].column)
