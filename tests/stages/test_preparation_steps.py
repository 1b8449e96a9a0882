"""The data preparation stage as steps: the same files as the one-call stage, and feature steps of one's own."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import (
    FunctionTransformer,
    KBinsDiscretizer,
    PolynomialFeatures,
    SplineTransformer,
)

from mltoolkit.artifacts import read_artifact
from mltoolkit.errors import ConfigError, MLToolkitError
from mltoolkit.framing import make_card
from mltoolkit.models import load_model, read_model_info
from mltoolkit.prep import feature_steps_of
from mltoolkit.stages import (
    add_feature_step,
    check_target_leakage,
    collect_data,
    feature_preview,
    fit_preprocessing,
    preparation_setup,
    prepare_data,
    save_preparation,
)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A collected project folder (data/, artifacts/) on 600 demo rows, with an id column on the card."""
    root = tmp_path_factory.mktemp("preparation_steps")
    card = make_card(project="P", task="binary_classification", target="converted", metric="f1", threshold=0.3,
                     data={"source": "demo://trial_conversion?rows=600", "id_columns": ["prospect_id"]})
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        collect_data("demo://trial_conversion?rows=600", card)
    return root, card


@pytest.fixture
def work(project, tmp_path, monkeypatch):
    root, card = project
    for name in ("data", "artifacts"):
        shutil.copytree(root / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return card


def test_steps_save_what_the_one_call_stage_saves(work, tmp_path):
    card = work
    prepare_data(card, options={"scale": False})
    one_call = json.loads((tmp_path / "artifacts" / "preprocessing.json").read_text())
    X = read_artifact("artifacts", "preprocessing")  # readable as its dataclass
    assert X.feature_steps == ()

    setup = preparation_setup(card, options={"scale": False})
    leakage = check_target_leakage(setup)
    pre = fit_preprocessing(setup)
    result = save_preparation(setup, pre, leakage)
    steps = json.loads((tmp_path / "artifacts" / "preprocessing.json").read_text())
    assert steps == one_call == result.to_dict()
    rows = setup.features.head(30)
    np.testing.assert_allclose(load_model("models/preprocessor.skops").transform(rows).to_numpy(),
                               pre.transform(rows).to_numpy())


def test_setup_says_which_columns_are_used_and_why_not(work):
    setup = preparation_setup(work, options={"drop": ["notes"]})
    decisions = {d.column: d for d in setup.decisions}
    assert not decisions["converted"].used and "target" in decisions["converted"].reason
    assert not decisions["prospect_id"].used and "id column" in decisions["prospect_id"].reason
    assert not decisions["notes"].used and "drop option" in decisions["notes"].reason
    assert decisions["website_visits"].used and decisions["website_visits"].kind == "numeric"
    assert setup.schema_source.startswith("schema.json")
    assert "converted" not in setup.features.columns


def test_a_feature_step_joins_the_features_and_is_recorded(work, tmp_path):
    setup = preparation_setup(work)
    setup = add_feature_step(setup, "log_visits", FunctionTransformer(np.log1p), columns=["website_visits"])
    pre = fit_preprocessing(setup)
    features = setup.features
    out = pre.transform(features)
    # Its input keeps its usual treatment; the step's output is added (website_visits has gaps: imputed first).
    assert "num__website_visits" in out.columns
    visits = features["website_visits"]
    expected = np.log1p(visits.fillna(visits.median()))
    np.testing.assert_allclose(out["log_visits__website_visits"].to_numpy(), expected.to_numpy())
    result = save_preparation(setup, pre, check_target_leakage(setup))
    (record,) = result.feature_steps
    assert (record.name, record.columns, record.features_out) == ("log_visits", ("website_visits",),
                                                                  ("log_visits__website_visits",))
    assert "log1p" in record.transformer
    assert read_artifact("artifacts", "preprocessing").feature_steps == result.feature_steps
    assert read_model_info("models/preprocessor.skops")["feature_steps"][0]["name"] == "log_visits"
    assert any(p.kind == "feature step" and "log_visits" in p.treatment for p in result.summary.columns)
    assert result.summary.n_features_out == out.shape[1]


@pytest.mark.parametrize("transformer, columns", [
    (FunctionTransformer(np.log1p), ["website_visits"]),
    (SplineTransformer(n_knots=4), ["pages_per_visit", "days_in_trial"]),
    (PolynomialFeatures(2, include_bias=False), ["pages_per_visit", "support_tickets"]),
    (KBinsDiscretizer(4, encode="onehot-dense", quantile_method="averaged_inverted_cdf"), ["days_in_trial"]),
], ids=["log1p", "spline", "polynomial", "bins"])
def test_saved_preprocessor_with_a_scikit_learn_step_loads_back(work, transformer, columns):
    setup = add_feature_step(preparation_setup(work), "mine", transformer, columns)
    pre = fit_preprocessing(setup)
    save_preparation(setup, pre, ())
    loaded = load_model("models/preprocessor.skops")  # skops' trusted-type check included
    rows = setup.features.head(50)
    np.testing.assert_allclose(loaded.transform(rows).to_numpy(), pre.transform(rows).to_numpy())
    assert any(c.startswith("mine__") for c in loaded.get_feature_names_out())


def test_prepare_data_takes_feature_steps_and_they_can_be_read_back(work):
    result = prepare_data(work, feature_steps=[("sq", PolynomialFeatures(2, include_bias=False),
                                                ["support_tickets"])])
    assert [s.name for s in result.feature_steps] == ["sq"]
    (step,) = feature_steps_of(load_model("models/preprocessor.skops"), result.feature_steps)
    assert step.columns == ("support_tickets",) and isinstance(step.transformer, PolynomialFeatures)
    again = prepare_data(work, feature_steps=[step])
    assert again.feature_steps == result.feature_steps


def test_preview_lists_the_added_features(work):
    setup = add_feature_step(preparation_setup(work), "log_visits", FunctionTransformer(np.log1p), "website_visits")
    preview = feature_preview(setup, fit_preprocessing(setup), n_rows=3)
    i = preview.features.index("log_visits__website_visits")
    assert preview.parts[i] == "log_visits" and preview.inputs[i] == "website_visits"
    assert preview.added == ("log_visits",) and preview.n_rows == 3 and len(preview.values[i]) == 3
    assert preview.inputs[preview.features.index("num__missingindicator_website_visits")] == "website_visits"
    frame = preview.to_frame()
    assert list(frame.columns) == ["part", "row 1", "row 2", "row 3"]
    json.dumps(preview.to_dict(), allow_nan=False)


def test_unknown_column_is_refused_listing_the_available_ones(work):
    setup = preparation_setup(work)
    with pytest.raises(ConfigError, match="column 'incme'.*available columns: .*website_visits") as err:
        add_feature_step(setup, "log_income", FunctionTransformer(np.log1p), columns=["incme"])
    assert err.value.column == "incme" and err.value.parameter == "columns"


@pytest.mark.parametrize("column, why", [("converted", "it is the target"),
                                         ("prospect_id", "it is not a feature: an id column")])
def test_target_and_dropped_columns_are_refused(work, column, why):
    with pytest.raises(ConfigError, match=f"cannot read column '{column}': {why}"):
        add_feature_step(preparation_setup(work), "x", FunctionTransformer(np.log1p), [column])


def test_a_name_in_use_is_refused(work):
    setup = add_feature_step(preparation_setup(work), "log_visits", FunctionTransformer(np.log1p), ["website_visits"])
    with pytest.raises(ConfigError, match="named 'log_visits' already exists.*run the setup cell again"):
        add_feature_step(setup, "log_visits", FunctionTransformer(np.sqrt), ["website_visits"])
    with pytest.raises(ConfigError, match="named 'num' already exists"):
        add_feature_step(setup, "num", FunctionTransformer(np.sqrt), ["website_visits"])
    with pytest.raises(ConfigError, match="without .* '__'"):
        add_feature_step(setup, "a__b", FunctionTransformer(np.sqrt), ["website_visits"])
    assert [s.name for s in setup.feature_steps] == ["log_visits"]  # a refused step leaves the setup as it was


@pytest.mark.parametrize("thing, message", [
    (np.log1p, r"is a ufunc, not a scikit-learn transformer.*FunctionTransformer\(np.log1p\)"),
    (LogisticRegression(), "is a LogisticRegression, not a scikit-learn transformer"),
    (SplineTransformer, r"pass a transformer object, SplineTransformer\(\), not the class"),
    (FunctionTransformer(lambda x: x + 1), "does not load from a model file: .*lambda"),
], ids=["function", "estimator", "class", "notebook-function"])
def test_what_is_not_a_saveable_transformer_is_refused(work, thing, message):
    with pytest.raises(ConfigError, match=message):
        add_feature_step(preparation_setup(work), "x", thing, ["website_visits"])


def test_a_step_giving_infinite_values_is_refused_at_fit_naming_it(work):
    setup = add_feature_step(preparation_setup(work), "log_tickets", FunctionTransformer(np.log), ["support_tickets"])
    with pytest.raises(ConfigError, match=r"feature step 'log_tickets' .* missing or infinite values on \d+"):
        fit_preprocessing(setup)


def test_a_step_failing_on_the_data_is_refused_at_fit_naming_it(work):
    setup = add_feature_step(preparation_setup(work), "poly_city", PolynomialFeatures(2), ["location"])
    with pytest.raises(MLToolkitError, match="feature step 'poly_city' .*failed on the training rows"):
        fit_preprocessing(setup)
