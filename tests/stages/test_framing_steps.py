"""Problem framing as steps: which config is followed and why, the same card as the one-call stage, escaped views."""
from __future__ import annotations

import yaml

from mltoolkit.framing import NOT_WRITTEN, demo_config_path, save_card
from mltoolkit.stages import frame_problem, framing_card, framing_config
from mltoolkit.widgets import BusinessFraming, CardData, CardSaved, ConfigSource, TaskFraming

CONFIG = {
    "project": "Churn <b>&</b> co",
    "data": {"source": "postgresql://analyst:s3cret@db.internal:5432/crm", "table": "accounts",
             "time_column": "signed_at", "id_columns": ["account_id"]},
    "problem_framing": {"target": "churned", "task": "binary_classification", "positive_class": 1,
                        "metric": "f1", "threshold": 0.4, "decision": "Who gets a <script>call</script>"},
}


def _project(tmp_path, config=CONFIG):
    (tmp_path / "mltoolkit.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    work = tmp_path / "runs" / "r1"
    work.mkdir(parents=True)
    return work


def test_the_projects_config_is_found_from_a_folder_below_it(tmp_path, monkeypatch):
    monkeypatch.chdir(_project(tmp_path))
    config = framing_config()
    assert config.origin == "project" and config.path == str((tmp_path / "mltoolkit.yml").resolve())
    html = ConfigSource(config).static_html()
    assert "the project&#x27;s own config" in html and "Churn &lt;b&gt;&amp;&lt;/b&gt; co" in html


def test_without_a_config_the_demos_is_followed_and_the_view_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = framing_config()
    assert config.origin == "demo" and config.path == str(demo_config_path())
    assert "mltoolkit init DIR" in ConfigSource(config).static_html()


def test_a_given_config_and_project_name_win(tmp_path, monkeypatch):
    _project(tmp_path)
    monkeypatch.chdir(tmp_path / "runs")
    config = framing_config(tmp_path / "mltoolkit.yml", project_name="Renamed")
    assert config.origin == "given" and config.config.project == "Renamed"
    assert "config_path parameter" in ConfigSource(config).static_html()


def test_steps_write_the_card_the_one_call_stage_writes(tmp_path, monkeypatch):
    monkeypatch.chdir(_project(tmp_path))
    overrides = {"metric": "recall", "threshold": 0.6, "business_goal": None}
    card = frame_problem(overrides=overrides, card_path="one_call.yml")
    stepped = framing_card(framing_config(), overrides)
    save_card(stepped, "steps.yml")
    assert stepped == card
    assert (tmp_path / "runs" / "r1" / "steps.yml").read_text() == (tmp_path / "runs" / "r1" / "one_call.yml").read_text()


def test_framing_views_escape_text_mask_passwords_and_point_at_missing_keys(tmp_path, monkeypatch):
    monkeypatch.chdir(_project(tmp_path))
    card = framing_card(framing_config())
    business = BusinessFraming(card).static_html()
    assert "<script>" not in business and "&lt;script&gt;call" in business
    assert f"{NOT_WRITTEN} (problem_framing.business_goal in mltoolkit.yml)" in business
    assert f"{NOT_WRITTEN} (problem_framing.stakeholders in mltoolkit.yml)" in business
    task = TaskFraming(card).static_html()
    assert "f1 &gt;= 0.4" in task and "higher is better" in task and "dummy model" in task
    data = CardData(card).static_html()
    assert "s3cret" not in data and "analyst:***@db.internal:5432" in data and "accounts" in data
    assert "signed_at" in data and "account_id" in data and "none (data.current)" in data
    assert "s3cret" not in ConfigSource(framing_config()).static_html()
    saved = CardSaved(card, save_card(card, "card.yml")).static_html()
    assert "card.yml" in saved and "06_evaluation" in saved
