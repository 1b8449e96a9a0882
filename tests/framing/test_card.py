"""The project card: built, saved, read back, and refused when wrong."""
from __future__ import annotations

import pytest

from mltoolkit.errors import ConfigError, DataError, SchemaError
from mltoolkit.framing import load_card, make_card, save_card


def _card(**kw):
    args = dict(project="P", task="binary_classification", target="y", metric="recall", threshold=0.8,
                constraint_metric="precision", constraint_threshold=0.5)
    return make_card(**{**args, **kw})


def test_round_trip_and_wording(tmp_path):
    card = _card(stakeholders=["Sales"], monitoring={"drift_share": 0.3})
    path = save_card(card, tmp_path / "card.yml")
    back = load_card(path)
    assert back == card
    assert back.success.describe() == "recall >= 0.8 at precision >= 0.5"
    assert back.success.passes(0.81) and not back.success.passes(0.79)


def test_error_metric_direction():
    card = make_card(project="P", task="regression", target="price", metric="rmse", threshold=10)
    assert card.success.describe() == "rmse <= 10" and card.success.passes(9.5) and not card.success.passes(10.5)


@pytest.mark.parametrize("kw, message", [
    ({"metric": "rmse"}, "does not fit a binary task"),
    ({"metric": "recal"}, "metric 'recal' is unknown"),
    ({"threshold": 1.5}, "out of range for recall"),
    ({"task": "clustering"}, "unknown task 'clustering'"),
    ({"target": ""}, "needs a target column"),
    ({"constraint_threshold": None}, "give both constraint_metric and constraint_threshold"),
    ({"metric": "roc_auc"}, "threshold-dependent metrics"),
])
def test_bad_card_is_refused(kw, message):
    with pytest.raises(ConfigError, match=message):
        _card(**kw)


def test_bad_card_file_names_the_file(tmp_path):
    path = tmp_path / "card.yml"
    with pytest.raises(DataError, match="01_problem_framing"):
        load_card(path)
    path.write_text("project: x\ntask: regression\ntarget: y\nsuccess: {metric: f1, threshold: 0.5}\n")
    with pytest.raises(ConfigError, match=r"card\.yml: metric 'f1' does not fit a regression task"):
        load_card(path)
    path.write_text("project: x\ntarjet: y\n")
    with pytest.raises(ConfigError, match="unknown key.*tarjet"):
        load_card(path)


def test_target_checks_against_the_card():
    import pandas as pd

    card = _card()
    card.check_target(pd.Series([0, 1, 1]))
    with pytest.raises(SchemaError, match="single class"):
        card.check_target(pd.Series([1, 1, 1]))
    with pytest.raises(DataError, match="2 missing values"):
        card.check_target(pd.Series([1, None, 0, None]))
    with pytest.raises(SchemaError, match="looks continuous.*set problem_framing.task: regression"):
        card.check_target(pd.Series([i * 1.37 for i in range(50)]))
    with pytest.raises(SchemaError, match="positive class 'yes' never occurs"):
        _card(positive_class="yes").check_target(pd.Series(["a", "b"]))
    regression = make_card(project="P", task="regression", target="y", metric="mae", threshold=3)
    with pytest.raises(SchemaError, match="not numeric"):
        regression.check_target(pd.Series(["a", "b"]))
