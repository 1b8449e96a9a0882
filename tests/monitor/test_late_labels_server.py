"""Late labels joined to the prediction log of the real server, started on loopback and stopped by process id."""
from __future__ import annotations

import json
import urllib.request

import pandas as pd
import pytest

from mltoolkit.data import make_trial_conversion

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(trained_project):
    """A project folder with a trained, evaluated, packaged linear model and its card."""
    return trained_project(1500, "late_labels")


@pytest.fixture(scope="module")
def served_log(project, serve):
    """The server's prediction log after 60 single-row requests and one request of 10 rows; the rows sent."""
    log = project / "predictions.db"
    with serve(project / "package", log) as base:
        rows = make_trial_conversion(70, seed=11)
        records = json.loads(rows.drop(columns="converted").to_json(orient="records", date_format="iso"))
        sent = []  # (request_id, request_row, true label)
        for i in range(60):
            out = _post(base, records[i:i + 1])
            sent.append((out["request_id"], 0, int(rows.converted.iloc[i])))
        out = _post(base, records[60:70])
        sent += [(out["request_id"], k, int(rows.converted.iloc[60 + k])) for k in range(10)]
    return log, pd.DataFrame(sent, columns=["request_id", "request_row", "converted"])


def _post(base: str, records: list[dict]) -> dict:
    req = urllib.request.Request(f"{base}/predict", data=json.dumps({"records": records}).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def test_late_labels_join_the_log_by_request_and_report_what_does_not_fit(project, served_log, tmp_path):
    from mltoolkit.artifacts import read_artifact
    from mltoolkit.stages.monitoring import monitor_stage

    log, sent = served_log
    labels = sent.iloc[:40]  # labels arrived for the first 40 rows only
    extra = pd.DataFrame({"request_id": [sent.request_id[0], sent.request_id[1], "not-a-request"],
                          "request_row": [0, 0, 0], "converted": [sent.converted[0], 1 - sent.converted[1], 1]})
    pd.concat([labels, extra]).to_csv(tmp_path / "labels.csv", index=False)
    result = monitor_stage(project / "project_card.yml", reference_path=project / "data" / "train.parquet",
                           current_path=str(log), current_table="predictions", chunk_size=35,
                           labels_path=tmp_path / "labels.csv", evaluation_dir=project / "artifacts",
                           predictions_path=None, output_dir=tmp_path / "out")
    p = result.report.production
    j = p.join
    assert j.source == "prediction log" and j.label_keys == ("request_id", "request_row") and j.n_rows == 70
    # Request 0 labelled twice alike (kept), request 1 twice with different labels (left unlabelled), one unknown.
    assert (j.duplicate_label_keys, j.conflicting_label_keys, j.unknown_label_keys) == (2, 1, 1)
    assert j.n_labelled == 39 and j.examples["unknown label keys"] == ["request_id=not-a-request, request_row=0"]
    assert any("no logged prediction" in x for x in j.problems())
    first, second = p.chunks
    assert first.basis == "actual and estimated" and first.n_labelled == 34
    assert second.basis == "actual and estimated" and second.n_labelled == 5 and second.estimated is not None
    assert p.expected is not None and p.expected.value == read_artifact(project / "artifacts", "evaluation").value
    written = read_artifact(tmp_path / "out", "performance")
    assert written == p
    monitoring = json.loads((tmp_path / "out" / "monitoring.json").read_text())
    assert monitoring["production"]["join"]["conflicting_label_keys"] == 1
