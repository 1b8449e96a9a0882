"""Speed and memory of ``mltoolkit.eda.profile`` (issue: Foundation and the EDA stage).

Run by hand:  .venv/bin/python benchmarks/bench_profile.py [--rows 100000 1000000] [--peer-python PATH]

Data: N rows x 20 mixed columns (12 numeric, 6 categorical of cardinality 3 to
1,000, a datetime, a binary target), written once to Parquet so every
measurement reads the same table in a fresh process. Prints wall time and peak
memory of ``profile`` (correlations, alerts and target analysis included) next
to one plain pandas pass of the same core statistics, and next to
ydata-profiling (minimal and default mode) when a Python with it installed is
given (``--peer-python``, or $YDATA_PYTHON; keep it in a throwaway venv, it
needs pandas < 3).

Targets: 100k rows >= 10x faster than ydata-profiling minimal mode (issue 17:
>= 5x at 100k and 1M rows); 1M rows within 3x of the plain pandas pass, peak
memory under 3x the DataFrame's size. Our CPU time (both threads, page faults
included) is printed too: on a busy machine it moves less than wall time.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import run_measured  # noqa: E402


def make_data(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cols: dict[str, object] = {}
    base = rng.normal(size=n)
    for i in range(12):
        x = rng.normal(size=n) * (i + 1) + (base * 0.5 if i % 3 == 0 else 0)
        if i % 4 == 1:
            x = np.exp(x / (i + 1))
        x[rng.random(n) < 0.02] = np.nan
        cols[f"num_{i}"] = x
    for i, card in enumerate([3, 10, 30, 100, 300, 1000]):
        cats = np.array([f"cat{i}_{j}" for j in range(card)], dtype=object)
        p = 1.0 / np.arange(1, card + 1)
        cols[f"cat_{i}"] = cats[rng.choice(card, n, p=p / p.sum())]
    cols["when"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365 * 86400, n), unit="s")
    cols["target"] = (rng.random(n) < 1 / (1 + np.exp(-base))).astype(int)
    return pd.DataFrame(cols)


OURS = """
import time as _time
_cpu = _time.process_time()
r = profile(df, target="target")
extra["cpu"] = _time.process_time() - _cpu
extra["alerts"] = len(r.alerts)
"""

PLAIN = """
num = df.select_dtypes("number")
d = df.describe()
u = df.nunique()
m = df.isna().sum()
vc = [df[c].value_counts() for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
c1 = num.corr()
c2 = num.corr(method="spearman")
dup = df.duplicated().sum()
"""

YDATA = """
rep = ProfileReport(df, minimal={minimal}, progress_bar=False, title="bench")
_ = rep.get_description()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--peer-python", default=os.environ.get("YDATA_PYTHON"))
    parser.add_argument("--ydata-default-max-rows", type=int, default=100_000,
                        help="run ydata-profiling's default mode only up to this many rows (it is slow)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    for n in args.rows:
        path = tmp / f"data_{n}.parquet"
        df = make_data(n)
        df.to_parquet(path)
        frame_mb = df.memory_usage(deep=True).sum() / 2**20
        del df
        setup = f"import pandas as pd\ndf = pd.read_parquet({str(path)!r})"
        # Imports happen before the clock starts, for every tool alike.
        ours = run_measured(setup + "\nfrom mltoolkit.eda import profile", OURS)
        plain = run_measured(setup, PLAIN)
        print(f"\n== {n:,} rows x 20 columns (DataFrame {frame_mb:,.0f} MB in memory)")
        print(f"{'':<34}{'seconds':>9}{'peak MB':>10}{'added MB':>10}")
        for name, m in (("mltoolkit profile", ours), ("plain pandas pass", plain)):
            print(f"{name:<34}{m['seconds']:>9.2f}{m['peak_mb']:>10.0f}{m['peak_mb'] - m['base_mb']:>10.0f}")
        print(f"mltoolkit profile CPU time: {ours['extra']['cpu']:.2f} s")
        print(f"profile / plain pandas time: {ours['seconds'] / plain['seconds']:.2f}x (target <= 3x at 1M rows)")
        added = ours["peak_mb"] - ours["base_mb"]
        print(f"profile memory added over the loaded frame: {added:,.0f} MB = {added / frame_mb:.2f}x the frame "
              f"(peak process {ours['peak_mb'] / frame_mb:.2f}x; target < 3x)")
        if args.peer_python:
            peer_setup = setup + "\nfrom ydata_profiling import ProfileReport"
            modes = [("minimal", True)] + ([("default", False)] if n <= args.ydata_default_max_rows else [])
            for label, minimal in modes:
                try:
                    m = run_measured(peer_setup, YDATA.format(minimal=minimal), python=args.peer_python)
                except RuntimeError as exc:
                    print(f"ydata-profiling {label}: failed ({str(exc).splitlines()[-1]})")
                    continue
                print(f"{'ydata-profiling ' + label:<34}{m['seconds']:>9.2f}{m['peak_mb']:>10.0f}"
                      f"{m['peak_mb'] - m['base_mb']:>10.0f}   -> mltoolkit is {m['seconds'] / ours['seconds']:.1f}x faster")
        else:
            print("ydata-profiling: not measured (pass --peer-python /path/to/venv/bin/python)")


if __name__ == "__main__":
    main()
