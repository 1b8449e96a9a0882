"""Online prediction over HTTP: FastAPI app, served by uvicorn.

- ``POST /predict``: ``{"records": [{column: value, ...}, ...]}`` in, sent as
  ``Content-Type: application/json`` (anything else is refused with HTTP 415,
  so a web page cannot post a form into the log); predictions (and
  probabilities for classifiers) out. Records of every request size go through
  one check against the package's input schema
  (:func:`~mltoolkit.deploy.records.check_records`); errors (HTTP 422) name the
  field. Bodies over ``max_body_bytes`` are refused (HTTP 413) before they are
  read in full; bodies that are not JSON, or nest too deeply to parse, get 400.
  Parsing, checking, scoring and logging run in a worker thread, so a large
  request does not hold up ``/health`` or other clients.
- ``GET /health``, ``GET /metadata`` (input schema, outputs, model version).
- ``GET /metrics``: Prometheus text format (prometheus-client): prediction
  requests by status (every answer, 5xx included), latency histogram,
  predictions by class, validation failures by field, process CPU and memory.
- Every successful prediction is appended to the prediction log (SQLite), one
  transaction per request, written only once the answer is ready: a request
  that fails leaves no rows, and every logged row's request id was sent to the
  client. The monitoring stage reads the log as its current data.
"""
from __future__ import annotations

import collections
import datetime as _dt
import json
import logging
import secrets
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from mltoolkit.deploy.package import ModelPackage, load_package
from mltoolkit.deploy.prediction_log import PredictionLog
from mltoolkit.deploy.records import check_records, prediction_answer
from mltoolkit.errors import MLToolkitError

__all__ = ["create_app", "serve", "DEFAULT_MAX_BODY_BYTES", "DEFAULT_MAX_RECORDS"]

DEFAULT_MAX_BODY_BYTES = 10 * 2**20
DEFAULT_MAX_RECORDS = 10_000
_LOG = logging.getLogger(__name__)
#: The label of validation failures that are not about one of the model's fields (kept few, for Prometheus).
_OTHER_FIELD = "(request)"


def _json_body(content: Any) -> bytes:
    """``content`` as the bytes of a JSON answer (as Starlette's JSONResponse renders it)."""
    return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


def _problem(status: int, message: str, **extra: Any) -> Response:
    # ensure_ascii: a message may quote what the client sent, and that need not be valid UTF-8 text
    body = json.dumps({"error": message, **extra}, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    return Response(body, status_code=status, media_type="application/json")


def _is_json(content_type: str | None) -> bool:
    return content_type is not None and content_type.split(";", 1)[0].strip().lower() == "application/json"


def create_app(package: str | Path | ModelPackage, *, log_path: str | Path | None = "predictions.db",
               max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, max_records: int = DEFAULT_MAX_RECORDS) -> Any:
    """Build the FastAPI application for a model package (see the module docstring).

    Parameters
    ----------
    package : path or ModelPackage
        The model package (loaded and verified here when a path).
    log_path : path or None, default "predictions.db"
        SQLite prediction log; None logs nothing.
    max_body_bytes : int
        Largest request body accepted (HTTP 413 above).
    max_records : int
        Most records accepted in one request (HTTP 413 above).

    Returns
    -------
    fastapi.FastAPI

    Raises
    ------
    ModelPackageError
        The package does not load or verify (see :func:`~mltoolkit.deploy.load_package`).
    """
    pkg = package if isinstance(package, ModelPackage) else load_package(package)
    log = PredictionLog(log_path, pkg.schema) if log_path else None
    app = FastAPI(title=f"mltoolkit model {pkg.version}", docs_url=None, redoc_url=None, openapi_url=None)
    metadata = {"model_version": pkg.version, "task": pkg.manifest.get("task"), "target": pkg.manifest.get("target"),
                "decision_threshold": pkg.manifest.get("decision_threshold"),
                "mlflow_run_id": pkg.manifest.get("mlflow_run_id"), "input_schema": pkg.schema.to_dict(),
                "outputs": json.loads((pkg.directory / "output.json").read_text(encoding="utf-8")),
                "max_body_bytes": max_body_bytes, "max_records": max_records,
                # Built and checked now, not on the first request: which way small requests are scored, and why.
                "small_requests": pkg.row_path[1]}
    fields = set(pkg.schema.names)
    metrics = _Metrics()

    @app.get("/metrics")
    def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "model_version": pkg.version}

    @app.get("/metadata")
    def meta() -> dict[str, Any]:
        return metadata

    @app.post("/predict")
    async def predict(request: Request) -> Response:
        started = time.perf_counter()
        try:
            response = await _answer(request)
        except Exception:  # a bug: answered, counted and logged with its traceback, never a silent dropped request
            _LOG.exception("unexpected error answering POST /predict")
            response = _problem(500, "internal error while scoring the request; nothing was logged. The server's "
                                     "log has the details")
        metrics.requests.labels(status=str(response.status_code)).inc()
        metrics.latency.observe(time.perf_counter() - started)
        return response

    async def _answer(request: Request) -> Response:
        if not _is_json(request.headers.get("content-type")):
            return _problem(415, "send the records as JSON with the header Content-Type: application/json")
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_body_bytes:
            return _problem(413, f"request body of {int(declared):,} bytes is over the limit of {max_body_bytes:,}; "
                                 "send fewer records per request")
        body = bytearray()
        try:
            async for part in request.stream():
                body += part
                if len(body) > max_body_bytes:
                    return _problem(413, f"request body is over the limit of {max_body_bytes:,} bytes; "
                                         "send fewer records per request")
        except ClientDisconnect:  # nobody is left to answer; counted all the same
            return _problem(400, "the client closed the connection before sending the whole body")
        # Off the event loop: parsing and scoring 10,000 records takes a second, and /health must not wait for it.
        return await run_in_threadpool(_score_body, bytes(body))

    def _score_body(body: bytes) -> Response:
        try:
            payload = json.loads(body or b"null")
        except RecursionError:
            return _problem(400, "request body nests JSON too deeply to parse; send flat records of plain values")
        except ValueError as exc:
            return _problem(400, f"request body is not valid JSON: {exc}")
        records = payload.get("records") if isinstance(payload, dict) else payload
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            return _problem(422, 'send {"records": [{"column": value, ...}, ...]}')
        if not records:
            return _problem(422, "no records to score")
        if len(records) > max_records:
            return _problem(413, f"{len(records):,} records is over the limit of {max_records:,} per request")
        try:
            checked, outcome = check_records(pkg.schema, records, source="the request")
        except MLToolkitError as exc:
            field = exc.column if exc.column in fields else None
            metrics.validation_failures.labels(field=field or _OTHER_FIELD).inc()
            return _problem(422, exc.message, field=field)
        preds = pkg.score(checked)
        request_id = secrets.token_hex(8)
        scored_at = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        answer = prediction_answer(pkg.version, preds, outcome)
        labels = answer["predictions"]
        out = {"model_version": answer.pop("model_version"), "request_id": request_id, **answer}
        content = _json_body(out)  # rendered before logging: rows are logged only for an answer that can be sent
        if log is not None:
            log.append(checked, preds, model_version=pkg.version, request_id=request_id, scored_at=scored_at)
        for label, count in collections.Counter(map(str, labels)).items():
            metrics.predictions.labels(prediction=label).inc(count)
        return Response(content, media_type="application/json")

    app.state.prediction_log = log
    return app


class _Metrics:
    """The service's Prometheus metrics, in a registry of its own (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("mltoolkit_requests", "Prediction requests by HTTP status (every answer, 5xx "
                                "included)", ["status"],
                                registry=self.registry)
        self.latency = Histogram("mltoolkit_request_seconds", "Time to answer a prediction request",
                                 buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5), registry=self.registry)
        self.predictions = Counter("mltoolkit_predictions", "Predictions served, by predicted class or value",
                                   ["prediction"], registry=self.registry)
        self.validation_failures = Counter("mltoolkit_validation_failures", "Requests refused by the input schema",
                                           ["field"], registry=self.registry)
        ProcessCollector(registry=self.registry)


def serve(package: str | Path, *, host: str = "127.0.0.1", port: int = 8000, log_path: str | Path = "predictions.db",
          max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, workers_log_level: str = "warning") -> None:
    """Run the prediction service with uvicorn until interrupted."""
    import uvicorn

    app = create_app(package, log_path=log_path, max_body_bytes=max_body_bytes)
    uvicorn.run(app, host=host, port=port, log_level=workers_log_level)
