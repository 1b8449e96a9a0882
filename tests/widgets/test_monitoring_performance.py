"""The performance widget: same figures in the static report and the live view; the chunk picker; escaping."""
from __future__ import annotations

import numpy as np
import pandas as pd

from mltoolkit.monitor import production_performance
from mltoolkit.widgets.monitoring import PerformanceWidget


def _performance():
    rng = np.random.default_rng(1)
    score = rng.beta(1, 2, 600)
    frame = pd.DataFrame({"score": score, "prediction": (score >= 0.5).astype(int),
                          "y": np.where(np.arange(600) < 400, rng.random(600) < score, np.nan)})
    return production_performance(frame, task="binary", metric="f1", target="y", threshold=0.4, chunk_size=100)


def test_static_html_has_chart_table_and_assumptions_without_javascript():
    html = PerformanceWidget(_performance())._repr_mimebundle_()["text/html"]
    assert "<script" not in html and "data:image/png;base64," in html
    assert "chunk 6" in html and "estimated" in html and "calibrated" in html


def test_picking_a_chunk_shows_its_figures():
    w = PerformanceWidget(_performance())
    head, picker, image, detail = w.view.children[1].children
    assert picker.value == "chunk 6" and "0 labelled" in detail.value
    before = image.value
    picker.value = "chunk 2"
    assert "<b>chunk 2</b>" in detail.value and "100 labelled" in detail.value and image.value != before


def test_user_text_is_escaped():
    p = _performance()
    import dataclasses

    p = dataclasses.replace(p, chunks=tuple(dataclasses.replace(c, label="<b>x</b>") for c in p.chunks))
    html = PerformanceWidget(p).static_html()
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
