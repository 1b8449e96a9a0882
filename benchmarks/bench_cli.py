"""The commands people wait on, timed as whole processes, next to the import floor of the same Python.

Run by hand:
    .venv/bin/python benchmarks/bench_cli.py [--rows 5000] [--repeats 3] [--peer-python /tmp/peers/bin/python]
                                             [--no-demo] [--inprocess-rows 100000 1000000]

What is timed (wall time of a new process each, best and median of ``--repeats``, interleaved so
a busy machine slows every command alike):

- the import floor: ``python -c "import pandas, scipy.stats, matplotlib, sklearn"`` (what any of these
  commands must at least pay) and ``python -c pass``;
- ``mltoolkit profile data.csv --target converted`` to ``--html`` and to ``--json``, and ``--html --notebook``
  (the executed-notebook path);
- ``mltoolkit drift reference.csv current.csv`` to ``--html`` and to ``--json``;
- ``mltoolkit demo`` (once: nine stages in one kernel and both reports; its stage times from the run's
  ``run.json`` beside it) and ``mltoolkit report RUN --template technical`` on its run (skip both with
  ``--no-demo``);
- with ``--peer-python`` (a throwaway venv holding ydata-profiling and Evidently, e.g.
  ``python3 -m venv /tmp/peers && /tmp/peers/bin/pip install ydata-profiling "evidently<0.8" "pandas<3"``):
  ``ProfileReport(df, minimal=True|False).to_file(...)`` and Evidently's ``Report([DataDriftPreset()])``
  ``.run(...).save_html(...)``, imports and CSV reading included, as a user's script would run;
- in process (imports before the clock, as in ``bench_profile.py``): ``profile`` on N x 20 against
  ydata-profiling minimal mode's ``get_description()``;
- with ``--baseline DIR`` (an earlier version's sources: ``git archive <commit> mltoolkit notebooks templates
  | tar -x -C DIR``): the profile and drift commands of that version too, run with ``PYTHONPATH=DIR`` by the same
  Python, interleaved with the current ones (before/after under the same load).

Data: the bundled demo table (``--rows`` rows x 14 columns, the target ``converted``); the drift pair is
that table and a drifted batch of it. Prints seconds, ratios to the import floor and to the peers, and
report sizes. Timings on a loaded machine are noisy: read the ratios, measured in the same run.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import run_measured  # noqa: E402

FLOOR_IMPORTS = "import pandas, scipy.stats, matplotlib, sklearn"

YDATA_FILE = """
import pandas as pd
from ydata_profiling import ProfileReport
df = pd.read_csv({data!r})
ProfileReport(df, minimal={minimal}, progress_bar=False, title="bench").to_file({out!r})
"""

EVIDENTLY_FILE = """
import pandas as pd
from evidently import Report
from evidently.presets import DataDriftPreset
ref = pd.read_csv({ref!r})
cur = pd.read_csv({cur!r})
Report([DataDriftPreset()]).run(current_data=cur, reference_data=ref).save_html({out!r})
"""

YDATA_INPROCESS = """
rep = ProfileReport(df, minimal=True, progress_bar=False, title="bench")
_ = rep.get_description()
"""


def _timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    for arg in cmd:  # commands refuse to overwrite their outputs: start each run afresh
        if arg.endswith((".html", ".json")) and "/out/" in arg:
            Path(arg).unlink(missing_ok=True)
            Path(arg).with_suffix(".ipynb").unlink(missing_ok=True)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})})
    seconds = time.perf_counter() - t0
    if proc.returncode not in (0, 1):  # drift exits 1 only with --fail-on-drift
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return seconds


def _size(path: Path) -> str:
    return f"{path.stat().st_size / 1024:,.0f} KiB" if path.exists() else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5000, help="rows of the demo table profiled and compared")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--peer-python", default=os.environ.get("PEER_PYTHON"),
                        help="a Python with ydata-profiling and Evidently installed (never mltoolkit's venv)")
    parser.add_argument("--no-demo", action="store_true", help="skip `mltoolkit demo` and `mltoolkit report`")
    parser.add_argument("--inprocess-rows", type=int, nargs="*", default=[100_000],
                        help="in-process profile sizes (N x 20) compared with ydata-profiling minimal; none to skip")
    parser.add_argument("--workdir", type=Path, help="keep data and reports here (default: a temporary folder)")
    parser.add_argument("--baseline", type=Path,
                        help="sources of an earlier version (holding mltoolkit/, notebooks/, templates/) to time too")
    args = parser.parse_args()

    from mltoolkit.data import make_trial_conversion

    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-cli-"))
    work.mkdir(parents=True, exist_ok=True)
    data, ref, cur = work / "table.csv", work / "reference.csv", work / "current.csv"
    table = make_trial_conversion(args.rows, seed=0)
    table.to_csv(data, index=False)
    table.to_csv(ref, index=False)
    make_trial_conversion(args.rows, seed=1, drift=0.5).to_csv(cur, index=False)
    del table
    py = sys.executable
    mlt = [py, "-m", "mltoolkit"]
    out = work / "out"
    out.mkdir(exist_ok=True)

    commands: dict[str, list[str]] = {
        "python -c pass": [py, "-c", "pass"],
        "import floor": [py, "-c", FLOOR_IMPORTS],
        "profile --json": mlt + ["profile", str(data), "--target", "converted", "--json", str(out / "profile.json")],
        "profile --html": mlt + ["profile", str(data), "--target", "converted", "--html", str(out / "eda.html")],
        "profile --html --notebook": mlt + ["profile", str(data), "--target", "converted", "--notebook",
                                            "--html", str(out / "eda_notebook.html")],
        "drift --json": mlt + ["drift", str(ref), str(cur), "--json", str(out / "drift.json")],
        "drift --html": mlt + ["drift", str(ref), str(cur), "--html", str(out / "drift.html")],
    }
    if args.peer_python:
        for label, minimal in (("ydata-profiling minimal to_file", True), ("ydata-profiling default to_file", False)):
            code = YDATA_FILE.format(data=str(data), minimal=minimal, out=str(out / f"ydata_{minimal}.html"))
            commands[label] = [args.peer_python, "-c", code]
        commands["Evidently DataDriftPreset save_html"] = [
            args.peer_python, "-c", EVIDENTLY_FILE.format(ref=str(ref), cur=str(cur), out=str(out / "evidently.html"))]
    # Older versions have no --notebook: leave the row out rather than fail.
    help_text = subprocess.run(mlt + ["profile", "--help"], capture_output=True, text=True).stdout
    if "--notebook" not in help_text:
        commands.pop("profile --html --notebook")

    envs: dict[str, dict[str, str]] = {}
    if args.baseline:  # the same commands from the earlier sources, writing their own files
        for name in ("profile --json", "profile --html", "drift --json", "drift --html"):
            commands[f"{name} (baseline)"] = [str(out / f"baseline_{Path(a).name}") if Path(a).parent == out else a
                                              for a in commands[name]]
            envs[f"{name} (baseline)"] = {"PYTHONPATH": str(args.baseline.resolve())}
    times: dict[str, list[float]] = {name: [] for name in commands}
    for r in range(args.repeats):
        for name, cmd in commands.items():
            if name.startswith(("ydata-profiling default", "Evidently")) and r > 0 and args.repeats > 2:
                continue  # slow peers: once or twice is enough for a ratio
            times[name].append(_timed(cmd, work, envs.get(name)))
        print(f"repeat {r + 1}/{args.repeats} done", file=sys.stderr)

    demo_seconds, demo_stages = None, {}
    if not args.no_demo:
        demo_dir = work / "demo"
        shutil.rmtree(demo_dir, ignore_errors=True)
        load = os.getloadavg()[0]
        demo_seconds = _timed(mlt + ["demo", str(demo_dir)], work)
        run_dir = sorted((demo_dir / "runs").iterdir())[-1]
        demo_stages = {s["stage"]: s["seconds"] for s in json.loads((run_dir / "run.json").read_text())["stages"]}
        commands["report --template technical"] = mlt + ["report", str(run_dir), "--template", "technical",
                                                         "--out", str(out / "technical.html")]
        times["report --template technical"] = [_timed(commands["report --template technical"], work)
                                                for _ in range(args.repeats)]

    floor = statistics.median(times["import floor"])
    print(f"\n== whole processes, {args.rows:,} rows x 14 columns, {args.repeats} repeats "
          f"(python {sys.version.split()[0]}; import floor = `{FLOOR_IMPORTS}`)")
    print(f"{'command':<40}{'best s':>8}{'median s':>10}{'x floor':>9}  report")
    sizes = {"profile --html": out / "eda.html", "profile --html --notebook": out / "eda_notebook.html",
             "drift --html": out / "drift.html", "report --template technical": out / "technical.html",
             "profile --html (baseline)": out / "baseline_eda.html", "drift --html (baseline)": out / "baseline_drift.html",
             "ydata-profiling minimal to_file": out / "ydata_True.html",
             "ydata-profiling default to_file": out / "ydata_False.html",
             "Evidently DataDriftPreset save_html": out / "evidently.html"}
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:<40}{min(ts):>8.2f}{med:>10.2f}{med / floor:>9.2f}  {_size(sizes[name]) if name in sizes else ''}")
    if demo_seconds is not None:
        print(f"{'demo (once)':<40}{demo_seconds:>8.2f}{demo_seconds:>10.2f}{demo_seconds / floor:>9.2f}  "
              f"{_size(out.parent / 'demo' / 'reports' / 'executive_summary.html')} executive")
        # The run record's stage times (the first stage also starts the run's kernel); the rest of the wall time
        # is the command's own start, the project's creation and the two reports.
        stages_total = sum(demo_stages.values())
        print(f"  demo stages (run.json, load average {load:.1f} at start): "
              + ", ".join(f"{name} {sec:.1f}" for name, sec in demo_stages.items())
              + f"; stages {stages_total:.1f} s, start-up and reports {demo_seconds - stages_total:.1f} s")

    def ratio(peer: str, ours: str) -> None:
        if peer in times and ours in times and times[peer]:
            print(f"{ours} is {statistics.median(times[peer]) / statistics.median(times[ours]):.2f}x faster "
                  f"than {peer}")

    print()
    ratio("ydata-profiling minimal to_file", "profile --html")
    ratio("ydata-profiling default to_file", "profile --html")
    ratio("Evidently DataDriftPreset save_html", "drift --html")
    ratio("profile --html --notebook", "profile --html")
    for name in ("profile --json", "profile --html", "drift --json", "drift --html"):
        ratio(f"{name} (baseline)", name)
    if not args.peer_python:
        print("peers: not measured (pass --peer-python /path/to/throwaway/venv/bin/python)")

    targets: list[tuple[str, bool | None, str]] = []  # (target, met, figure)

    def median(name: str) -> float | None:
        return statistics.median(times[name]) if times.get(name) else None

    for name in ("profile --html", "drift --html"):
        ours = median(name)
        targets.append((f"{name} at most 2x the import floor", ours / floor <= 2.0, f"{ours / floor:.2f}x"))
    peer = median("ydata-profiling minimal to_file")
    if peer is not None:
        ratio_peer = peer / median("profile --html")
        targets.append(("profile --html at least 1.6x faster than ydata-profiling minimal", ratio_peer >= 1.6,
                        f"{ratio_peer:.2f}x"))
    if demo_seconds is not None:
        targets.append(("mltoolkit demo at most 60 s", demo_seconds <= 60, f"{demo_seconds:.1f} s"))
    for name, path, limit in (("EDA report", out / "eda.html", 1.5 * 2**20),
                              ("technical report", out / "technical.html", 2**20)):
        if path.exists():
            targets.append((f"{name} under {limit / 2**20:g} MiB (14 columns)", path.stat().st_size < limit,
                            _size(path)))

    for n in args.inprocess_rows or []:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from bench_profile import make_data

        path = work / f"inprocess_{n}.parquet"
        make_data(n).to_parquet(path)
        setup = f"import pandas as pd\ndf = pd.read_parquet({str(path)!r})"
        ours = [run_measured(setup + "\nfrom mltoolkit.eda import profile", "r = profile(df, target='target')")
                ["seconds"] for _ in range(args.repeats)]
        line = f"\n== in process, {n:,} x 20: mltoolkit profile {statistics.median(ours):.2f} s (best {min(ours):.2f})"
        if args.peer_python:
            peer = [run_measured(setup + "\nfrom ydata_profiling import ProfileReport", YDATA_INPROCESS,
                                 python=args.peer_python)["seconds"] for _ in range(max(1, args.repeats - 1))]
            line += (f"; ydata-profiling minimal {statistics.median(peer):.2f} s -> "
                     f"{statistics.median(peer) / statistics.median(ours):.1f}x faster")
            speedup = statistics.median(peer) / statistics.median(ours)
            targets.append((f"in-process profile {n:,} x 20 at least 5x faster than ydata-profiling minimal",
                            speedup >= 5, f"{speedup:.1f}x"))
        print(line)
    print("\n== targets (issue 17)")
    for what, met, figure in targets:
        print(f"{'met    ' if met else 'NOT MET'}  {what}: {figure}")
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
