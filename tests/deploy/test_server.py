"""The prediction server as a real process on loopback: predict, health, metadata, bad requests, the log.

The hardening probes (issue 15) send what a careless or hostile client would:
deep nesting, lone surrogates, huge numbers, wrong types at every request size,
non-JSON bodies, and a large request beside a health check.
"""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from mltoolkit.data import load, make_trial_conversion

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory, package, serve):
    log = tmp_path_factory.mktemp("serve") / "predictions.db"
    with serve(package, log, "--max-body-mb", "8") as base:
        yield base, log


def _post(base: str, body: bytes, content_type: str = "application/json") -> tuple[int, dict]:
    req = urllib.request.Request(f"{base}/predict", data=body, method="POST", headers={"Content-Type": content_type})
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


def _rows(log) -> int:
    import sqlite3

    with sqlite3.connect(log) as conn:
        return conn.execute("SELECT count(*) FROM predictions").fetchone()[0]


def test_deeply_nested_json_is_a_client_error(server):
    base, _ = server
    rec = _records(1)[0]
    deep = "[" * 1000 + "]" * 1000
    body = json.dumps({"records": [{**rec, "notes": "@"}]}).replace('"@"', deep).encode()
    status, out = _post(base, body)
    assert status == 400 and "nests JSON too deeply" in out["error"]
    body = json.dumps({"records": [{**rec, "notes": "@"}]}).replace('"@"', "[" * 50 + "]" * 50).encode()
    status, out = _post(base, body)
    assert status == 422 and out["field"] == "notes" and "got [a list]" in out["error"]


def test_lone_surrogate_is_refused_and_no_row_is_logged(server):
    base, log = server
    before = _rows(log)
    records = _records(100, seed=11)
    records[-1]["notes"] = "\ud800"
    status, out = _post(base, json.dumps({"records": records}).encode())
    assert status == 422 and out["field"] == "notes" and "valid Unicode" in out["error"]
    status, out = _post(base, json.dumps({"records": [{**records[0], "\ud800": 1}]}).encode())
    assert status == 422 and "field name" in out["error"]
    assert _rows(log) == before


@pytest.mark.parametrize("n", [1, 100, 101, 500])
def test_a_huge_number_is_refused_naming_the_field(server, n):
    base, _ = server
    records = _records(n, seed=12)
    records[-1]["website_visits"] = 10**400
    status, out = _post(base, json.dumps({"records": records}).encode())
    assert status == 422 and out["field"] == "website_visits" and "must be a number" in out["error"]


@pytest.mark.parametrize("n", [1, 100, 101, 2000])
@pytest.mark.parametrize(("field", "value", "expected"), [
    ("support_tickets", "3", "must be a number"),
    ("location", None, "lacks field(s) ['location']"),
    ("location", {"a": 1}, "must be text, got [an object]"),
    ("demo_taken", [True], "must be true/false"),
])
def test_validation_is_the_same_for_every_request_size(server, n, field, value, expected):
    base, _ = server
    records = _records(n, seed=13)
    if value is None:
        del records[-1][field]
    else:
        records[-1][field] = value
    status, out = _post(base, json.dumps({"records": records}).encode())
    assert status == 422 and out["field"] == field and expected in out["error"]


def test_only_json_bodies_are_scored(server):
    base, log = server
    before = _rows(log)
    body = json.dumps({"records": _records(2)}).encode()
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        status, out = _post(base, body, content_type)
        assert status == 415 and "Content-Type: application/json" in out["error"]
    assert _post(base, body, "application/json; charset=utf-8")[0] == 200
    assert _rows(log) == before + 2


def test_a_large_request_does_not_hold_up_health(server):
    import threading

    base, _ = server
    body = json.dumps({"records": _records(10_000, seed=14)}).encode()
    done: dict[str, float] = {}

    def big() -> None:
        done["status"] = _post(base, body)[0]
        done["finished"] = time.perf_counter()

    thread = threading.Thread(target=big)
    thread.start()
    time.sleep(0.05)  # the body is sent and being parsed or scored
    urllib.request.urlopen(f"{base}/health", timeout=30).read()
    health_finished = time.perf_counter()
    thread.join(timeout=60)
    assert done["status"] == 200
    # Order, not speed: scored on the event loop, /health could only answer after the large request.
    assert health_finished < done["finished"], "/health waited for the large request to finish"


def test_stray_keys_are_named_in_one_short_warning(server):
    base, _ = server
    rec = {**_records(1)[0], **{f"stray_{i:03d}": i for i in range(500)}}
    status, out = _post(base, json.dumps({"records": [rec]}).encode())
    assert status == 200 and "ignored extra columns: stray_000, " in out["warnings"][0]
    assert out["warnings"][0].endswith("and 490 more")
