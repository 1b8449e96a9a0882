"""`mltoolkit demo` end to end: monitoring.json holds expected, actual and estimated performance per chunk, and the
executive report shows the "In production" card and the chart of performance over time."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def test_demo_reports_performance_in_production(tmp_path):
    done = subprocess.run([sys.executable, "-m", "mltoolkit", "demo", str(tmp_path / "demo")], capture_output=True,
                          text=True, timeout=3600)
    assert done.returncode == 0, done.stderr[-3000:]
    run_dir = next((tmp_path / "demo" / "runs").iterdir())
    monitoring = json.loads((run_dir / "artifacts" / "monitoring.json").read_text())
    production = monitoring["production"]
    assert production["expected"]["value"] is not None and production["expected"]["ci_low"] is not None
    assert len(production["chunks"]) >= 10
    for chunk in production["chunks"]:
        assert chunk["actual"]["value"] is not None and chunk["estimated"]["value"] is not None
        assert chunk["actual"]["ci_low"] is not None and chunk["estimated"]["ci_low"] is not None
    # The batch's outcome rule changes part-way: the later weeks do worse than the earlier ones, on labels.
    weeks = [c["actual"]["value"] for c in production["chunks"]]
    assert sum(weeks[-4:]) / 4 < sum(weeks[:4]) / 4 - 0.05
    assert production["join"]["keys"] == ["prospect_id"] and production["join"]["n_rows"] == 5000
    assert monitoring["recommendation"]["driver"] == "performance"
    html = (tmp_path / "demo" / "reports" / "executive_summary.html").read_text()
    assert "In production" in html and f"{production['metric']} in production over time" in html
