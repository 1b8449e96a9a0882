"""EDA reports of wide tables stay small enough to e-mail (issue 17: under 1.5 MB up to 100 columns)."""
from __future__ import annotations

import numpy as np
import pytest

from mltoolkit.data import make_trial_conversion
from mltoolkit.report import profile_report

LIMIT = 1.5 * 10**6


def _wide(n_cols: int, rows: int = 2000, seed: int = 0):
    rng = np.random.default_rng(seed)
    df = make_trial_conversion(rows, seed=seed)
    i = 0
    while df.shape[1] < n_cols:
        name = f"<b>wide & 'odd'</b> {i}" if i == 0 else f"feature_{i:03d}"
        kind = i % 4
        if kind == 0:
            df[name] = rng.normal(size=rows) * (i + 1)
        elif kind == 1:
            df[name] = rng.choice([f"level_{j}" for j in range(5 + i % 40)], rows)
        elif kind == 2:
            values = rng.integers(0, 100, rows).astype(float)
            values[rng.random(rows) < 0.1] = np.nan
            df[name] = values
        else:
            df[name] = rng.exponential(size=rows)
        i += 1
    return df


@pytest.mark.parametrize("n_cols", [74, 100])
def test_eda_report_of_a_wide_table_is_under_1_5_mb_and_readable(tmp_path, n_cols):
    path = tmp_path / "wide.csv"
    _wide(n_cols).to_csv(path, index=False)
    out = profile_report(str(path), tmp_path / "eda.html", target="converted")
    html = out.read_text(encoding="utf-8")
    assert out.stat().st_size < LIMIT, f"{out.stat().st_size:,} bytes"
    assert "<script" not in html.lower()
    assert "&lt;b&gt;wide &amp; &#x27;odd&#x27;&lt;/b&gt; 0" in html and "<b>wide" not in html
    assert html.count("data:image/png;base64,") >= 30  # charts kept, only lighter
    assert "more columns" in html  # columns beyond the charted ones are listed in a table, with a note
