"""Reports of one table or a pair, assembled in process: the same HTML as the executed stage notebook."""
from __future__ import annotations

import json
import re

import nbformat
import pytest

from mltoolkit.data import make_trial_conversion
from mltoolkit.report import drift_report, notebook_with_views, profile_report

ODD = '<b class="x">role & "rank"</b>'


def _without_date(html: str) -> str:
    return re.sub(r"<footer>.*?</footer>", "", html, flags=re.S)


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "table.csv"
    make_trial_conversion(600, seed=2).rename(columns={"role": ODD}).to_csv(path, index=False)
    return path


def test_profile_report_escapes_column_names_and_runs_no_script(table, tmp_path):
    out = profile_report(str(table), tmp_path / "eda.html", target="converted", json_out=tmp_path / "p.json")
    html = out.read_text(encoding="utf-8")
    assert ODD not in html
    assert "&lt;b class=&quot;x&quot;&gt;role &amp; &quot;rank&quot;&lt;/b&gt;" in html  # escaped, quotes too
    assert "<script" not in html.lower()
    assert json.loads((tmp_path / "p.json").read_text())["overview"]["n_rows"] == 600


def test_profile_report_has_the_notebook_sections_readable_without_javascript(table, tmp_path):
    html = profile_report(str(table), tmp_path / "eda.html", target="converted").read_text(encoding="utf-8")
    for heading in ("Exploratory data analysis", "At a glance", "The data at a glance", "Overview", "Columns",
                    "Correlations", "Target: converted"):
        assert heading in html
    assert html.count("data:image/png;base64,") >= 10  # charts are images, numbers are table text
    assert "website_visits" in html and "<td" in html
    assert "parameters" not in html and "explore_data" not in html  # code and hidden cells left out


@pytest.mark.slow
def test_profile_report_in_process_equals_the_executed_notebook(table, tmp_path):
    fast = profile_report(str(table), tmp_path / "fast.html", target="converted", json_out=tmp_path / "fast.json")
    slow = profile_report(str(table), tmp_path / "slow.html", target="converted", json_out=tmp_path / "slow.json",
                          notebook=True)
    assert (tmp_path / "slow.ipynb").exists()  # the executed notebook is kept for whoever wants it
    assert _without_date(fast.read_text(encoding="utf-8")) == _without_date(slow.read_text(encoding="utf-8"))
    fast_json, slow_json = (json.loads((tmp_path / f"{n}.json").read_text()) for n in ("fast", "slow"))
    fast_json.pop("elapsed_seconds"), slow_json.pop("elapsed_seconds")
    assert fast_json == slow_json


@pytest.fixture
def pair(tmp_path):
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    make_trial_conversion(800, seed=0).rename(columns={"role": ODD}).to_csv(ref, index=False)
    make_trial_conversion(800, seed=1, drift=0.8).rename(columns={"role": ODD}).to_csv(cur, index=False)
    return ref, cur


def test_drift_report_shows_drift_escaped_and_static(pair, tmp_path):
    ref, cur = pair
    report = drift_report(str(ref), str(cur), tmp_path / "drift.html", target="converted", time_column="signup_date",
                          json_out=tmp_path / "d.json")
    html = report.path.read_text(encoding="utf-8")
    assert ODD not in html and "&lt;b class=&quot;x&quot;&gt;" in html
    assert "<script" not in html.lower()
    assert report.drift.n_drifted > 0
    assert "Drift by feature" in html and "Recommendation" in html and "Distributions: reference vs current" in html
    for c in (c for c in report.drift.columns if c.drifted and c.column != ODD):
        assert f"{c.column}" in html
    assert json.loads((tmp_path / "d.json").read_text())["n_drifted"] == report.drift.n_drifted


def test_drift_report_of_two_files_reads_nothing_from_the_working_folder(pair, tmp_path, monkeypatch):
    """Run inside a project, the comparison of two files ignores the project's decided schema, as the notebook path."""
    import pandas as pd

    from mltoolkit.artifacts import write_artifact
    from mltoolkit.data import infer_schema

    ref, cur = pair
    project = tmp_path / "project"
    write_artifact(project / "artifacts", "schema",
                   infer_schema(pd.read_csv(ref), overrides={"website_visits": "categorical"}))
    monkeypatch.chdir(project)
    report = drift_report(str(ref), str(cur), tmp_path / "drift.html")
    assert report.drift.column("website_visits").kind == "numeric"


@pytest.mark.slow
def test_drift_report_in_process_equals_the_executed_notebook(pair, tmp_path):
    ref, cur = pair
    fast = drift_report(str(ref), str(cur), tmp_path / "fast.html", target="converted", time_column="signup_date")
    slow = drift_report(str(ref), str(cur), tmp_path / "slow.html", target="converted", time_column="signup_date",
                        notebook=True)
    assert _without_date(fast.path.read_text(encoding="utf-8")) == _without_date(slow.path.read_text(encoding="utf-8"))
    fast_dict, slow_dict = fast.drift.to_dict(), slow.drift.to_dict()
    fast_dict.pop("elapsed_seconds"), slow_dict.pop("elapsed_seconds")
    assert fast_dict == slow_dict


def test_a_shown_cell_that_needs_running_is_a_bug_named(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from mltoolkit.widgets import EDASummary"),
                nbformat.v4.new_code_cell("EDASummary(compute(result))")]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(LookupError, match=r"nb.ipynb.*EDASummary\(compute\(result\)\)"):
        notebook_with_views(path, {"result": None})


def test_hidden_and_parameter_cells_get_no_output(tmp_path):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("x = 1")
    params.metadata["tags"] = ["parameters"]
    hidden = nbformat.v4.new_code_cell("from mltoolkit.widgets.monitoring_stage import StageNote\nnote = load()")
    hidden.metadata["tags"] = ["report-hide"]
    shown = nbformat.v4.new_code_cell("StageNote(title, note)")
    nb.cells = [params, hidden, shown]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    out = notebook_with_views(path, {"title": "Monitoring", "note": "no <current> data"})
    assert [len(c.outputs) for c in out.cells] == [0, 0, 1]
    assert "no &lt;current&gt; data" in out.cells[2].outputs[0].data["text/html"]
