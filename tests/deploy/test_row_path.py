"""The array path for small requests gives what the saved pipeline gives, or is not used."""
from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, OrdinalEncoder

from mltoolkit.data import infer_schema, make_trial_conversion
from mltoolkit.deploy import load_package
from mltoolkit.deploy.input_schema import infer_input_schema, probe_records
from mltoolkit.deploy.records import frame_from_records
from mltoolkit.deploy.row_path import build_row_path
from mltoolkit.prep import build_preprocessor

OPTIONS = {"ordinal": {"company_size": ["1-10", "11-50", "51-200", "201-1000", "1000+"]},
           "aggregations": {"website_visits": "location"}}


@pytest.fixture(scope="module")
def train() -> pd.DataFrame:
    df = make_trial_conversion(2_000, seed=3)
    df.loc[::17, "signup_date"] = pd.NaT
    df.loc[::13, "role"] = None
    return df


def _requests(train: pd.DataFrame) -> pd.DataFrame:
    """Records as a client sends them (ISO dates, gaps, an unseen category, an unknown ordinal level)."""
    rows = make_trial_conversion(60, seed=8).drop(columns="converted")
    rows.loc[0, "location"] = "Atlantis"
    rows.loc[1, "company_size"] = "5000+"
    rows.loc[2, ["website_visits", "signup_date", "role"]] = [None, pd.NaT, None]
    records = json.loads(rows.to_json(orient="records", date_format="iso"))
    schema = infer_input_schema(train, [c for c in train.columns if c != "converted"])
    frame, _ = frame_from_records(schema, records)
    return frame


@pytest.mark.parametrize("estimator, method", [
    (LogisticRegression(max_iter=500), "predict_proba"),
    (RandomForestClassifier(n_estimators=20, random_state=0), "predict_proba"),
    (HistGradientBoostingClassifier(max_iter=30, random_state=0), "predict_proba"),
    (Ridge(), "predict"),
])
def test_row_path_equals_the_saved_pipeline(train, estimator, method):
    X, y = train.drop(columns="converted"), train["converted"]
    prep = build_preprocessor(infer_schema(X), options=OPTIONS)
    model = Pipeline([("prep", prep), ("model", estimator)]).fit(X, y)
    path, reason = build_row_path(model)
    assert path is not None, reason
    requests = _requests(train)
    expected = getattr(model, method)(requests)
    np.testing.assert_array_equal(path.predict(requests, method), expected)
    for i in range(3):  # one row at a time, as online requests come
        one = requests.iloc[[i]]
        np.testing.assert_array_equal(path.predict(one, method), getattr(model, method)(one))
    names = model.named_steps["prep"].get_feature_names_out()
    assert path.features(requests).shape == (len(requests), len(names))


def test_parts_without_an_array_path_are_named(train):
    X, y = train[["website_visits", "days_in_trial"]], train["converted"]
    prep = ColumnTransformer([("log", FunctionTransformer(np.log1p), ["website_visits"])], remainder="passthrough")
    model = Pipeline([("prep", prep), ("model", LogisticRegression())]).fit(X.fillna(0), y)
    path, reason = build_row_path(model)
    assert path is None and "FunctionTransformer" in reason
    assert build_row_path(LogisticRegression())[0] is None


def test_package_uses_the_path_only_when_it_agrees_on_probe_rows(package, monkeypatch):
    pkg = load_package(package)
    path, reason = pkg.row_path
    assert path is not None, reason
    probes = probe_records(pkg.schema)
    assert len(probes) >= 4 and any(all(v is None for v in p.values()) for p in probes)

    from mltoolkit.deploy import package as package_module

    def disagreeing(model):
        real, why = build_row_path(model)
        real.estimator.coef_ = real.estimator.coef_ * 0  # a copy of the fitted model that predicts otherwise
        return real, why

    import copy

    pkg2 = load_package(package)
    pkg2.model = copy.deepcopy(pkg2.model)
    monkeypatch.setattr(package_module, "build_row_path", lambda model: disagreeing(copy.deepcopy(model)))
    path2, reason2 = pkg2.row_path
    assert path2 is None and "disagreed" in reason2
    frame, _ = frame_from_records(pkg2.schema, probes[:1])
    assert pkg2.score(frame)["score"].iloc[0] == pytest.approx(pkg.score(frame)["score"].iloc[0])


@pytest.mark.parametrize("encoder", [
    OneHotEncoder(handle_unknown="error", sparse_output=False),
    OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=5, sparse_output=False),
    OneHotEncoder(handle_unknown="ignore", drop="first", sparse_output=False),
    OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
])
def test_encoder_table_gives_the_encoders_output(encoder):
    from mltoolkit.deploy.row_path import _EncoderTable

    rng = np.random.default_rng(0)
    train = np.column_stack([rng.choice(["a", "b", "c", "rare"], 300, p=[.5, .3, .19, .01]),
                             rng.choice(["x", "y"], 300)]).astype(object)
    encoder.fit(train)
    table = _EncoderTable(encoder)
    rows = np.array([["a", "x"], ["rare", "y"], ["c", "y"], ["b", "x"]], dtype=object)
    np.testing.assert_array_equal(table(rows), encoder.transform(rows))
    unseen = np.array([["a", "x"], ["zzz", "y"]], dtype=object)
    if getattr(encoder, "handle_unknown", "") == "error":
        with pytest.raises(ValueError, match="unknown categor"):
            table(unseen)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            np.testing.assert_array_equal(table(unseen), encoder.transform(unseen))


def test_datetime_parts_from_numpy_equal_the_transformer():
    from mltoolkit.deploy.row_path import _datetime_parts
    from mltoolkit.prep.transformers import DatetimeFeatures

    rng = np.random.default_rng(1)
    stamps = pd.Series(pd.to_datetime(rng.integers(-2 * 10**9, 3 * 10**9, 500), unit="s").as_unit("us"))
    stamps[::7] = pd.NaT
    fitted = DatetimeFeatures().fit(pd.DataFrame({"t": stamps}))
    expected = fitted.transform(pd.DataFrame({"t": stamps}))
    got = _datetime_parts(fitted.reference_)({"t": stamps.to_numpy()}, ["t"])
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(_datetime_parts(fitted.reference_)(pd.DataFrame({"t": stamps}), ["t"]), expected)


def test_categories_given_as_numbers_are_read_as_the_model_reads_them(train):
    X, y = train.drop(columns="converted"), train["converted"]
    X = X.assign(zone=(np.arange(len(X)) % 3 + 1).astype(str))
    prep = build_preprocessor(infer_schema(X), options={"aggregations": {"website_visits": "zone"}})
    model = Pipeline([("prep", prep), ("model", LogisticRegression(max_iter=500))]).fit(X, y)
    path, reason = build_row_path(model)
    assert path is not None, reason
    as_text = X.head(6)
    as_numbers = as_text.assign(zone=[int(z) for z in as_text["zone"]])  # as a CSV reader may give them
    expected = model.predict_proba(as_numbers)
    np.testing.assert_array_equal(expected, model.predict_proba(as_text))  # the saved pipeline reads 1 as "1"
    np.testing.assert_array_equal(path.predict(as_numbers, "predict_proba"), expected)


def test_a_model_trained_on_zoned_times_gets_an_array_path_checked_on_zoned_probes(tmp_path):
    from mltoolkit.deploy.input_schema import InputSchema
    from mltoolkit.deploy.package import ModelPackage

    train = make_trial_conversion(800, seed=2)
    train["signup_date"] = train["signup_date"].dt.tz_localize("UTC").dt.tz_convert("America/New_York")
    X, y = train.drop(columns="converted"), train["converted"]
    model = Pipeline([("prep", build_preprocessor(infer_schema(X))),
                      ("model", LogisticRegression(max_iter=500))]).fit(X, y)
    schema = infer_input_schema(train, list(X.columns))
    assert isinstance(schema, InputSchema) and schema.fields[1].timezone == "America/New_York"
    pkg = ModelPackage(directory=tmp_path, model=model, schema=schema, manifest={"files": {}},
                       info={"encoding": {"kind": "binary", "labels": ["0", "1"], "positive_label": "1"}})
    path, reason = pkg.row_path
    assert path is not None, reason
    records = json.loads(X.head(5).to_json(orient="records", date_format="iso"))
    frame, _ = frame_from_records(schema, records)
    np.testing.assert_array_equal(pkg.score(frame)["score"], model.predict_proba(frame)[:, 1])


def test_yes_no_text_gets_an_array_path_equal_to_the_saved_pipeline():
    df = make_trial_conversion(800, seed=4)
    df["newsletter"] = np.where(df["website_visits"] > 5, "Yes", "no")
    df.loc[::11, "newsletter"] = None
    X, y = df.drop(columns="converted"), df["converted"]
    model = Pipeline([("prep", build_preprocessor(infer_schema(X))),
                      ("model", LogisticRegression(max_iter=500))]).fit(X, y)
    path, reason = build_row_path(model)
    assert path is not None, reason
    rows = make_trial_conversion(20, seed=9).drop(columns="converted")
    rows["newsletter"] = ["YES", "No", None, "y", "n"] * 4  # other spellings of the same vocabulary
    np.testing.assert_array_equal(path.predict(rows, "predict_proba"), model.predict_proba(rows))


def test_a_calendar_only_time_column_gets_an_array_path_equal_to_the_saved_pipeline(train):
    X, y = train.drop(columns="converted"), train["converted"]
    options = {**OPTIONS, "calendar_only": ["signup_date"]}
    model = Pipeline([("prep", build_preprocessor(infer_schema(X), options=options)),
                      ("model", LogisticRegression(max_iter=500))]).fit(X, y)
    path, reason = build_row_path(model)
    assert path is not None, reason
    requests = _requests(train)
    np.testing.assert_array_equal(path.predict(requests, "predict_proba"), model.predict_proba(requests))
    assert not any("signup_date_year" in n for n in model.named_steps["prep"].get_feature_names_out())
