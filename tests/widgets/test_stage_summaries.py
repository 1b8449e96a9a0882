"""Step views of the framing and collection stages: escaped user text, every check listed."""
from __future__ import annotations

from mltoolkit.data import DEMO_EXPECTATIONS
from mltoolkit.framing import make_card
from mltoolkit.stages import collect_data
from mltoolkit.widgets import BusinessFraming, TaskFraming, ValidationChecks


def test_framing_views_escape_user_text():
    card = make_card(project="<script>alert(1)</script>", task="binary_classification", target="y<i>",
                     metric="f1", threshold=0.3, business_goal="grow & <b>win</b>")
    html = BusinessFraming(card).static_html() + TaskFraming(card).static_html()
    assert "<script>" not in html and "&lt;b&gt;win" in html and "y&lt;i&gt;" in html
    assert "f1 &gt;= 0.3" in html
    assert "text/html" in TaskFraming(card)._repr_mimebundle_()


def test_validation_view_lists_every_check(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    card = make_card(project="P", task="binary_classification", target="converted", metric="f1", threshold=0.3)
    result = collect_data("demo://trial_conversion?rows=400", card, expectations=DEMO_EXPECTATIONS)
    html = ValidationChecks(result.validation).static_html()
    assert f"all {len(result.validation.checks)} checks passed" in html
    assert html.count("<tr>") == len(result.validation.checks) + 1
