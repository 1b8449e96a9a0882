"""The ``mltoolkit`` command: parses arguments, calls one function per verb, prints."""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from mltoolkit import __version__
from mltoolkit.errors import ConfigError, MLToolkitError

__all__ = ["main"]


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mltoolkit", description="The ML lifecycle in notebooks, with e-mailable reports.")
    parser.add_argument("--version", action="version", version=f"mltoolkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("profile", help="profile a dataset (EDA) into JSON and/or an HTML report")
    p.add_argument("data", help="CSV/Parquet path, SQLite file, SQLAlchemy URL, or demo://trial_conversion")
    p.add_argument("--target", help="target column to analyse against")
    p.add_argument("--json", dest="json_out", type=Path, help="write the profile as JSON here")
    p.add_argument("--html", dest="html_out", type=Path, help="write the EDA report (self-contained HTML) here")
    p.add_argument("--table", help="SQL sources: table to read")
    p.add_argument("--query", help="SQL sources: SELECT query to read")
    p.add_argument("--encoding", default="utf-8", help="text encoding of CSV files (default utf-8)")
    p.add_argument("--sample", type=int, help="profile a random sample of this many rows")
    p.set_defaults(func=_cmd_profile)

    p = sub.add_parser("demo-data", help="write the bundled demo dataset to a CSV or Parquet file")
    p.add_argument("out", type=Path, help="file to write (.csv or .parquet)")
    p.add_argument("--rows", type=int, default=5000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--drift", type=float, default=0.0, help="0 = training distribution, up to 1 = drifted batch")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=_cmd_demo_data)
    return parser


def _source(data: str) -> str:
    """Make file paths absolute (notebooks run in another folder); keep URLs as they are."""
    if "://" in data:
        return data
    return str(Path(data).resolve())


def _cmd_profile(args: argparse.Namespace) -> int:
    from mltoolkit.data import load
    from mltoolkit.eda import profile

    if args.sample is not None and args.sample < 1:
        raise ConfigError(f"--sample must be a positive number of rows, got {args.sample}", parameter="--sample")
    if args.html_out is None:
        df = load(args.data, table=args.table, query=args.query, encoding=args.encoding)
        result = profile(df, target=args.target, sample=args.sample, progress=sys.stderr.isatty())
        if args.json_out:
            result.to_json(args.json_out)
            print(f"profile written to {args.json_out}")
        else:
            _print_summary(result)
        return 0
    return _profile_report(args)


def _profile_report(args: argparse.Namespace) -> int:
    from mltoolkit.pipeline import execute_notebook, stage_notebook
    from mltoolkit.report import render_report

    with tempfile.TemporaryDirectory(prefix="mltoolkit-profile-") as tmp:
        json_path = Path(args.json_out).resolve() if args.json_out else Path(tmp) / "profile.json"
        executed = Path(tmp) / "03_eda.ipynb"
        print(f"profiling {args.data} (executing the EDA notebook) ...", file=sys.stderr)
        execute_notebook(
            stage_notebook("eda"), executed,
            {"data_path": _source(args.data), "table": args.table, "query": args.query,
             "encoding": args.encoding, "target": args.target, "sample_size": args.sample,
             "profile_json": str(json_path)},
            cwd=tmp, progress=sys.stderr.isatty(),
        )
        summary = json.loads(json_path.read_text(encoding="utf-8"))
        overview = summary["overview"]
        meta = [("Data", args.data), ("Rows", f"{overview['n_rows']:,}"), ("Columns", str(overview["n_columns"]))]
        if summary.get("fingerprint"):
            meta.append(("Data version", summary["fingerprint"]["short"]))
        print("rendering the report ...", file=sys.stderr)
        out = render_report(executed, args.html_out, template="eda",
                            title=f"Data profile: {Path(args.data).name if '://' not in args.data else args.data}",
                            meta=meta)
    if args.json_out:
        print(f"profile written to {args.json_out}")
    print(f"report written to {out}")
    return 0


def _print_summary(result) -> None:  # noqa: ANN001 - ProfileResult, imported lazily
    o = result.overview
    print(f"{o.n_rows:,} rows x {o.n_columns} columns, {o.n_missing_cells:,} missing cells, "
          f"{o.n_duplicate_rows:,} duplicate rows")
    for alert in result.alerts:
        print(f"[{alert.severity}] {alert.message}")


def _cmd_demo_data(args: argparse.Namespace) -> int:
    from mltoolkit.data import make_trial_conversion

    out: Path = args.out
    if out.exists() and not args.force:
        raise ConfigError(f"{out} already exists; pass --force to overwrite it", path=str(out))
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ConfigError(f"cannot write {out}: use a .csv or .parquet file name", path=str(out))
    df = make_trial_conversion(args.rows, seed=args.seed, drift=args.drift)
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        df.to_csv(out, index=False)
    else:
        df.to_parquet(out, index=False)
    print(f"{len(df):,} rows written to {out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mltoolkit`` command; returns the exit code."""
    args = _build_parser().parse_args(argv)
    try:
        return args.func(args)
    except MLToolkitError as exc:
        red, reset = ("\033[31m", "\033[0m") if sys.stderr.isatty() else ("", "")
        print(f"{red}error: {exc}{reset}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
