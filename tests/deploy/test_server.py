"""The prediction server as a real process on loopback: predict, health, metadata, bad requests, the log."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from mltoolkit.data import load, make_trial_conversion

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, package):
    root = tmp_path_factory.mktemp("serve")
    port = _free_port()
    log = root / "predictions.db"
    proc = subprocess.Popen([sys.executable, "-m", "mltoolkit", "serve", str(package), "--port", str(port),
                             "--log", str(log), "--max-body-mb", "1"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            pytest.fail(f"server exited: {proc.stdout.read().decode()[-2000:]}")
        try:
            urllib.request.urlopen(f"{base}/health", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail("server did not answer within 60 s")
            time.sleep(0.3)
    yield base, log
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=20)


def _post(base: str, body: bytes) -> tuple[int, dict]:
    req = urllib.request.Request(f"{base}/predict", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def _records(n: int, seed: int = 1) -> list[dict]:
    df = make_trial_conversion(n, seed=seed).drop(columns="converted")
    return json.loads(df.to_json(orient="records", date_format="iso"))


def test_predicts_and_logs_every_row(server):
    base, log = server
    status, out = _post(base, json.dumps({"records": _records(5)}).encode())
    assert status == 200, out
    assert len(out["predictions"]) == 5 and all(0 <= s <= 1 for s in out["scores"])
    meta = json.loads(urllib.request.urlopen(f"{base}/metadata").read())
    assert meta["model_version"] == out["model_version"] and meta["input_schema"]["fields"]
    assert meta["small_requests"] == "array path"
    logged = load(str(log), table="predictions")
    assert len(logged) >= 5 and {"website_visits", "prediction", "score", "model_version"} <= set(logged.columns)


def test_bad_requests_name_the_field(server):
    base, _ = server
    rec = _records(1)[0]
    missing = {k: v for k, v in rec.items() if k != "location"}
    status, out = _post(base, json.dumps({"records": [missing]}).encode())
    assert status == 422 and "location" in out["error"] and out["field"] == "location"
    status, out = _post(base, json.dumps({"records": [{**rec, "website_visits": "lots"}]}).encode())
    assert status == 422 and "'website_visits' must be a number" in out["error"]
    status, out = _post(base, json.dumps({"records": [{**rec, "signup_date": "2025-06-05T14:11:52Z"}]}).encode())
    assert status == 422 and out["field"] == "signup_date" and "time-zone offset" in out["error"]
    status, out = _post(base, json.dumps({"records": [{**rec, "surprise": 1}]}).encode())
    assert status == 200 and "ignored extra columns: surprise" in out["warnings"]
    status, out = _post(base, b"{not json")
    assert status == 400
    status, out = _post(base, json.dumps({"records": []}).encode())
    assert status == 422


def test_oversized_body_is_refused_without_reading_it(server):
    base, _ = server
    big = b'{"records": [' + b'{"a": "' + b"x" * (100 * 2**20) + b'"}]}'
    t0 = time.perf_counter()
    try:
        status, out = _post(base, big)
    except (ConnectionError, urllib.error.URLError):  # the server may close the socket mid-upload
        status, out = 413, {"error": "connection closed"}
    assert status == 413 and time.perf_counter() - t0 < 30
    assert urllib.request.urlopen(f"{base}/health").status == 200


def test_metrics_are_scraped_in_prometheus_format(server):
    base, _ = server
    _post(base, json.dumps({"records": _records(3, seed=7)}).encode())
    _post(base, json.dumps({"records": [{"website_visits": 1}]}).encode())
    text = urllib.request.urlopen(f"{base}/metrics").read().decode()
    from prometheus_client.parser import text_string_to_metric_families

    families = {f.name: f for f in text_string_to_metric_families(text)}
    ok = sum(s.value for s in families["mltoolkit_requests"].samples
             if s.name.endswith("_total") and s.labels["status"] == "200")
    assert ok >= 1
    assert any(s.labels.get("status") == "422" for s in families["mltoolkit_requests"].samples)
    assert sum(s.value for s in families["mltoolkit_predictions"].samples if s.name.endswith("_total")) >= 3
    assert "mltoolkit_request_seconds" in families and "process_resident_memory_bytes" in text


def test_usage_per_day_from_the_prediction_log(server):
    from mltoolkit.deploy import is_prediction_log, prediction_usage
    from mltoolkit.errors import SchemaError

    base, log = server
    _post(base, json.dumps({"records": _records(4, seed=8)}).encode())
    frame = load(str(log), table="predictions")
    assert is_prediction_log(frame)
    usage = prediction_usage(frame)
    assert usage.total_predictions == len(frame) and usage.total_requests >= 2
    assert sum(d.predictions for d in usage.days) == len(frame) and usage.idle_days == 0
    assert list(usage.model_versions.values()) == [len(frame)]
    with pytest.raises(SchemaError, match="not a prediction log"):
        prediction_usage(frame.drop(columns="request_id"))


def test_monitoring_reads_the_prediction_log_and_reports_use(server):
    from mltoolkit.monitor import run_monitoring
    from mltoolkit.widgets import MonitoringSummary

    base, log = server
    _post(base, json.dumps({"records": _records(60, seed=9)}).encode())
    current = load(str(log), table="predictions")
    reference = make_trial_conversion(500, seed=1).drop(columns="converted")
    report = run_monitoring(reference, current, prediction_column=None, domain_classifier=False)
    assert report.usage is not None and report.usage.total_predictions == len(current)
    compared = {c.column for c in report.drift.columns}
    assert "request_id" not in compared and "scored_at" not in compared and "website_visits" in compared
    assert "predictions in" in MonitoringSummary(report).static_html()
