"""Metrics widget on 1,000,000 predictions: building the threshold curves, and a slider move.

Run by hand:  .venv/bin/python benchmarks/bench_metrics_widget.py [--rows 1000000]
Target: under 100 ms from a threshold change to the updated display.

Measures the kernel side, like bench_widgets.py: from setting the slider's value
(what a click or a key press does through the comm) until the panel and the
ROC/PR images hold the new content. Each of the 20 thresholds is new, so the
per-threshold PNG cache does not help; revisits are shown separately.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from mltoolkit.evaluate import threshold_curves
from mltoolkit.widgets.metrics import MetricsWidget

TARGET_MS = 100.0


def _time(action) -> float:
    t0 = time.perf_counter()
    action()
    return 1000 * (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, args.rows)
    # Informative but imperfect scores, rounded like many real models' outputs (ties included).
    score = np.round(1 / (1 + np.exp(-(1.5 * (2 * y - 1) + rng.normal(0, 1.5, args.rows)))), 4)

    build = [_time(lambda: threshold_curves(y, score)) for _ in range(3)]
    curves = threshold_curves(y, score)
    print(f"threshold_curves ({args.rows:,} rows, {len(curves.thresholds):,} grid points): "
          f"median {statistics.median(build):.0f} ms, max {max(build):.0f} ms")

    widget = MetricsWidget(curves, benefit_tp=10.0, cost_fp=1.0, cost_fn=5.0)
    view_ms = _time(lambda: widget.view)
    print(f"build the live view: {view_ms:.0f} ms")
    thresholds = [round(t, 2) for t in np.linspace(0.05, 0.95, 20)]
    first = [_time(lambda t=t: setattr(widget.slider, "value", t)) for t in thresholds]
    again = [_time(lambda t=t: setattr(widget.slider, "value", t)) for t in thresholds]
    panel = [_time(lambda t=t: widget.set_costs(cost_fp=t)) for t in thresholds]
    print(f"slider change -> panel + ROC/PR images (20 new thresholds): median {statistics.median(first):.1f} ms, "
          f"max {max(first):.1f} ms")
    print(f"slider change, revisited thresholds (cached images): median {statistics.median(again):.1f} ms, "
          f"max {max(again):.1f} ms")
    print(f"cost change -> panel: median {statistics.median(panel):.2f} ms, max {max(panel):.2f} ms")
    worst = max(max(first), max(again), max(panel))
    print(f"worst update: {worst:.0f} ms (target < {TARGET_MS:.0f} ms): {'met' if worst < TARGET_MS else 'NOT met'}")


if __name__ == "__main__":
    main()
