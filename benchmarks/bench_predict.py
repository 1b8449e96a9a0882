"""Batch scoring speed and memory: rows per second and peak memory on 1,000,000 and 5,000,000 rows.

Run by hand:  .venv/bin/python benchmarks/bench_predict.py [--rows 5000000]
Target (issue 5): memory flat in input size (chunked scoring), zero errors.

The input Parquet file is written chunk by chunk (never held whole); each
scoring run happens in a fresh process so its peak memory is its own.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from _measure import run_measured
from _package import demo_package

from mltoolkit.data import make_trial_conversion


def write_input(path: Path, rows: int, chunk: int = 500_000) -> None:
    writer = None
    for i, start in enumerate(range(0, rows, chunk)):
        part = make_trial_conversion(min(chunk, rows - start), seed=100 + i).drop(columns="converted")
        table = pa.Table.from_pandas(part, preserve_index=False)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    writer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5_000_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-predict-"))
    package = demo_package(tmp / "train")
    for rows in sorted({1_000_000, args.rows}):
        src = tmp / f"in_{rows}.parquet"
        write_input(src, rows)
        m = run_measured(
            "from mltoolkit.deploy import load_package, predict_batch\n"
            f"pkg = load_package({str(package)!r})",
            f"r = predict_batch(pkg, {str(src)!r}, {str(tmp / 'out.parquet')!r}, chunk_rows=100_000)\n"
            "extra['rows'] = r.rows")
        print(f"{rows:>10,} rows: {m['seconds']:6.1f} s, {m['extra']['rows'] / m['seconds']:>9,.0f} rows/s, "
              f"peak memory {m['peak_mb']:,.0f} MB (before scoring {m['base_mb']:,.0f} MB)")
        src.unlink()


if __name__ == "__main__":
    main()
