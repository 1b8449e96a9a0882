from __future__ import annotations

import json

import nbformat
import pytest

from mltoolkit.errors import ConfigError, StageError
from mltoolkit.pipeline import execute_notebook, notebook_parameters, stage_notebook


def _notebook(path, *, tagged=True, body="x = 1 / divisor"):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell("divisor = 1  # what to divide by")
    if tagged:
        params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nbformat.write(nb, path)
    return path


def test_unknown_parameter_lists_valid_ones(tmp_path):
    with pytest.raises(ConfigError, match="unknown parameter.*'?dividend.*valid parameters are: divisor"):
        execute_notebook(_notebook(tmp_path / "n.ipynb"), tmp_path / "o.ipynb", {"dividend": 2})


def test_notebook_without_parameters_cell_is_refused(tmp_path):
    with pytest.raises(StageError, match="no cell tagged 'parameters'"):
        notebook_parameters(_notebook(tmp_path / "n.ipynb", tagged=False))


def test_unknown_stage_lists_stages():
    with pytest.raises(ConfigError, match="stages are: .*eda"):
        stage_notebook("nope")


@pytest.mark.slow
def test_failing_cell_becomes_stage_error_and_keeps_notebook(tmp_path):
    out = tmp_path / "o.ipynb"
    with pytest.raises(StageError, match="ZeroDivisionError") as info:
        execute_notebook(_notebook(tmp_path / "n.ipynb"), out, {"divisor": 0}, cwd=tmp_path)
    assert out.exists() and info.value.path == str(out)


@pytest.mark.slow
def test_eda_notebook_runs_on_any_source(tmp_path):
    """Pointed at a source, in an empty working directory, the EDA stage profiles it."""
    out = execute_notebook(stage_notebook("eda"), tmp_path / "03_eda.ipynb", {"data_path": "demo://trial_conversion"},
                           cwd=tmp_path)
    nb = nbformat.read(out, as_version=4)
    html = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "text/html" in o.get("data", {})]
    assert html and "Correlations" in html[-1]["data"]["text/html"]
    saved = json.loads((tmp_path / "artifacts" / "eda_profile.json").read_text())
    assert saved["overview"]["n_rows"] == 5000
    assert saved["target"]["column"] == "converted"


@pytest.mark.slow
def test_monitoring_notebook_finds_planted_drift(tmp_path):
    out = execute_notebook(stage_notebook("monitoring"), tmp_path / "08.ipynb",
                           {"reference_path": "demo://trial_conversion"}, cwd=tmp_path)
    drift = json.loads((tmp_path / "artifacts" / "drift.json").read_text())
    assert sorted(c["column"] for c in drift["columns"] if c["drifted"]) == ["days_in_trial", "location", "website_visits"]
    alerts = json.loads((tmp_path / "artifacts" / "alerts.json").read_text())
    assert alerts["retrain"] is True
    nb = nbformat.read(out, as_version=4)
    assert any("Drift summary" in o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", []))


@pytest.mark.slow
def test_kernel_output_goes_to_the_log_not_the_console(tmp_path, capfd):
    execute_notebook(_notebook(tmp_path / "n.ipynb"), tmp_path / "o.ipynb", cwd=tmp_path, log=tmp_path / "k.log")
    execute_notebook(_notebook(tmp_path / "n.ipynb"), tmp_path / "quiet" / "o.ipynb", cwd=tmp_path)
    captured = capfd.readouterr()
    assert "IPKernelApp" not in captured.out + captured.err
    assert "Kernel is running over TCP" in (tmp_path / "k.log").read_text()
    assert [p.name for p in (tmp_path / "quiet").iterdir()] == ["o.ipynb"]  # no log left beside an output
