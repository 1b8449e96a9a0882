"""The stage notebooks run in order under papermill, in one working directory.

With default parameters on the demo data (each stage reads what the previous
one wrote), and with parameters on one of scikit-learn's bundled datasets.
"""
from __future__ import annotations

import json

import nbformat
import pytest

from mltoolkit.pipeline import execute_notebook, list_stages, stage_notebook

pytestmark = pytest.mark.slow

LIFECYCLE = ["problem_framing", "data_collection", "eda", "data_preparation", "training", "evaluation", "deployment",
             "monitoring", "retraining"]


def _html(path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "".join(o.get("data", {}).get("text/html", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs)


def _code_cells_with_output(path) -> int:
    nb = nbformat.read(path, as_version=4)
    return sum(1 for c in nb.cells if c.cell_type == "code" and c.outputs)




def test_stages_run_in_order_with_defaults_on_demo_data(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert [s for s in list_stages() if s in LIFECYCLE] == [s for s in LIFECYCLE if s in list_stages()]
    outputs = {}
    for stage in LIFECYCLE:
        outputs[stage] = execute_notebook(stage_notebook(stage), tmp_path / f"{stage}.ipynb", cwd=tmp_path)
    card = (tmp_path / "project_card.yml").read_text()
    assert "metric: recall" in card
    assert {p.name for p in (tmp_path / "data").iterdir()} == {"train.parquet", "validation.parquet", "test.parquet"}
    evaluation = json.loads((tmp_path / "artifacts" / "evaluation.json").read_text())
    assert evaluation["metric"] == "recall" and isinstance(evaluation["met"], bool)
    assert evaluation["baseline"]["name"] == "dummy model" and evaluation["beats_baseline"] is True
    assert 0 < evaluation["decision_threshold"] < 1
    assert (tmp_path / "artifacts" / "model_card.md").read_text().startswith("# Model card: Trial conversion")
    assert (tmp_path / "mlflow.db").exists() and (tmp_path / "models" / "model.skops").exists()
    training = json.loads((tmp_path / "artifacts" / "training.json").read_text())
    assert training["mlflow_run_id"] and training["best_name"] != "dummy"
    deployment = json.loads((tmp_path / "artifacts" / "deployment.json").read_text())
    assert deployment["batch"]["rows"] == 5000 and (tmp_path / "package" / "package.json").exists()
    assert deployment["ab_test"]["recommendation"] in ("expand", "continue", "stop")
    assert len(deployment["release"]["checks"]) == 3
    # Monitoring compares production data with the training split written by data collection.
    drift = json.loads((tmp_path / "artifacts" / "drift.json").read_text())
    assert sorted(c["column"] for c in drift["columns"] if c["drifted"]) == ["days_in_trial", "location", "website_visits"]
    # Training saved the reference profile, the package carries it, and monitoring runs from it without the data.
    assert (tmp_path / "models" / "reference.json").exists()
    execute_notebook(stage_notebook("monitoring"), tmp_path / "monitoring_profile.ipynb", cwd=tmp_path,
                     parameters={"reference_path": "package/reference.json", "output_dir": "artifacts/profile"})
    from_profile = json.loads((tmp_path / "artifacts" / "profile" / "drift.json").read_text())
    assert [c["drifted"] for c in from_profile["columns"]] == [c["drifted"] for c in drift["columns"]]
    # Monitoring recommended retraining on the drifted batch, so the loop ran and decided.
    retraining = json.loads((tmp_path / "artifacts" / "retraining.json").read_text())
    assert retraining["ran"] is True and retraining["comparison"]["verdict"] in ("promote", "keep", "inconclusive")
    assert retraining["promoted"] is False and retraining["summary"]
    assert any(badge in _html(outputs["evaluation"]) for badge in ("PASS", "FAIL", "NOT ESTABLISHED"))
    assert "Candidate models" in _html(outputs["training"]) or "Candidates" in _html(outputs["training"])
    # Every stage shows its steps: at least three code cells with a visible result each.
    shown = {stage: _code_cells_with_output(outputs[stage]) for stage in LIFECYCLE}
    assert all(n >= 3 for n in shown.values()), f"code cells with visible output: {shown}"

    import mlflow

    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    runs = client.search_runs([e.experiment_id for e in client.search_experiments()])
    assert any(r.info.run_id == training["mlflow_run_id"] for r in runs)
    decisions = [r for r in runs if r.info.run_name == "retraining decision"]
    assert len(decisions) == 1 and decisions[0].data.tags["decision"] == retraining["comparison"]["verdict"]
    # Every artifact a stage wrote for another reads back through the typed module, field for field.
    from mltoolkit._serialize import to_jsonable
    from mltoolkit.artifacts import ARTIFACTS, read_artifact

    for name, spec in ARTIFACTS.items():
        raw = json.loads((tmp_path / "artifacts" / spec.filename).read_text())
        typed = read_artifact(tmp_path / "artifacts", name)
        back = typed.to_dict() if hasattr(typed, "to_dict") else to_jsonable(typed)
        assert {k: v for k, v in back.items() if k not in spec.derived} == \
            {k: v for k, v in raw.items() if k not in spec.derived}, name


def test_stages_follow_the_projects_config_on_a_scikit_learn_dataset(tmp_path, monkeypatch):
    """With a mltoolkit.yml in the working folder, the notebooks' defaults follow it, not the demo's."""
    from sklearn.datasets import load_breast_cancer

    from mltoolkit.pipeline import init_project

    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'tracking.db'}")
    load_breast_cancer(as_frame=True).frame.to_csv(tmp_path / "cancer.csv", index=False)
    created = init_project(tmp_path / "project", data=str(tmp_path / "cancer.csv"), target="target",
                           metric="roc_auc", threshold=0.9, project="Breast cancer")
    assert created.decisions.positive_class == 0  # the minority class (malignant)
    work = tmp_path / "project"
    params = {"training": {"time_budget_s": 3, "candidates": ["linear", "hist_gradient_boosting"]},
              "evaluation": {"importance_repeats": 2}}
    for stage in ("problem_framing", "data_collection", "data_preparation", "training", "evaluation", "deployment",
                  "monitoring"):
        execute_notebook(stage_notebook(stage), work / f"{stage}.ipynb", params.get(stage, {}), cwd=work)
    evaluation = json.loads((work / "artifacts" / "evaluation.json").read_text())
    assert evaluation["metric"] == "roc_auc" and evaluation["value"] > 0.9 and evaluation["met"] is True
    assert evaluation["beats_baseline"] is True
    assert "Breast cancer" in (work / "project_card.yml").read_text()
    deployment = json.loads((work / "artifacts" / "deployment.json").read_text())
    assert deployment["batch"] is None and deployment["ab_test"] is None  # no current data, no A/B log: notes only
    monitoring = _html(work / "monitoring.ipynb")
    assert "no current (production) data" in monitoring and not (work / "artifacts" / "drift.json").exists()
