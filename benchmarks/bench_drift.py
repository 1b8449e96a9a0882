"""Speed, memory and quality of ``mltoolkit.drift.detect_drift`` (issue: Drift and the monitoring stage).

Run by hand:  .venv/bin/python benchmarks/bench_drift.py [--rows 1000000] [--peer-python PATH] [--repeats 200]

1. Speed: N x 20 reference vs current (12 numeric, 6 categorical, a datetime,
   a binary target) with drift planted in num_0 (mean +0.3 sd), num_5 (scale x1.5)
   and cat_1 (20% of rows moved to one category), and a no-drift pair. Prints wall
   time, peak memory (fresh process each, ru_maxrss) and flagged columns for
   mltoolkit, for one plain vectorized numpy/scipy pass over the same tests, and
   for Evidently's DataDriftPreset when a Python with it is given
   (``--peer-python`` or $EVIDENTLY_PYTHON; a throwaway venv: Evidently 0.7 needs pandas < 3).
2. False alarms: ``--repeats`` no-drift pairs of 1,000 rows drawn from one
   population (``--repeats 1000`` for a table to trust: the sampling error of one
   rate is then 0.7 points, 1.5 at the default 200); per column and test, the rate
   of flagging against alpha = 5%, with the raw reference and with its saved
   profile (``build_reference``), which must follow the same rule.
3. Report size: the drift HTML report for the demo batches, rendered by ``mltoolkit drift``.

Targets: >= 10x faster than Evidently and half its peak memory; within 2x of the
plain numpy/scipy pass; every planted column caught and no other; every p-value
test's false alarm rate within 1.5 points of 5% at 1,000 repeats; HTML report under 1 MB.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import run_measured  # noqa: E402
from bench_profile import make_data  # noqa: E402

PLANTED = ["cat_1", "num_0", "num_5"]


def make_pair(n: int, drift: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    ref, cur = make_data(n, seed=0), make_data(n, seed=1)
    if drift:
        rng = np.random.default_rng(2)
        cur["num_0"] = cur["num_0"] + 0.3 * np.nanstd(ref["num_0"])
        cur["num_5"] = cur["num_5"] * 1.5
        moved = rng.random(n) < 0.2
        cur.loc[moved, "cat_1"] = "cat1_9"
    return ref, cur


OURS = """
from mltoolkit.drift import detect_drift
r = detect_drift(ref, cur)
extra["flagged"] = sorted(r.drifted_columns)
"""

# The same decisions with plain numpy/scipy: Wasserstein (normed) for numeric, Jensen-Shannon on category shares.
PLAIN = """
import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon
flagged = []
for c in ref.columns:
    if c == "when":
        continue
    a, b = ref[c], cur[c]
    if pd.api.types.is_numeric_dtype(a) and a.nunique() > 2:
        x, y = a.dropna().to_numpy(float), b.dropna().to_numpy(float)
        d = stats.wasserstein_distance(x, y) / x.std()
    else:
        p = a.value_counts(normalize=True)
        q = b.value_counts(normalize=True).reindex(p.index.union(b.value_counts().index), fill_value=0)
        d = jensenshannon(p.reindex(q.index, fill_value=0), q, base=2)
    if d >= 0.1:
        flagged.append(c)
extra["flagged"] = sorted(flagged)
"""

EVIDENTLY = """
from evidently import Report
from evidently.presets import DataDriftPreset
snap = Report([DataDriftPreset()]).run(current_data=cur.drop(columns=["when"]), reference_data=ref.drop(columns=["when"]))
flagged = []
for m in snap.dict()["metrics"]:
    cfg = m.get("config", {})
    if cfg.get("type", "").endswith("ValueDrift"):
        v, t = m["value"], cfg["threshold"]
        is_p = "p_value" in cfg.get("method", "")
        if (v < t) if is_p else (v >= t):
            flagged.append(cfg["column"])
extra["flagged"] = sorted(flagged)
"""


def false_alarm_rates(repeats: int, n: int = 1000) -> pd.DataFrame:
    """Share of no-drift pairs flagged per column, against the raw reference and against its profile."""
    from mltoolkit.data import make_trial_conversion
    from mltoolkit.drift import build_reference, detect_drift

    population = make_trial_conversion(500_000, seed=21)
    cols = ["location", "company_size", "seniority", "role", "website_visits", "pages_per_visit", "demo_taken",
            "days_in_trial", "plan_type", "support_tickets", "converted"]
    rng = np.random.default_rng(0)
    flags = np.zeros((2, len(cols)))
    for _ in range(repeats):
        idx = rng.choice(len(population), 2 * n, replace=False)
        ref, cur = population.iloc[idx[:n]][cols], population.iloc[idx[n:]][cols]
        r = detect_drift(ref, cur, n_jobs=1)
        p = detect_drift(build_reference(ref), cur)
        flags[0] += [r.column(c).drifted for c in cols]
        flags[1] += [p.column(c).drifted for c in cols]
    return pd.DataFrame({"column": cols, "test": [r.column(c).test for c in cols], "raw": flags[0] / repeats,
                         "profile": flags[1] / repeats})


def _print_false_alarms(repeats: int) -> None:
    print(f"\n== false alarm rate over {repeats} no-drift pairs of 1,000 rows (nominal 5% for p-value tests)")
    rates = false_alarm_rates(repeats)
    se = 100 * np.sqrt(0.05 * 0.95 / repeats)
    print(f"  {'column':<18}{'test':<11}{'raw':>7}{'profile':>9}   within 1.5 points of 5%")
    for row in rates.itertuples():
        ok = all(abs(rate - 0.05) <= 0.015 for rate in (row.raw, row.profile))
        print(f"  {row.column:<18}{row.test:<11}{100 * row.raw:6.1f}%{100 * row.profile:8.1f}%   {'yes' if ok else 'NO'}")
    print(f"  mean over columns: raw {100 * rates.raw.mean():.2f}%, profile {100 * rates.profile.mean():.2f}% "
          f"(sampling error of one column's rate: +-{se:.1f} points)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--peer-python", default=os.environ.get("EVIDENTLY_PYTHON"))
    parser.add_argument("--repeats", type=int, default=200,
                        help="no-drift pairs for the false-alarm table (1000 for a 0.7-point sampling error)")
    parser.add_argument("--false-alarms-only", action="store_true", help="run only part 2")
    args = parser.parse_args()
    if args.false_alarms_only:
        return _print_false_alarms(args.repeats)
    tmp = Path(tempfile.mkdtemp(prefix="bench-drift-"))
    for label, drift in (("planted drift", True), ("no drift", False)):
        ref, cur = make_pair(args.rows, drift)
        ref.to_parquet(tmp / "ref.parquet")
        cur.to_parquet(tmp / "cur.parquet")
        del ref, cur
        setup = (f"import pandas as pd\nref = pd.read_parquet({str(tmp / 'ref.parquet')!r})\n"
                 f"cur = pd.read_parquet({str(tmp / 'cur.parquet')!r})")
        rows = [("mltoolkit detect_drift", run_measured(setup + "\nimport mltoolkit.drift", OURS)),
                ("plain numpy/scipy pass", run_measured(setup + "\nimport scipy.stats", PLAIN))]
        if args.peer_python:
            try:
                rows.append(("Evidently DataDriftPreset", run_measured(setup + "\nimport evidently.presets", EVIDENTLY,
                                                                       python=args.peer_python)))
            except RuntimeError as exc:
                print(f"Evidently failed: {str(exc).splitlines()[-1]}")
        print(f"\n== {label}: {args.rows:,} rows x 20 columns (expected flagged: {PLANTED if drift else []})")
        print(f"{'':<28}{'seconds':>9}{'peak MB':>10}   flagged")
        for name, m in rows:
            print(f"{name:<28}{m['seconds']:>9.2f}{m['peak_mb']:>10.0f}   {m['extra']['flagged']}")
        ours = rows[0][1]
        print(f"mltoolkit / plain pass time: {ours['seconds'] / rows[1][1]['seconds']:.2f}x (target <= 2x)")
        if len(rows) > 2:
            ev = rows[2][1]
            print(f"Evidently / mltoolkit time: {ev['seconds'] / ours['seconds']:.1f}x (target >= 10x); "
                  f"memory: mltoolkit peak is {ours['peak_mb'] / ev['peak_mb']:.2f}x Evidently's (target <= 0.5x)")
        if not args.peer_python:
            print("Evidently: not measured (pass --peer-python /path/to/venv/bin/python)")
        expected = PLANTED if drift else []
        print("planted columns caught and nothing else:", "yes" if ours["extra"]["flagged"] == expected else "NO")
    _print_false_alarms(args.repeats)
    out = tmp / "drift.html"
    exe = Path(sys.executable).parent / "mltoolkit"
    subprocess.run([str(exe), "drift", "demo://trial_conversion", "demo://trial_conversion/production", "--html",
                    str(out), "--time-column", "signup_date"], check=True, capture_output=True)
    print(f"\ndrift HTML report: {out.stat().st_size / 1024:,.0f} KiB (target < 1024 KiB), no JavaScript: "
          f"{'<script' not in out.read_text().lower()}")


if __name__ == "__main__":
    main()
