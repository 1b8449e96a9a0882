"""Static summaries of the middle stages: escaped user text, compact by default."""
from __future__ import annotations

from mltoolkit.framing import make_card
from mltoolkit.data import DEMO_EXPECTATIONS
from mltoolkit.stages import collect_data
from mltoolkit.widgets import CardSummary, CollectionSummary


def test_card_summary_escapes_user_text():
    card = make_card(project="<script>alert(1)</script>", task="binary_classification", target="y<i>",
                     metric="f1", threshold=0.3, business_goal="grow & <b>win</b>")
    html = CardSummary(card).static_html()
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;win" in html
    assert "f1 &gt;= 0.3" in html
    assert "text/html" in CardSummary(card)._repr_mimebundle_()


def test_collection_summary_lists_only_failures_unless_asked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    card = make_card(project="P", task="binary_classification", target="converted", metric="f1", threshold=0.3)
    result = collect_data("demo://trial_conversion?rows=400", card, expectations=DEMO_EXPECTATIONS)
    compact = CollectionSummary(result).static_html()
    assert f"all {len(result.validation.checks)} checks passed" in compact
    full = CollectionSummary(result, all_checks=True).static_html()
    assert full.count("<tr>") > compact.count("<tr>") + 10
