"""The executive report as a mail client shows it: Chromium with JavaScript disabled."""
from __future__ import annotations

import pytest

from mltoolkit.pipeline import init_demo_project, load_project_config, run_pipeline
from mltoolkit.report import report_for_run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def executive_report(tmp_path_factory):
    root = tmp_path_factory.mktemp("report-project")
    init_demo_project(root, project="Trial <conversion> & co", source="demo://trial_conversion?rows=3000",
                 current="demo://trial_conversion?rows=2000&seed=7&drift=1")
    # Short searches: the report is under test here, not the models (the defaults run in tests/pipeline).
    quick = {"training": {"time_budget_s": 0}, "evaluation": {"importance_repeats": 0},
             "retraining": {"time_budget_s": 0, "n_boot": 100}}
    record = run_pipeline(load_project_config(root / "mltoolkit.yml"), overrides=quick)
    assert record.status == "succeeded", record.failed_stage
    return report_for_run(record.directory, template="executive")


def test_executive_report_reads_without_javascript(browser, executive_report, artifacts_dir):
    size = executive_report.stat().st_size
    assert size < 1_000_000, f"executive report is {size:,} bytes; the target is under 1 MB"
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1000, "height": 1400},
                                  offline=True)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(executive_report.as_uri())
    # Nothing is fetched beyond the file itself: images are embedded.
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []

    text = page.inner_text("body")  # KPI labels are upper-cased by CSS; compare words case-blind
    assert "Trial <conversion> & co" in text  # the project name is text, not markup
    assert "production model" in text  # the retraining loop ran and its decision is one sentence
    for label in ("Data drift", "Open alerts"):
        assert label.lower() in text.lower(), f"KPI card {label!r} missing"
    cards = page.locator("td.kpi")
    assert cards.count() >= 2
    assert all(cards.nth(i).inner_text().strip() for i in range(cards.count()))
    assert page.locator(".kpi-status", has_text="FAIL").count() + page.locator(".kpi-status", has_text="CHECK").count() >= 1

    images = page.locator("img")
    assert images.count() >= 2, "the key charts are missing"
    decoded = page.evaluate("() => [...document.images].map(i => i.complete && i.naturalWidth > 0)")
    assert all(decoded), f"images that did not decode: {decoded}"
    page.screenshot(path=str(artifacts_dir / "executive_report_no_js.png"), full_page=True)
    context.close()
