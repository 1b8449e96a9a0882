"""mltoolkit.yml -> project card: one source of truth, the demo one config among many."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from mltoolkit.errors import ConfigError, SchemaError
from mltoolkit.framing import card_from_config, demo_config_path, find_config, load_config

ROOT = Path(__file__).resolve().parents[2]
#: The demo's values (its columns, story and sources as defaults); naming the demo generator itself is fine.
DEMO_WORDS = re.compile(r"signup_date|prospect_id|free-trial|Head of Sales|Trial conversion|= *[\"']demo://")


def test_demo_values_live_only_in_demo_files():
    generic = [p for p in [*(ROOT / "mltoolkit").rglob("*.py"), *(ROOT / "mltoolkit").rglob("*.yml"),
                           *(ROOT / "notebooks").glob("*.ipynb")] if "demo" not in p.name]
    leaks = [str(p.relative_to(ROOT)) for p in generic if DEMO_WORDS.search(p.read_text(encoding="utf-8"))]
    assert leaks == []


def test_the_demo_config_makes_a_card():
    card = card_from_config(load_config(demo_config_path()))
    assert card.target == "converted" and card.success.describe() == "recall >= 0.5 at precision >= 0.3"
    assert card.id_columns == ("prospect_id",) and card.time_column == "signup_date"
    assert card.data.current.startswith("demo://")


def _write(tmp_path, text):
    path = tmp_path / "mltoolkit.yml"
    path.write_text(text)
    return path


BASE = """
project: Credit
data:
  source: credit.csv
  id_columns: [customer_id]
problem_framing:
  target: status
  task: binary_classification
  positive_class: bad
  metric: roc_auc
  threshold: 0.75
monitoring:
  drift_share: 0.3
"""


def test_card_takes_every_section_and_resolves_paths(tmp_path):
    card = card_from_config(load_config(_write(tmp_path, BASE)))
    assert card.data.source == str(tmp_path / "credit.csv") and card.data.current is None
    assert card.positive_class == "bad" and card.monitoring == {"drift_share": 0.3}
    assert card.business_goal == "" and card.stakeholders == ()
    assert card_from_config(load_config(_write(tmp_path, BASE)), {"threshold": 0.8, "metric": None}).success.threshold == 0.8


def test_missing_framing_names_the_key(tmp_path):
    with pytest.raises(ConfigError, match="problem_framing.metric is not set in") as err:
        card_from_config(load_config(_write(tmp_path, BASE.replace("  metric: roc_auc\n", ""))))
    assert err.value.parameter == "problem_framing.metric"


def test_wrong_metric_names_the_key_in_the_config(tmp_path):
    with pytest.raises(ConfigError, match=r"metric 'rmse' does not fit.*set problem_framing.metric in"):
        card_from_config(load_config(_write(tmp_path, BASE.replace("metric: roc_auc", "metric: rmse"))))


def test_wrong_types_are_one_line_errors(tmp_path):
    with pytest.raises(ConfigError, match="stages in .* must be a list of stage names"):
        load_config(_write(tmp_path, BASE + "stages: 5\n"))
    with pytest.raises(ConfigError, match="parameters.problem_framing in .* must be a mapping"):
        load_config(_write(tmp_path, BASE + "parameters: {problem_framing: [1, 2]}\n"))
    with pytest.raises(ConfigError, match="data.id_columns in .* must be a list of column names"):
        load_config(_write(tmp_path, BASE.replace("[customer_id]", "{a: 1}")))
    with pytest.raises(ConfigError, match="unknown key.*'colour'.*section 'problem_framing'"):
        load_config(_write(tmp_path, BASE.replace("  task:", "  colour: red\n  task:")))


def test_positive_class_error_names_the_config_key(tmp_path):
    import pandas as pd

    card = card_from_config(load_config(_write(tmp_path, BASE)))
    with pytest.raises(SchemaError, match=r"set problem_framing.positive_class in mltoolkit.yml \(the target's "
                                          r"values are 'good', 'ok'\)"):
        card.check_target(pd.Series(["good", "ok", "good"]))


def test_find_config_walks_up_then_falls_back_to_the_demo(tmp_path):
    path = _write(tmp_path, BASE)
    run = tmp_path / "runs" / "20260101-000000-abc"
    run.mkdir(parents=True)
    assert find_config(run) == path
    assert find_config(tmp_path.parent / "elsewhere-without-config") == demo_config_path()


def test_the_demo_config_is_valid_yaml_with_its_story():
    raw = yaml.safe_load(demo_config_path().read_text())
    assert raw["problem_framing"]["stakeholders"] == ["Head of Sales", "Growth analytics"]
