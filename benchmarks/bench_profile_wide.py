"""Speed and memory of ``mltoolkit.eda.profile`` on wide data and on data streamed from Parquet (issue: Scale).

Run by hand:  .venv/bin/python benchmarks/bench_profile_wide.py [--rows 100000] [--columns 2000]
                                                                [--stream-rows 5000000] [--skip-wide] [--skip-stream]

1. Wide: ``rows`` x ``columns`` in memory (all numeric but 20 categorical
   columns and a binary target; 1% missing cells; some correlated columns),
   read from Parquet in a fresh process before the clock starts. Target: under
   2 minutes on a 2-core machine.
2. Streamed: ``stream-rows`` x 20 columns (14 numeric, 4 categorical, a
   timestamp, a binary target) written as 10 Parquet files without ever being
   whole in memory, then profiled from the directory. Prints the peak memory
   next to the size the table would take in memory: peak follows the batch,
   not the data.

Each measurement runs in a new interpreter (``_measure.run_measured``): wall
time of the ``profile`` call and the process's peak resident memory (VmHWM).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import run_measured  # noqa: E402

N_CATEGORICAL = 20


def make_wide(n: int, p: int, seed: int = 0) -> pd.DataFrame:
    """``n`` x ``p``: numeric columns (1% missing, every tenth correlated with a base), 20 categorical, a target."""
    rng = np.random.default_rng(seed)
    n_num = p - N_CATEGORICAL - 1
    X = rng.normal(size=(n, n_num))
    base = rng.normal(size=n)
    X[:, ::10] += base[:, None]
    X[rng.random(X.shape) < 0.01] = np.nan
    cols: dict[str, object] = {f"x{i}": X[:, i] for i in range(n_num)}
    for i in range(N_CATEGORICAL):
        card = 3 + 10 * i
        cats = np.array([f"c{i}_{j}" for j in range(card)], dtype=object)
        cols[f"cat{i}"] = cats[rng.integers(0, card, n)]
    cols["target"] = (rng.random(n) < 1 / (1 + np.exp(-base))).astype(int)
    return pd.DataFrame(cols)


def _stream_chunk(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = rng.normal(size=n)
    cols: dict[str, object] = {}
    for i in range(14):
        x = rng.normal(size=n) * (i + 1) + (base if i % 3 == 0 else 0)
        if i % 4 == 1:
            x = np.exp(x / (i + 1))
        x[rng.random(n) < 0.02] = np.nan
        cols[f"num_{i}"] = x
    for i, card in enumerate([3, 30, 300, 3000]):
        cats = np.array([f"cat{i}_{j}" for j in range(card)], dtype=object)
        cols[f"cat_{i}"] = cats[rng.integers(0, card, n)]
    cols["when"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365 * 86400, n), unit="s")
    cols["target"] = (rng.random(n) < 1 / (1 + np.exp(-base))).astype(int)
    return pd.DataFrame(cols)


def write_stream_dataset(folder: Path, rows: int, files: int = 10) -> float:
    """Write ``rows`` rows as ``files`` Parquet files, one chunk at a time; return the MB the table takes in memory."""
    folder.mkdir(parents=True, exist_ok=True)
    per_file = -(-rows // files)
    mb = 0.0
    for i in range(files):
        n = min(per_file, rows - i * per_file)
        if n <= 0:
            break
        chunk = _stream_chunk(n, seed=i)
        mb += chunk.memory_usage(deep=True, index=False).sum() / 2**20
        chunk.to_parquet(folder / f"part-{i:03d}.parquet", index=False)
    return mb


def _row(name: str, m: dict) -> str:
    return f"{name:<44}{m['seconds']:>9.1f}{m['peak_mb']:>10.0f}{m['peak_mb'] - m['base_mb']:>10.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--columns", type=int, default=2_000)
    parser.add_argument("--stream-rows", type=int, default=5_000_000)
    parser.add_argument("--skip-wide", action="store_true")
    parser.add_argument("--skip-stream", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-profile-wide-"))
    header = f"{'':<44}{'seconds':>9}{'peak MB':>10}{'added MB':>10}"
    if not args.skip_wide:
        path = tmp / "wide.parquet"
        df = make_wide(args.rows, args.columns)
        frame_mb = df.memory_usage(deep=True).sum() / 2**20
        df.to_parquet(path, index=False)
        del df
        setup = f"import pandas as pd\nfrom mltoolkit.eda import profile\ndf = pd.read_parquet({str(path)!r})"
        body = 'r = profile(df, target="target")\nextra["alerts"] = len(r.alerts)\nextra["pairs"] = len(r.correlations.top_pairs)'
        m = run_measured(setup, body)
        print(f"\n== wide: {args.rows:,} rows x {args.columns:,} columns in memory ({frame_mb:,.0f} MB)")
        print(header)
        print(_row("profile(df, target=...)", m))
        verdict = "within" if m["seconds"] < 120 else "OVER"
        print(f"target: under 120 s on 2 cores -> {verdict} ({m['seconds']:.0f} s)")
    if not args.skip_stream:
        folder = tmp / "stream"
        table_mb = write_stream_dataset(folder, args.stream_rows)
        disk_mb = sum(f.stat().st_size for f in folder.glob("*.parquet")) / 2**20
        setup = "from mltoolkit.eda import profile"
        body = (f'r = profile({str(folder)!r}, target="target")\n'
                'extra["rows"] = r.overview.n_rows\nextra["notes"] = list(r.notes)')
        m = run_measured(setup, body)
        print(f"\n== streamed: {args.stream_rows:,} rows x 20 columns from 10 Parquet files "
              f"({disk_mb:,.0f} MB on disk, {table_mb:,.0f} MB as a DataFrame)")
        print(header)
        print(_row("profile(parquet_dir, target=...)", m))
        print(f"rows profiled: {m['extra']['rows']:,}; peak memory {m['peak_mb']:,.0f} MB = "
              f"{m['peak_mb'] / table_mb:.2f}x the table's in-memory size")
        for note in m["extra"]["notes"]:
            print(f"  note: {note}")


if __name__ == "__main__":
    main()
