"""Wall time of `mltoolkit demo`, split into kernel start-up, computation and rendering per stage.

Run by hand:  .venv/bin/python benchmarks/bench_pipeline.py [--keep DIR]
Target (issue 6): the whole demo under 90 s on 2 cores.

Kernel start-up and papermill overhead are measured once by executing an empty
parameterized notebook; each stage's computation is its papermill wall time
minus that overhead; rendering is the time of the two reports.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _measure import notebook_overhead


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", type=Path, help="run the demo in this folder and keep it")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    target = args.keep or tmp / "demo"
    if target.exists():
        shutil.rmtree(target)
    overhead = notebook_overhead(tmp)
    exe = Path(sys.executable).parent / "mltoolkit"
    t0 = time.perf_counter()
    proc = subprocess.run([str(exe), "demo", str(target)], capture_output=True, text=True)
    total = time.perf_counter() - t0
    if proc.returncode != 0:
        print(proc.stdout, proc.stderr, file=sys.stderr)
        raise SystemExit("demo failed")
    run_dir = sorted((target / "runs").iterdir())[-1]
    record = json.loads((run_dir / "run.json").read_text())
    stage_total = sum(s["seconds"] or 0 for s in record["stages"])
    print(f"kernel start-up + papermill overhead per notebook: {overhead:5.2f} s")
    print(f"{'stage':<22}{'wall s':>8}{'compute s':>11}")
    for s in record["stages"]:
        print(f"{s['stage']:<22}{s['seconds']:>8.2f}{max(s['seconds'] - overhead, 0):>11.2f}")
    report = target / "reports" / "executive_summary.html"
    print(f"{'stages total':<22}{stage_total:>8.2f}{max(stage_total - overhead * len(record['stages']), 0):>11.2f}")
    print(f"{'init + rendering':<22}{total - stage_total:>8.2f}")
    print(f"{'mltoolkit demo total':<22}{total:>8.2f}   target < 90 s: {'met' if total < 90 else 'NOT met'}")
    print(f"executive report: {report} ({report.stat().st_size / 1024:,.0f} KiB; target < 1024 KiB)")
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
