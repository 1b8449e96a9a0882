"""The deployment stage as steps: the same record as the one-call stage, and a sample request answered as served."""
from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import urllib.request

import pandas as pd
import pytest

from mltoolkit.deploy import load_package
from mltoolkit.errors import ConfigError, SchemaError
from mltoolkit.framing import load_card
from mltoolkit.stages import (
    SampleRequest,
    check_release,
    deploy_stage,
    finish_deployment,
    package_model,
    read_ab_test,
    sample_request,
    score_batch,
)
from mltoolkit.stages.deployment import NO_BATCH_NOTE
from mltoolkit.widgets import (
    ABTestSummary,
    BatchSummary,
    PackageContents,
    ReleaseChecksTable,
    SampleRequestView,
    ServingInstructions,
)


@pytest.fixture(scope="module")
def project(trained_project):
    """A small binary project (demo rows): trained, evaluated and packaged."""
    return trained_project(1500, "deployment_steps")


@pytest.fixture
def work(project, tmp_path, monkeypatch):
    """A copy of the project as the working folder; its card."""
    shutil.copytree(project, tmp_path / "p")
    monkeypatch.chdir(tmp_path / "p")
    return load_card("project_card.yml")


def _without_timings(record: dict) -> dict:
    release = record["release"]
    return {**record, "release": {**release, "latency_p50_ms": None, "latency_p99_ms": None, "passed": None,
                                  "checks": [{**c, "value": None, "passed": None} for c in release["checks"]]},
            "release_passed": None, "batch": {**record["batch"], "seconds": None}}


def test_steps_write_what_the_one_call_stage_writes(work, tmp_path):
    source, log = "data/test.parquet", "demo://experiment?users=3000"
    deploy_stage(work, batch_source=source, predictions_path="one_call.parquet", experiment_log=log,
                 experiment_metric="converted")
    one_call = json.loads((tmp_path / "p" / "artifacts" / "deployment.json").read_text())
    package = package_model()
    release = check_release(work, package)
    batch = score_batch(work, package, batch_source=source, predictions_path="steps.parquet")
    ab_test = read_ab_test(work, experiment_log=log, experiment_metric="converted")
    result = finish_deployment(package, release, batch=batch, ab_test=ab_test)
    steps = json.loads((tmp_path / "p" / "artifacts" / "deployment.json").read_text())
    steps["batch"]["output"] = "one_call.parquet"
    assert _without_timings(steps) == _without_timings(one_call)
    pd.testing.assert_frame_equal(pd.read_parquet("steps.parquet").drop(columns="scored_at"),
                                  pd.read_parquet("one_call.parquet").drop(columns="scored_at"))
    assert result.package_dir == "package" and result.notes == ()
    assert "ready to release" in ReleaseChecksTable(release).static_html() or not release.passed
    assert f"{batch.rows:,} in 1 chunk" in BatchSummary(batch).static_html()
    assert ab_test.recommendation in ABTestSummary(ab_test).static_html()


def test_without_current_data_or_experiment_log_the_batch_and_ab_test_are_skipped(work):
    package = package_model()
    assert score_batch(work, package) is None and read_ab_test(work) is None
    result = finish_deployment(package, check_release(work, package))
    assert result.notes == (NO_BATCH_NOTE,) and result.batch is None and result.ab_test is None
    assert "skipped" in BatchSummary(None).static_html() and "No experiment log" in ABTestSummary(None).static_html()


def test_package_contents_list_every_file_with_its_checksum(work):
    package = package_model(package_dir="pkg <b>")
    html = PackageContents(package).static_html()
    for name, digest in package.manifest["files"].items():
        assert name in html and digest in html
    assert "pkg &lt;b&gt;" in html and "pkg <b>" not in html


def test_sample_answer_is_what_the_package_predicts_for_the_row(work):
    package = load_package("package")
    sample = sample_request(work, package, row=3)
    test = pd.read_parquet("data/test.parquet")
    [record] = sample.request["records"]
    assert work.target not in record and list(record) == [c for c in test.columns if c != work.target]
    expected, _ = package.predict_frame(test.iloc[[3]].drop(columns=work.target))  # the batch (frame) path
    assert sample.answer["predictions"] == expected["prediction"].tolist()
    assert sample.answer["scores"] == pytest.approx(expected["score"].tolist(), rel=1e-9)
    assert sample.answer["model_version"] == package.version and sample.source.startswith("row 3 of ")
    json.loads(sample.request_json()), json.loads(sample.answer_json())  # both are JSON text


@pytest.mark.slow
def test_the_served_package_answers_the_sample_request_as_shown(work, serve, tmp_path):
    package = load_package("package")
    sample = sample_request(work, package)
    with serve(tmp_path / "p" / "package", tmp_path / "log.db") as base:
        req = urllib.request.Request(f"{base}/predict", data=sample.request_json().encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            served = json.loads(r.read())
        port = int(base.rsplit(":", 1)[1])
        curl = shutil.which("curl") and subprocess.run(["sh", "-c", sample.curl_command(port=port)],
                                                        capture_output=True, text=True, timeout=30, check=True)
    assert served.pop("request_id") and served == sample.answer
    if curl:  # the command shown in the notebook, run by a shell
        by_curl = json.loads(curl.stdout)
        assert by_curl.pop("request_id") and by_curl == sample.answer


def test_a_row_the_server_would_refuse_is_skipped_unless_asked_for(work, tmp_path):
    package = load_package("package")
    test = pd.read_parquet("data/test.parquet")
    test.loc[0, "website_visits"] = 1e12  # far outside the training range: refused online
    (tmp_path / "odd").mkdir()
    test.to_parquet(tmp_path / "odd" / "test.parquet", index=False)
    assert sample_request(work, package, data_dir=tmp_path / "odd").source.startswith("row 1 of ")
    with pytest.raises(SchemaError, match="website_visits") as err:
        sample_request(work, package, data_dir=tmp_path / "odd", row=0)
    assert err.value.column == "website_visits"
    with pytest.raises(ConfigError, match=r"row=300 is not a row .* \(300 rows\)") as err:
        sample_request(work, package, row=len(test))
    assert err.value.parameter == "row"


def test_commands_are_quoted_for_a_shell():
    sample = SampleRequest(package_dir="my package", source="row 0", scoring_path="array path",
                           request={"records": [{"name": "O'Brien <b>", "n": 1}]}, answer={"predictions": ["1"]})
    assert sample.serve_command() == "mltoolkit serve 'my package'"
    assert sample.serve_command(host="0.0.0.0", port=9000) == "mltoolkit serve 'my package' --host 0.0.0.0 --port 9000"
    args = shlex.split(sample.curl_command(port=9000))
    assert args[:5] == ["curl", "-s", "-X", "POST", "http://127.0.0.1:9000/predict"]
    assert json.loads(args[args.index("-d") + 1]) == sample.request
    html = SampleRequestView(sample).static_html()
    assert "O&#x27;Brien &lt;b&gt;" in html and "<b>" not in html
    from mltoolkit.deploy import ReleaseReport
    from mltoolkit.stages import DeploymentResult

    result = DeploymentResult(package_dir="my package", model_version="abc", release=ReleaseReport((), 1.0, 2.0),
                              batch=None, ab_test=None, registered_version=None)
    served = ServingInstructions(result, sample).static_html()
    assert "mltoolkit serve &#x27;my package&#x27;" in served and "curl -s -X POST" in served
