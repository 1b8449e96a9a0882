"""The transformers mltoolkit adds to scikit-learn's."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from mltoolkit.data.schema import BOOLEAN_TEXT
from mltoolkit.errors import SchemaError
from mltoolkit.prep.transformers import BooleanEncoder, DatetimeFeatures


def test_boolean_encoder_reads_text_numbers_and_booleans_keeping_gaps():
    frame = pd.DataFrame({"a": ["Yes", " no", None, "T", "f"],
                          "b": pd.array([True, False, None, True, False], dtype="boolean"),
                          "c": [1.0, 0.0, np.nan, 1.0, 0.0]})
    out = BooleanEncoder().fit_transform(frame)
    np.testing.assert_array_equal(out, [[1, 1, 1], [0, 0, 0], [np.nan, np.nan, np.nan], [1, 1, 1], [0, 0, 0]])


def test_boolean_encoder_exposes_its_vocabulary_as_fitted_state():
    enc = BooleanEncoder().fit(pd.DataFrame({"a": ["yes", "no"]}))
    assert enc.mapping_ == {text: float(value) for text, value in BOOLEAN_TEXT.items()}
    assert enc.get_feature_names_out().tolist() == ["a"]


def test_boolean_encoder_refuses_non_booleans_in_fit_naming_the_column():
    with pytest.raises(SchemaError, match="column 'smoker' is treated as boolean but holds 'sometimes'") as info:
        BooleanEncoder().fit(pd.DataFrame({"smoker": ["yes", "no", "sometimes"]}))
    assert info.value.column == "smoker"


def test_boolean_encoder_reads_unknown_values_at_prediction_as_missing():
    enc = BooleanEncoder().fit(pd.DataFrame({"a": ["yes", "no"]}))
    np.testing.assert_array_equal(enc.transform(pd.DataFrame({"a": ["maybe", "YES"]})), [[np.nan], [1.0]])


def test_datetime_features_remember_the_format_found_in_fit():
    train = pd.DataFrame({"d": ["13/04/2020", "01/02/2021"]})
    fitted = DatetimeFeatures().fit(train)
    assert fitted.formats_ == {"d": "%d/%m/%Y"}
    assert fitted.transform(pd.DataFrame({"d": ["02/03/2021"]}))[0, :3].tolist() == [2021, 3, 2]
    assert clone(DatetimeFeatures(formats={"d": "%m/%d/%Y"})).formats == {"d": "%m/%d/%Y"}


def test_datetime_features_of_a_model_saved_before_formats_existed_still_transform():
    fitted = DatetimeFeatures().fit(pd.DataFrame({"d": pd.date_range("2024-01-01", periods=3)}))
    del fitted.formats_
    assert fitted.transform(pd.DataFrame({"d": ["2024-01-02"]}))[0, :3].tolist() == [2024, 1, 2]
