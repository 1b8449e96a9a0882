"""Online prediction over HTTP: FastAPI app, served by uvicorn.

- ``POST /predict``: ``{"records": [{column: value, ...}, ...]}`` in; predictions
  (and probabilities for classifiers) out. Records are checked against the
  package's input schema; errors (HTTP 422) name the field. Bodies over
  ``max_body_bytes`` are refused (HTTP 413) before they are read in full.
- ``GET /health``, ``GET /metadata`` (input schema, outputs, model version).
- ``GET /metrics``: Prometheus text format (prometheus-client): requests by
  status, latency histogram, predictions by class, validation failures by
  field, process CPU and memory.
- Every prediction is appended to the prediction log (SQLite), which the
  monitoring stage reads as its current data.
"""
from __future__ import annotations

import collections
import datetime as _dt
import json
import secrets
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)

from mltoolkit.deploy.package import ModelPackage, load_package
from mltoolkit.deploy.prediction_log import PredictionLog
from mltoolkit.deploy.records import check_records
from mltoolkit.errors import MLToolkitError

__all__ = ["create_app", "serve", "DEFAULT_MAX_BODY_BYTES", "DEFAULT_MAX_RECORDS"]

DEFAULT_MAX_BODY_BYTES = 10 * 2**20
DEFAULT_MAX_RECORDS = 10_000
#: Requests with at most this many records are checked record by record (faster than building a frame first).
RECORD_PATH_MAX = 100


def create_app(package: str | Path | ModelPackage, *, log_path: str | Path | None = "predictions.db",
               max_body_bytes: int = DEFAULT_MAX_BODY_BYTES, max_records: int = DEFAULT_MAX_RECORDS) -> Any:
    """Build the FastAPI application for a model package (see the module docstring)."""
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

    metrics = _Metrics()

    def problem(status: int, message: str, **extra: Any) -> JSONResponse:
        metrics.requests.labels(status=str(status)).inc()
        return JSONResponse(status_code=status, content={"error": message, **extra})

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
    async def predict(request: Request) -> Any:
        with metrics.latency.time():
            return await _predict(request)

    async def _predict(request: Request) -> Any:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_body_bytes:
            return problem(413, f"request body of {int(declared):,} bytes is over the limit of {max_body_bytes:,}; "
                                "send fewer records per request")
        body = bytearray()
        async for part in request.stream():
            body += part
            if len(body) > max_body_bytes:
                return problem(413, f"request body is over the limit of {max_body_bytes:,} bytes; "
                                    "send fewer records per request")
        try:
            payload = json.loads(body or b"null")
        except ValueError as exc:
            return problem(400, f"request body is not valid JSON: {exc}")
        records = payload.get("records") if isinstance(payload, dict) else payload
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            return problem(422, 'send {"records": [{"column": value, ...}, ...]}')
        if not records:
            return problem(422, "no records to score")
        if len(records) > max_records:
            return problem(413, f"{len(records):,} records is over the limit of {max_records:,} per request")
        try:
            if len(records) <= RECORD_PATH_MAX:
                checked, outcome = check_records(pkg.schema, records, source="the request")
            else:
                checked, outcome = pkg.schema.check(pd.DataFrame.from_records(records), source="the request")
        except MLToolkitError as exc:
            metrics.validation_failures.labels(field=str(exc.column)).inc()
            return problem(422, exc.message, field=exc.column)
        preds = pkg.score(checked)
        request_id = secrets.token_hex(8)
        scored_at = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        if log is not None:
            log.append(checked, preds, model_version=pkg.version, request_id=request_id, scored_at=scored_at)
        labels = preds["prediction"].tolist()
        out = {"model_version": pkg.version, "request_id": request_id, "predictions": labels}
        if "score" in preds:
            out["scores"] = preds["score"].to_numpy(dtype=float).tolist()
        if outcome.warnings:
            out["warnings"] = outcome.warnings
        metrics.requests.labels(status="200").inc()
        for label, count in collections.Counter(map(str, labels)).items():
            metrics.predictions.labels(prediction=label).inc(count)
        return out

    app.state.prediction_log = log
    return app


class _Metrics:
    """The service's Prometheus metrics, in a registry of its own (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("mltoolkit_requests", "Prediction requests by HTTP status", ["status"],
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
