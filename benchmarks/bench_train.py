"""Wall time of stages 02-06 on 100,000 rows of demo data under papermill, and how much is notebook overhead.

Run by hand:  .venv/bin/python benchmarks/bench_train.py [--rows 100000] [--keep DIR]
Target (issue 4): the whole flow under 2 minutes on 2 cores; overhead under 3 s per notebook.

Overhead (kernel start-up, papermill, importing mltoolkit) is measured by executing
an empty parameterized notebook; each stage's computation is its wall time minus that.
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from _measure import notebook_overhead

from mltoolkit.pipeline import execute_notebook, stage_notebook

STAGES = ("problem_framing", "data_collection", "eda", "data_preparation", "training", "evaluation")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-train-"))
    work = args.keep or tmp / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{work / 'mlflow.db'}"
    overhead = notebook_overhead(tmp)
    params = {"data_collection": {"source": f"demo://trial_conversion?rows={args.rows}"}}
    print(f"{args.rows:,} rows of demo data; overhead per notebook (kernel start, papermill, import): {overhead:.2f} s "
          f"(target < 3 s: {'met' if overhead < 3 else 'NOT met'})")
    print(f"{'stage':<20}{'wall s':>8}{'compute s':>11}")
    total = 0.0
    flow = 0.0
    for stage in STAGES:
        t0 = time.perf_counter()
        execute_notebook(stage_notebook(stage), work / f"{stage}.ipynb", params.get(stage, {}), cwd=work)
        seconds = time.perf_counter() - t0
        total += seconds
        if stage != "problem_framing":
            flow += seconds
        print(f"{stage:<20}{seconds:>8.2f}{max(seconds - overhead, 0):>11.2f}")
    print(f"stages 02-06: {flow:.1f} s (with problem framing: {total:.1f} s); "
          f"target < 120 s: {'met' if flow < 120 else 'NOT met'}")
    print(f"notebook overhead in stages 02-06: {5 * overhead:.1f} s of {flow:.1f} s")
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
