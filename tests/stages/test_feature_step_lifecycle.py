"""A feature step added in data preparation reaches training, evaluation and the deployment package."""
from __future__ import annotations

import json

import nbformat
import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import FunctionTransformer

from mltoolkit.deploy import build_package, load_package, predict_batch
from mltoolkit.deploy.records import check_records
from mltoolkit.framing import make_card, save_card
from mltoolkit.models import load_model
from mltoolkit.pipeline.execute import execute_notebook, stage_notebook
from mltoolkit.stages import (
    add_feature_step,
    check_target_leakage,
    collect_data,
    evaluate_stage,
    fit_preprocessing,
    preparation_setup,
    save_preparation,
    train_stage,
)

STEP = "log_visits__website_visits"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """Demo rows prepared with log1p of a numeric column added, a linear model trained, evaluated and packaged."""
    root = tmp_path_factory.mktemp("feature_step")
    card = make_card(project="P", task="binary_classification", target="converted", metric="f1", threshold=0.3)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        collect_data("demo://trial_conversion?rows=800", card)
        setup = add_feature_step(preparation_setup(card), "log_visits", FunctionTransformer(np.log1p),
                                 columns=["website_visits"])
        save_preparation(setup, fit_preprocessing(setup), check_target_leakage(setup))
        train_stage(card, candidates=["linear"], time_budget_s=0, track=False)
        evaluate_stage(card, importance_repeats=0)
        build_package("package")
    return root


def _expected_step(rows: pd.DataFrame, train: pd.DataFrame) -> np.ndarray:
    """log1p of the column, gaps filled with the training median first."""
    return np.log1p(rows["website_visits"].fillna(train["website_visits"].median())).to_numpy()


def test_the_trained_model_carries_the_step_and_it_changes_the_features(project):
    model = load_model(project / "models" / "model.skops")
    prep, estimator = model.steps[0][1], model.steps[-1][1]
    assert "log_visits" in dict(prep.named_transformers_)
    names = [str(n) for n in prep.get_feature_names_out()]
    assert STEP in names and estimator.n_features_in_ == len(names)
    train = pd.read_parquet(project / "data" / "train.parquet")
    test = pd.read_parquet(project / "data" / "test.parquet").drop(columns="converted")
    np.testing.assert_allclose(prep.transform(test)[STEP].to_numpy(), _expected_step(test, train))
    # The linear model uses the added feature: it has a weight of its own.
    assert estimator.coef_.shape[-1] == len(names) and estimator.coef_[0][names.index(STEP)] != 0
    evaluation = json.loads((project / "artifacts" / "evaluation.json").read_text())
    assert evaluation  # evaluation loaded and scored the model with the step


def test_package_scores_batches_and_single_rows_through_the_step(project, tmp_path):
    pkg = load_package(project / "package")
    rows = pd.read_parquet(project / "data" / "test.parquet").drop(columns="converted").head(20)
    batch, _ = pkg.predict_frame(rows)
    expected = pkg.model.predict_proba(rows)[:, 1]
    np.testing.assert_allclose(batch["score"].to_numpy(), expected)
    # Online requests: the step has no array path, so small requests take the saved pipeline, step included.
    path, reason = pkg.row_path
    assert path is None and "FunctionTransformer" in reason
    records = json.loads(rows.head(3).to_json(orient="records", date_format="iso"))
    columns, _ = check_records(pkg.schema, records)
    np.testing.assert_allclose(pkg.score(columns)["score"].to_numpy(), expected[:3])
    # The scores are the model's on features holding the step's output, and that output matters.
    prep, estimator = pkg.model.steps[0][1], pkg.model.steps[-1][1]
    features = prep.transform(rows)
    np.testing.assert_allclose(estimator.predict_proba(features)[:, 1], expected)
    assert not np.allclose(estimator.predict_proba(features.assign(**{STEP: 0.0}))[:, 1], expected)
    source = tmp_path / "rows.parquet"
    rows.to_parquet(source)
    result = predict_batch(pkg, str(source), tmp_path / "out.parquet")
    assert result.rows == 20
    np.testing.assert_allclose(pd.read_parquet(tmp_path / "out.parquet")["score"].to_numpy(), expected)


def test_a_step_added_in_the_notebook_is_saved_and_trained_on(tmp_path):
    card = make_card(project="P", task="binary_classification", target="converted", metric="f1", threshold=0.3)
    cwd = tmp_path / "run"
    cwd.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        save_card(card, "project_card.yml")
        collect_data("demo://trial_conversion?rows=500", card)
    nb = nbformat.read(stage_notebook("data_preparation"), as_version=4)
    setup_cell = next(i for i, c in enumerate(nb.cells) if "preparation_setup(" in c.source)
    nb.cells.insert(setup_cell + 1, nbformat.v4.new_code_cell(
        'setup = add_feature_step(setup, "log_visits", FunctionTransformer(np.log1p), columns=["website_visits"])'))
    edited = tmp_path / "04_edited.ipynb"
    nbformat.write(nb, edited)
    out = nbformat.read(execute_notebook(edited, tmp_path / "04_out.ipynb", cwd=cwd), as_version=4)
    shown = [c for c in out.cells if c.cell_type == "code" and c.outputs]
    assert len(shown) >= 3
    assert any("log_visits" in o.get("data", {}).get("text/html", "") for c in shown for o in c.outputs)
    saved = json.loads((cwd / "artifacts" / "preprocessing.json").read_text())
    assert [s["name"] for s in saved["feature_steps"]] == ["log_visits"]
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        train_stage(card, candidates=["linear"], time_budget_s=0, track=False)
    model = load_model(cwd / "models" / "model.skops")
    assert STEP in [str(n) for n in model.steps[0][1].get_feature_names_out()]


def test_retraining_prepares_the_challengers_data_with_the_champions_feature_step(project, tmp_path):
    from mltoolkit.data.demo import make_trial_conversion
    from mltoolkit.stages import retrain_stage

    new = tmp_path / "new.csv"
    make_trial_conversion(600, seed=7).to_csv(new, index=False)
    card = make_card(project="P", task="binary_classification", target="converted", metric="f1", threshold=0.3)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(project)
        result = retrain_stage(card, new_data=str(new), only_if_recommended=False, candidates=["linear"],
                               time_budget_s=0, track=False, n_boot=50)
    assert result.ran, result.summary
    challenger = load_model(project / "challenger" / "models" / "model.skops")
    assert "log_visits" in dict(challenger.steps[0][1].named_transformers_)
    prepared = json.loads((project / "challenger" / "artifacts" / "preprocessing.json").read_text())
    assert [s["name"] for s in prepared["feature_steps"]] == ["log_visits"]
