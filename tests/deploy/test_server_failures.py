"""What the server does when scoring or logging fails: answered, counted in /metrics, nothing half-logged."""
from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest

from mltoolkit.data import make_trial_conversion
from mltoolkit.deploy import load_package
from mltoolkit.deploy.prediction_log import PredictionLog
from mltoolkit.deploy.records import check_records

pytestmark = pytest.mark.slow


def _records(n: int, seed: int = 1) -> list[dict]:
    df = make_trial_conversion(n, seed=seed).drop(columns="converted")
    return json.loads(df.to_json(orient="records", date_format="iso"))


@pytest.fixture
def failing_server(package, tmp_path):
    """The real app on uvicorn on loopback, with a model whose scoring fails (a bug we have not met yet)."""
    import uvicorn

    from mltoolkit.deploy.server import create_app

    pkg = load_package(package)

    def broken(rows):
        raise RuntimeError("a bug in scoring")

    pkg.score = broken
    log = tmp_path / "predictions.db"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(pkg, log_path=log), host="127.0.0.1", port=port,
                                           log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", log
    server.should_exit = True
    thread.join(timeout=20)


def test_unhandled_errors_are_answered_counted_and_not_logged(failing_server):
    from prometheus_client.parser import text_string_to_metric_families

    base, log = failing_server
    req = urllib.request.Request(f"{base}/predict", data=json.dumps({"records": _records(3)}).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(req, timeout=30)
    assert exc.value.code == 500 and "nothing was logged" in json.loads(exc.value.read())["error"]
    text = urllib.request.urlopen(f"{base}/metrics", timeout=30).read().decode()
    counts = {s.labels["status"]: s.value for f in text_string_to_metric_families(text) if f.name == "mltoolkit_requests"
              for s in f.samples if s.name.endswith("_total")}
    assert counts == {"500": 1.0}
    import sqlite3

    with sqlite3.connect(log) as conn:
        assert conn.execute("SELECT count(*) FROM predictions").fetchone()[0] == 0


def test_a_request_is_logged_whole_or_not_at_all(package, tmp_path):
    pkg = load_package(package)
    records = _records(100, seed=3)
    columns, _ = check_records(pkg.schema, records)
    preds = pkg.score(columns)
    columns["notes"] = columns["notes"].copy()
    columns["notes"][-1] = "\ud800"  # cannot be stored as UTF-8: the 100th row fails
    log = PredictionLog(tmp_path / "log.db", pkg.schema)
    with pytest.raises(UnicodeEncodeError):
        log.append(columns, preds, model_version="v", request_id="r", scored_at="t")
    assert len(log.read()) == 0
    columns["notes"][-1] = "fine"
    log.append(columns, preds, model_version="v", request_id="r", scored_at="t")
    assert len(log.read()) == 100
    log.close()
