"""Shared helpers for the benchmark scripts: run a snippet in a fresh process, read its time and peak memory."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path


def run_measured(setup: str, body: str, python: str = sys.executable, timeout: float = 3600) -> dict:
    """Run ``setup`` then time ``body`` in a new interpreter.

    Returns ``{"seconds", "peak_mb", "base_mb", "extra"}``: wall time of the
    body, the process's peak resident memory (VmHWM) after it, the peak
    before it (data already built), and whatever the body stored in ``extra``.
    """
    code = textwrap.dedent(f"""
import json, resource, time
def _peak_mb():
    # VmHWM starts afresh in a new program; ru_maxrss survives execve and would carry the parent's peak.
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
extra = {{}}
{textwrap.dedent(setup)}
base = _peak_mb()
t0 = time.perf_counter()
{textwrap.dedent(body)}
seconds = time.perf_counter() - t0
peak = _peak_mb()
print("@@RESULT@@" + json.dumps({{"seconds": seconds, "peak_mb": peak, "base_mb": base, "extra": extra}}))
""")
    proc = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=timeout)
    for line in proc.stdout.splitlines():
        if line.startswith("@@RESULT@@"):
            return json.loads(line[len("@@RESULT@@"):])
    raise RuntimeError(f"measurement failed:\n{proc.stderr[-3000:]}")


def notebook_overhead(tmp: Path, repeats: int = 3) -> float:
    """Wall time of papermill running an empty parameterized notebook that imports mltoolkit (best of repeats)."""
    import nbformat

    from mltoolkit.pipeline import execute_notebook

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cell = nbformat.v4.new_code_cell("x = 1  # nothing")
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell, nbformat.v4.new_code_cell("import mltoolkit")]
    path = tmp / "empty.ipynb"
    nbformat.write(nb, path)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        execute_notebook(path, tmp / "out.ipynb", {"x": 2}, cwd=tmp)
        times.append(time.perf_counter() - t0)
    return min(times)
