"""Shared helpers for the benchmark scripts: run a snippet in a fresh process, read its time and peak memory."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap


def run_measured(setup: str, body: str, python: str = sys.executable, timeout: float = 3600) -> dict:
    """Run ``setup`` then time ``body`` in a new interpreter.

    Returns ``{"seconds", "peak_mb", "base_mb", "extra"}``: wall time of the
    body, the process's peak resident memory (ru_maxrss) after it, the peak
    before it (data already built), and whatever the body stored in ``extra``.
    """
    code = textwrap.dedent(f"""
import json, resource, time
extra = {{}}
{textwrap.dedent(setup)}
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0 = time.perf_counter()
{textwrap.dedent(body)}
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("@@RESULT@@" + json.dumps({{"seconds": seconds, "peak_mb": peak, "base_mb": base, "extra": extra}}))
""")
    proc = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=timeout)
    for line in proc.stdout.splitlines():
        if line.startswith("@@RESULT@@"):
            return json.loads(line[len("@@RESULT@@"):])
    raise RuntimeError(f"measurement failed:\n{proc.stderr[-3000:]}")
