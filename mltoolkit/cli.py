"""The ``mltoolkit`` command: parses arguments, calls one function per verb, prints."""
from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import re
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

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
    p.add_argument("--encoding", help="text encoding of CSV files (default: detected, UTF-8 first)")
    p.add_argument("--sample", type=int, help="profile a random sample of this many rows")
    p.add_argument("--stream", action="store_true",
                   help="read Parquet data (a file or directory) in batches: memory bounded by the batch, not the "
                        f"data; automatic for Parquet data over {_STREAM_AUTO_BYTES // 2**30} GiB on disk")
    p.add_argument("--batch-rows", type=int, help="rows per batch when streaming (default: about 2 million cells)")
    p.add_argument("--notebook", action="store_true",
                   help="with --html: execute the EDA notebook (papermill, slower) and keep it beside the report")
    p.add_argument("--force", action="store_true", help="overwrite existing --json/--html files")
    p.set_defaults(func=_cmd_profile)

    p = sub.add_parser("reference", help="compute the reference profile drift needs, once, from training data")
    p.add_argument("data", help="reference (training) data: file, Parquet directory (streamed), database or demo://")
    p.add_argument("--out", type=Path, default=Path("reference.json"), help="profile to write (default reference.json)")
    p.add_argument("--exclude", nargs="*", default=[], help="columns to leave out (identifiers, the prediction, ...)")
    p.add_argument("--table", help="SQL sources: table to read")
    p.add_argument("--batch-rows", type=int, help="rows per batch when streaming Parquet data")
    p.add_argument("--force", "--overwrite", dest="force", action="store_true", help="overwrite an existing profile")
    p.set_defaults(func=_cmd_reference)

    p = sub.add_parser("drift", help="compare current data with reference data (data drift)")
    p.add_argument("reference", help="reference: data (file, Parquet directory, database, demo://) or a saved profile "
                                     "(.json from `mltoolkit reference`)")
    p.add_argument("current", help="current (production) data; Parquet files and directories are streamed")
    p.add_argument("--json", dest="json_out", type=Path, help="write the drift result as JSON here")
    p.add_argument("--html", dest="html_out", type=Path, help="write the drift report (self-contained HTML) here")
    p.add_argument("--fail-on-drift", action="store_true", help="exit with code 1 when the dataset has drifted")
    p.add_argument("--time-column", help="time column: drift over time in the HTML report")
    p.add_argument("--target", help="label column (reported as target drift)")
    p.add_argument("--drift-share", type=float, default=0.5, help="share of drifted columns that means dataset drift")
    p.add_argument("--notebook", action="store_true",
                   help="with --html: execute the monitoring notebook (papermill, slower) and keep it beside the report")
    p.add_argument("--force", action="store_true", help="overwrite existing --json/--html files")
    p.set_defaults(func=_cmd_drift)

    p = sub.add_parser("monitor", help="the model in production: performance (expected, actual, estimated, per chunk) "
                                       "and drift, alerts and a retraining recommendation")
    p.add_argument("--card", default="project_card.yml",
                   help="project card (default project_card.yml; without it: mltoolkit.yml of this folder or a parent)")
    p.add_argument("--reference", default="data/train.parquet",
                   help="training data or a saved reference profile (.json); default data/train.parquet")
    p.add_argument("--current", help="production data (default: data.current of the project); the server's "
                                     "prediction log with --table predictions")
    p.add_argument("--table", help="SQL sources: table of the current data, e.g. predictions")
    p.add_argument("--predictions", default="artifacts/batch_predictions.parquet",
                   help="the scored batch of the current data (default artifacts/batch_predictions.parquet)")
    p.add_argument("--labels", help="late labels: the target with the id columns, or request_id (+ request_row) "
                                    "of the prediction log")
    p.add_argument("--labels-table", help="SQL sources: table of the late labels")
    p.add_argument("--evaluation-dir", default="artifacts", help="folder of evaluation.json (expected performance)")
    p.add_argument("--output-dir", default="artifacts", help="where monitoring.json, performance.json, drift.json "
                                                             "and alerts.json are written (default artifacts)")
    p.add_argument("--time-column", help="time column of the chunks (default: the project's)")
    p.add_argument("--chunk-freq", help="calendar period per chunk: D, W, M (default: the project's, else W)")
    p.add_argument("--chunk-size", type=int, help="rows per chunk without a time column (default: ten chunks)")
    p.add_argument("--max-performance-drop", type=float,
                   help="alert when performance is worse than expected by more than this (default: the project's)")
    p.add_argument("--fail-on-retrain", action="store_true", help="exit with code 1 when retraining is recommended")
    p.set_defaults(func=_cmd_monitor)

    p = sub.add_parser("demo-data", help="write the bundled demo dataset to a CSV or Parquet file")
    p.add_argument("out", type=Path, help="file to write (.csv or .parquet)")
    p.add_argument("--rows", type=int, default=5000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--drift", type=float, default=0.0, help="0 = training distribution, up to 1 = drifted batch")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=_cmd_demo_data)

    p = sub.add_parser("init", help="create a project from your table: mltoolkit.yml (decided from the data) and the "
                                     "stage notebooks")
    p.add_argument("directory", type=Path)
    p.add_argument("--data", "--source", dest="data", required=True,
                   help="training data: CSV/Parquet file, SQLite file or SQLAlchemy URL (with --table/--query)")
    p.add_argument("--target", required=True, help="the column the model predicts")
    p.add_argument("--current", help="production data: scored in batch, monitored, its labels used to retrain")
    p.add_argument("--time-column", help="column ordering rows in time (default: the obvious one, if any)")
    p.add_argument("--task", choices=("binary_classification", "multiclass_classification", "regression"),
                   help="default: inferred from the target's values")
    p.add_argument("--positive-class", help="label of interest of a binary target (default: the minority class)")
    p.add_argument("--metric", help="success metric (default: one that fits the task and the data)")
    p.add_argument("--threshold", type=float, help="value the success metric must reach")
    p.add_argument("--id-columns", nargs="+", metavar="COLUMN", help="identifier columns (default: inferred)")
    p.add_argument("--project", help="project name shown in reports (default: the folder's name)")
    p.add_argument("--table", help="SQL sources: table to read")
    p.add_argument("--query", help="SQL sources: SELECT query instead of a table")
    p.set_defaults(func=_cmd_init)

    p = sub.add_parser("run", help="run the lifecycle stages with papermill into runs/<timestamp>-<id>/")
    p.add_argument("--config", type=Path, default=Path("mltoolkit.yml"))
    p.add_argument("--stages", nargs="+", help="stages to run (default: the config's)")
    p.add_argument("-p", dest="params", action="append", default=[], metavar="STAGE.KEY=VALUE",
                   help="set a stage parameter: numbers, true/false, null, [lists], {mappings} and quoted strings "
                        "are read as YAML; anything else is text exactly as typed ('#', line breaks included)")
    p.add_argument("--from", dest="from_stage", metavar="STAGE", help="resume the latest run from this stage")
    p.add_argument("--run-dir", type=Path, help="directory for this run (must not exist; with --from: run to resume)")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("lab", help="open a project in JupyterLab, with this Python's kernel and the project's MLflow store")
    p.add_argument("directory", nargs="?", default=".", type=Path, help="project folder (default: this one)")
    p.add_argument("--port", type=int, help="port to listen on (default: JupyterLab's)")
    p.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    p.add_argument("--print-command", action="store_true", help="print the jupyter lab command instead of running it")
    p.set_defaults(func=_cmd_lab)

    p = sub.add_parser("report", help="render a run as a self-contained HTML report")
    p.add_argument("run_dir", type=Path)
    p.add_argument("--template", default="executive", choices=["executive", "technical"])
    p.add_argument("--out", type=Path, help="HTML file (default: <project>/reports/<run>-<template>.html)")
    p.add_argument("--force", action="store_true", help="overwrite an existing report")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("send", help="e-mail a report (HTML body with inline charts, full report attached)")
    p.add_argument("report", type=Path)
    p.add_argument("--to", nargs="+", help="recipients, one address each (default: the config's report.recipients)")
    p.add_argument("--smtp", help="HOST:PORT of the SMTP server (default: the config's smtp section)")
    p.add_argument("--tls", metavar="auto|starttls|implicit|none",
                   help="auto: STARTTLS when the server offers it, TLS from the start on port 465 (default); "
                        "starttls: required; implicit: TLS from the first byte (SMTPS); none: never")
    p.add_argument("--starttls", dest="tls", action="store_const", const="starttls", help="same as --tls starttls")
    p.add_argument("--allow-plain-login", action="store_true", default=None,
                   help="allow the login to travel over a connection without TLS (refused otherwise)")
    p.add_argument("--cafile", type=Path, help="PEM file of CA certificates to trust for the server's certificate")
    p.add_argument("--user", help="SMTP login; the password is read from $MLTOOLKIT_SMTP_PASSWORD")
    p.add_argument("--subject")
    p.add_argument("--sender", help="From: address")
    p.add_argument("--attach", type=Path, help="file to attach (default: the run's technical report if present)")
    p.add_argument("--config", type=Path, help="mltoolkit.yml with report/smtp settings (default: ./mltoolkit.yml if present)")
    p.set_defaults(func=_cmd_send)

    p = sub.add_parser("runs", help="run history: list runs, or compare two")
    runs_sub = p.add_subparsers(dest="runs_command", metavar="list|compare")
    runs_sub.required = True
    q = runs_sub.add_parser("list", help="every run: date, status, data version, key metrics")
    q.add_argument("--project", type=Path, default=Path("."), help="project folder (default: here)")
    q.add_argument("--json", action="store_true", help="print JSON instead of a table")
    q.set_defaults(func=_cmd_runs_list)
    q = runs_sub.add_parser("compare", help="what changed between two runs (data, parameters, metrics)")
    q.add_argument("run_a")
    q.add_argument("run_b")
    q.add_argument("--project", type=Path, default=Path("."))
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_cmd_runs_compare)

    p = sub.add_parser("retrain", help="train a challenger on new labeled data and compare it with the champion")
    p.add_argument("--config", type=Path, default=Path("mltoolkit.yml"))
    p.add_argument("--new-data", required=True, help="newly labeled data: file, database or demo://")
    p.add_argument("--run", help="run holding the champion (default: the latest run with a model)")
    p.add_argument("--promote", action="store_true", help="replace the champion when the challenger is clearly better")
    p.add_argument("-p", "--param", dest="params", action="append", default=[], metavar="KEY=VALUE",
                   help="other parameters of the retraining stage")
    p.set_defaults(func=_cmd_retrain)

    p = sub.add_parser("registry", help="MLflow model registry: promote a version or roll back an alias")
    rsub = p.add_subparsers(dest="registry_command", required=True)
    q = rsub.add_parser("promote", help="point an alias (production, staging) at a model version")
    q.add_argument("name")
    q.add_argument("version")
    q.add_argument("--alias", default="production")
    q.add_argument("--reason", help="why; recorded on the version")
    q.set_defaults(func=_cmd_registry_promote)
    q = rsub.add_parser("rollback", help="point an alias back at the version it held before")
    q.add_argument("name")
    q.add_argument("--alias", default="production")
    q.set_defaults(func=_cmd_registry_rollback)

    p = sub.add_parser("predict", help="score a CSV, Parquet or SQL table with a model package")
    p.add_argument("model", type=Path, help="model package folder (built by the deployment stage)")
    p.add_argument("data", help="CSV/Parquet path, SQLite file or SQLAlchemy URL (with --table/--query)")
    p.add_argument("--out", type=Path, required=True, help="predictions file (.csv or .parquet)")
    p.add_argument("--table", help="SQL sources: table to read")
    p.add_argument("--query", help="SQL sources: SELECT query")
    p.add_argument("--keep", nargs="*", default=[], help="input columns copied to the output (e.g. an id)")
    p.add_argument("--chunk-rows", type=int, default=100_000, help="rows scored at a time (bounds memory)")
    p.add_argument("--dask", metavar="SCHEDULER",
                   help="score on a Dask cluster: the scheduler's address (tcp://host:8786) or 'local' to start one "
                        "on this machine; DATA (Parquet file or folder, or CSV) is read with dask.dataframe and --out "
                        "becomes a folder of Parquet files, one per partition")
    p.add_argument("--force", action="store_true", help="overwrite an existing output file (with --dask: folder)")
    p.set_defaults(func=_cmd_predict)

    p = sub.add_parser("serve", help="online predictions over HTTP (POST /predict, GET /health, GET /metadata)")
    p.add_argument("model", type=Path, help="model package folder")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--log", type=Path, default=Path("predictions.db"), help="SQLite prediction log")
    p.add_argument("--max-body-mb", type=float, default=10.0, help="largest request body accepted")
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser("demo", help="init + run + report on the bundled demo data, in one command")
    p.add_argument("directory", type=Path, nargs="?", default=Path("mltoolkit-demo"))
    p.set_defaults(func=_cmd_demo)
    return parser


def _source(data: str) -> str:
    """Make file paths absolute (notebooks run in another folder); keep URLs as they are."""
    if "://" in data:
        return data
    return str(Path(data).resolve())


#: Parquet data larger than this on disk is profiled in batches even without --stream.
_STREAM_AUTO_BYTES = 2 * 2**30


def _parquet_bytes(data: str) -> int | None:
    """Size on disk of Parquet data at ``data`` (a file or a directory of them), or None when it is not Parquet."""
    from mltoolkit.stream import is_streamable

    path = Path(data)
    if "://" in data or not is_streamable(data) or not path.exists():
        return None
    files = [path] if path.is_file() else [f for f in path.rglob("*") if f.suffix.lower() in (".parquet", ".pq", ".parq")]
    return sum(f.stat().st_size for f in files) if files else None


def _use_stream(args: argparse.Namespace) -> bool:
    """Stream when asked (the data must then be Parquet) or when Parquet data is large; say why on stderr."""
    size = _parquet_bytes(args.data)
    if args.stream and size is None:
        raise ConfigError(f"--stream reads a Parquet file or a directory of Parquet files; {args.data} is not one "
                          "(leave --stream out to load it whole)", parameter="--stream", path=args.data)
    stream = args.stream or (size is not None and size > _STREAM_AUTO_BYTES)
    if stream and (args.sample is not None or args.table or args.query):
        raise ConfigError("--sample, --table and --query do not apply to streamed Parquet data; leave them out "
                          "(streaming profiles every row)", parameter="--stream")
    if stream and not args.stream:
        print(f"{args.data} holds {size / 2**30:,.1f} GiB of Parquet: profiling it in batches (--stream)",
              file=sys.stderr)
    return stream


def _check_output(path: Path | None, force: bool, *, option: str, example: str, folder: bool = False) -> None:
    """The overwrite policy of every command that writes a file, applied before any work starts.

    An existing output is replaced only with ``--force``; a directory is never
    taken for an output file (nor a file for an output folder), and the folder
    the output goes into must be creatable.
    """
    if path is None:
        return
    if path.is_dir() and not folder:
        raise ConfigError(f"{option} {path} is a directory; name the file to write, e.g. {path / example}",
                          path=str(path), parameter=option)
    if folder and path.exists() and not path.is_dir():
        raise ConfigError(f"{option} {path} is a file, but a folder is written there; name a new folder",
                          path=str(path), parameter=option)
    if path.exists() and not force:
        raise ConfigError(f"{path} already exists; pass --force to overwrite it, or choose another {option}",
                          path=str(path), parameter=option)
    parent = path.resolve().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise ConfigError(f"cannot write {option} {path}: {parent} is a file, not a folder", path=str(path),
                          parameter=option)


def _cmd_profile(args: argparse.Namespace) -> int:
    from mltoolkit.data import load
    from mltoolkit.eda import profile

    _check_output(args.json_out, args.force, option="--json", example="profile.json")
    _check_output(args.html_out, args.force, option="--html", example="profile.html")
    if args.sample is not None and args.sample < 1:
        raise ConfigError(f"--sample must be a positive number of rows, got {args.sample}", parameter="--sample")
    if args.batch_rows is not None and args.batch_rows < 1:
        raise ConfigError(f"--batch-rows must be a positive number of rows, got {args.batch_rows}",
                          parameter="--batch-rows")
    if _use_stream(args):
        result = profile(args.data, target=args.target, batch_rows=args.batch_rows, progress=sys.stderr.isatty())
        if args.json_out:
            result.to_json(args.json_out)
            print(f"profile written to {args.json_out}")
        elif args.html_out is None:
            _print_summary(result)
        if args.html_out is not None:
            _stream_report(args, result)
        return 0
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
    from mltoolkit.report import profile_report

    how = "executing the EDA notebook" if args.notebook else "in process"
    print(f"profiling {args.data} ({how}) ...", file=sys.stderr)
    out = profile_report(args.data, args.html_out, target=args.target, table=args.table, query=args.query,
                         encoding=args.encoding, sample=args.sample, json_out=args.json_out, notebook=args.notebook,
                         progress=sys.stderr.isatty())
    if args.json_out:
        print(f"profile written to {args.json_out}")
    if args.notebook:
        print(f"executed notebook: {out.with_suffix('.ipynb')}")
    print(f"report written to {out}")
    return 0


def _stream_report(args: argparse.Namespace, result) -> None:  # noqa: ANN001 - ProfileResult, imported lazily
    from mltoolkit.report import streamed_profile_report

    out = streamed_profile_report(result, args.html_out, data=args.data)
    print(f"report written to {out}")


def _cmd_reference(args: argparse.Namespace) -> int:
    import pandas as pd

    from mltoolkit.data import load
    from mltoolkit.drift import build_reference
    from mltoolkit.stream import is_streamable

    _check_output(args.out, args.force, option="--out", example="reference.json")
    data = args.data if is_streamable(args.data) else load(args.data, table=args.table)
    profile = build_reference(data, exclude=args.exclude, batch_rows=args.batch_rows, progress=sys.stderr.isatty(),
                              source=str(args.data))
    profile.save(args.out, overwrite=args.force)
    kinds = pd.Series([c.kind for c in profile.columns]).value_counts()
    print(f"reference profile of {profile.n_rows:,} rows x {len(profile.columns)} columns "
          f"({', '.join(f'{n} {k}' for k, n in kinds.items())}) written to {args.out} "
          f"({args.out.stat().st_size / 1024:,.0f} KiB; data {profile.fingerprint['short']})")
    return 0


def _cmd_drift(args: argparse.Namespace) -> int:
    from mltoolkit.data import load
    from mltoolkit.drift import detect_drift, open_reference
    from mltoolkit.stream import is_streamable

    if not 0 < args.drift_share <= 1:
        raise ConfigError(f"--drift-share must be in (0, 1], got {args.drift_share}", parameter="--drift-share")
    _check_output(args.json_out, args.force, option="--json", example="drift.json")
    _check_output(args.html_out, args.force, option="--html", example="drift.html")
    if args.html_out is not None:
        result = _drift_report(args)
    else:
        reference = args.reference if is_streamable(args.reference) else open_reference(args.reference)
        current = args.current if is_streamable(args.current) else load(args.current)
        # The label and time column are judged as in the report: the target on its own, time left out.
        result = detect_drift(reference, current, drift_share=args.drift_share, target=args.target,
                              time_column=args.time_column, progress=sys.stderr.isatty())
        if args.json_out:
            result.to_json(args.json_out)
            print(f"drift result written to {args.json_out}")
        result = result.to_dict()
    drifted = [c["column"] for c in result["columns"] if c["drifted"]]
    verdict = "DATASET DRIFT" if result["dataset_drift"] else "no dataset drift"
    print(f"{verdict}: {len(drifted)} of {result['n_tested']} columns drifted"
          + (f" ({', '.join(drifted)})" if drifted else ""))
    for change in result["schema_changes"]:
        print(f"schema change: {change['column']}: {change['change']}: {change['detail']}")
    return 1 if args.fail_on_drift and result["dataset_drift"] else 0


def _drift_report(args: argparse.Namespace) -> dict:
    from mltoolkit.report import drift_report

    how = "executing the monitoring notebook" if args.notebook else "in process"
    print(f"comparing {args.current} with {args.reference} ({how}) ...", file=sys.stderr)
    report = drift_report(args.reference, args.current, args.html_out, target=args.target,
                          time_column=args.time_column, drift_share=args.drift_share, json_out=args.json_out,
                          notebook=args.notebook, progress=sys.stderr.isatty())
    if args.json_out:
        print(f"drift result written to {args.json_out}")
    if args.notebook:
        print(f"executed notebook: {report.path.with_suffix('.ipynb')}")
    print(f"report written to {report.path}")
    return report.drift.to_dict()


def _print_summary(result) -> None:  # noqa: ANN001 - ProfileResult, imported lazily
    o = result.overview
    dupes = "duplicate rows not counted" if o.n_duplicate_rows is None else f"{o.n_duplicate_rows:,} duplicate rows"
    print(f"{o.n_rows:,} rows x {o.n_columns} columns, {o.n_missing_cells:,} missing cells, {dupes}")
    for alert in result.alerts:
        print(f"[{alert.severity}] {alert.message}")
    for note in result.notes:
        print(f"note: {note}")


def _cmd_monitor(args: argparse.Namespace) -> int:
    from mltoolkit.stages.monitoring import monitor_stage

    result = monitor_stage(args.card, reference_path=args.reference, current_path=args.current,
                           current_table=args.table, time_column=args.time_column, chunk_size=args.chunk_size,
                           settings={"chunk_freq": args.chunk_freq, "max_performance_drop": args.max_performance_drop},
                           output_dir=args.output_dir, progress=sys.stderr.isatty(), predictions_path=args.predictions,
                           labels_path=args.labels, labels_table=args.labels_table,
                           evaluation_dir=args.evaluation_dir)
    if result.report is None:
        print(result.note)
        return 0
    report = result.report
    if report.production is not None:
        print(report.production.message)
        for problem in report.production.join.problems() if report.production.join else ():
            print(f"warning: {problem}", file=sys.stderr)
    else:
        print(result.performance_note)
    print(f"{len(report.alerts)} alert(s). {report.recommendation.summary}")
    print(f"written to {args.output_dir}/: monitoring.json, drift.json, alerts.json"
          + (", performance.json" if report.production is not None else ""))
    return 1 if args.fail_on_retrain and report.recommendation.retrain else 0


def _cmd_demo_data(args: argparse.Namespace) -> int:
    from mltoolkit.data import make_trial_conversion

    out: Path = args.out
    _check_output(out, args.force, option="OUT", example="demo.csv")
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


def _parse_overrides(items: list[str]) -> dict[str, dict[str, object]]:
    overrides: dict[str, dict[str, object]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        stage, dot, name = key.partition(".")
        if not sep or not dot or not stage or not name:
            raise ConfigError(f"-p {item!r} must look like STAGE.KEY=VALUE, e.g. -p training.time_budget_s=30",
                              parameter="-p")
        overrides.setdefault(stage, {})[name] = _parse_value(key, value)
    return overrides


#: Plain words YAML 1.1 would turn into booleans; only true/false are (a class named "yes" stays text).
_YAML_WORDS = {"yes", "no", "on", "off", "y", "n"}


def _parse_value(key: str, text: str) -> object:
    """A ``-p`` value: YAML for numbers, true/false, null, lists, mappings and quoted strings; else the text as typed.

    YAML reads ``a # b`` as ``a`` and folds line breaks into spaces, so plain
    text (and text starting with ``#``) is kept exactly as typed, and a YAML
    value that would lose a comment or a line break is refused, not changed.
    """
    import yaml

    stripped = text.strip()
    if not stripped or stripped.lower() in _YAML_WORDS or stripped.startswith("#"):
        return text
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if isinstance(parsed, str) and stripped[:1] not in ("'", '"'):
        return text
    for comment in re.finditer(r"(?<=\s)#[^\n]*", text):
        try:
            dropped = yaml.safe_load(text[:comment.start()] + text[comment.end():]) == parsed
        except yaml.YAMLError:
            dropped = False
        if dropped:
            raise ConfigError(f"-p {key}={text!r}: read as YAML this drops the comment {comment.group(0)!r}; "
                              "leave it out, or put the value in quotes ('...') to pass it as text", parameter=key)
    if "\n" in text and any(" " in s for s in _strings(parsed)) and not any("\n" in s for s in _strings(parsed)):
        raise ConfigError(f"-p {key}={text!r}: read as YAML its line breaks become spaces; leave the quotes out "
                          "to pass the text as typed, or write \\n inside double quotes", parameter=key)
    return parsed


def _strings(value: object) -> list[str]:
    """Every string inside a parsed YAML value (keys included)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k) + _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _run(config_path: Path, **kwargs) -> "RunRecord":  # noqa: F821
    from mltoolkit.pipeline import load_project_config, run_pipeline

    config = load_project_config(config_path)
    record = run_pipeline(config, on_event=lambda line: print(line, flush=True), progress=sys.stderr.isatty(), **kwargs)
    return record


#: Exit codes, as the README's table lists them.
EXIT_OK, EXIT_CHECK_FAILED, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


def _report_failure(record) -> int:  # noqa: ANN001
    failed = record.failed_stage
    print(f"error: run {record.run_id} failed in stage {failed.stage}: {failed.error}", file=sys.stderr)
    print(f"run directory: {record.directory}", file=sys.stderr)
    return EXIT_ERROR


def _report_interrupt(exc: KeyboardInterrupt) -> int:
    """One line for Ctrl-C; for a run (``RunInterrupted``), where it stopped and how to resume it."""
    record = getattr(exc, "record", None)
    if record is None:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    stage = record.resume_stage
    where = f" in stage {stage.stage}" if stage else ""
    print(f"interrupted: run {record.run_id} stopped{where} by {exc.signal_name}; run directory: {record.directory}",
          file=sys.stderr)
    if stage is not None:
        print(f"resume with: mltoolkit run --from {stage.stage} --run-dir {record.directory}", file=sys.stderr)
    return EXIT_INTERRUPTED


def _cmd_init(args: argparse.Namespace) -> int:
    from mltoolkit.pipeline import init_project

    created = init_project(args.directory, data=args.data, target=args.target, current=args.current,
                           time_column=args.time_column, task=args.task, positive_class=args.positive_class,
                           metric=args.metric, threshold=args.threshold, id_columns=args.id_columns,
                           project=args.project, table=args.table, query=args.query)
    print(created.summary())
    if args.current is None:
        print("no --current data: deployment, monitoring and retraining will skip with a note until you set "
              "data.current in mltoolkit.yml")
    print(f"next: cd {args.directory} && mltoolkit run")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    record = _run(args.config, stages=args.stages, overrides=_parse_overrides(args.params),
                  from_stage=args.from_stage, run_dir=args.run_dir)
    if record.status == "failed":
        return _report_failure(record)
    print(f"run {record.run_id} succeeded: {record.directory}")
    return 0


def _cmd_lab(args: argparse.Namespace) -> int:
    import shlex

    from mltoolkit.pipeline import lab_command, lab_environment, open_lab

    command = lab_command(args.directory, port=args.port, no_browser=args.no_browser)  # checks the folder
    if args.print_command:
        print(shlex.join(command))
        return 0
    print(f"MLflow runs: mlflow ui --backend-store-uri {lab_environment(args.directory)['MLFLOW_TRACKING_URI']}")
    return open_lab(args.directory, port=args.port, no_browser=args.no_browser)


def _cmd_report(args: argparse.Namespace) -> int:
    from mltoolkit.report import default_report_path, report_for_run

    _check_output(args.out or default_report_path(args.run_dir, args.template), args.force, option="--out",
                  example=f"{args.template}.html")
    out = report_for_run(args.run_dir, template=args.template, out=args.out)
    size = out.stat().st_size
    print(f"report written to {out} ({size / 1024:,.0f} KiB)")
    return 0


def _cmd_send(args: argparse.Namespace) -> int:
    import dataclasses

    from mltoolkit.framing.config import SmtpConfig
    from mltoolkit.pipeline import load_config
    from mltoolkit.report import build_message, send_message

    config = None
    config_path = args.config or (Path("mltoolkit.yml") if Path("mltoolkit.yml").exists() else None)
    if config_path:
        config = load_config(config_path)
    recipients = args.to or (list(config.report.recipients) if config else [])
    if not recipients:
        raise ConfigError("no recipients: pass --to ADDRESS or set report.recipients in mltoolkit.yml", parameter="--to")
    smtp = config.smtp if config else SmtpConfig()
    overrides = {key: value for key, value in (("tls", args.tls), ("allow_plain_login", args.allow_plain_login),
                                               ("cafile", args.cafile and str(args.cafile)), ("user", args.user),
                                               ("sender", args.sender)) if value is not None}
    if args.smtp:
        host, _, port_text = args.smtp.rpartition(":")
        if not host or not port_text.isdigit():
            raise ConfigError(f"--smtp {args.smtp!r} must be HOST:PORT, e.g. --smtp mail.example.com:587",
                              parameter="--smtp")
        overrides.update(host=host, port=int(port_text))
    smtp = dataclasses.replace(smtp, **overrides)
    attach = args.attach
    if attach is None and args.report.name.endswith("-executive.html"):
        technical = args.report.with_name(args.report.name.replace("-executive.html", "-technical.html"))
        attach = technical if technical.exists() else None
    subject = args.subject or (config.report.subject if config and config.report.subject else None) \
        or f"ML report: {args.report.stem}"
    msg = build_message(args.report, to=recipients, sender=smtp.sender, subject=subject, attachment=attach)
    send_message(msg, smtp)
    print(f"sent {args.report} to {', '.join(recipients)} via {smtp.host}:{smtp.port}")
    return 0


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "–" if value is None else str(value)


def _cmd_runs_list(args: argparse.Namespace) -> int:
    from mltoolkit.pipeline import list_runs

    runs = list_runs(args.project)
    if args.json:
        print(json.dumps([r.to_dict() for r in runs], indent=2))
        return 0
    print(f"{'run':<26}{'created':<20}{'status':<13}{'data':<14}metrics")
    for r in runs:
        metrics = ", ".join(f"{k} {_fmt(v)}" for k, v in r.metrics.items())
        print(f"{r.run_id:<26}{r.created[:16].replace('T', ' '):<20}{r.status:<13}{_fmt(r.data_version):<14}{metrics}")
    return 0


def _cmd_runs_compare(args: argparse.Namespace) -> int:
    from mltoolkit.pipeline import compare_runs

    cmp = compare_runs(args.project, args.run_a, args.run_b)
    if args.json:
        print(json.dumps(cmp.to_dict(), indent=2))
        return 0
    print(f"{'':<28}{cmp.a.run_id:<28}{cmp.b.run_id}")
    print(f"{'status':<28}{cmp.a.status:<28}{cmp.b.status}")
    print(f"{'data version':<28}{_fmt(cmp.a.data_version):<28}{_fmt(cmp.b.data_version)}"
          + ("   (changed)" if cmp.data_changed else ""))
    for name, va, vb in cmp.parameter_changes:
        print(f"{name:<28}{_fmt(va):<28}{_fmt(vb)}")
    for name, va, vb, diff in cmp.metric_changes:
        print(f"{name:<28}{_fmt(va):<28}{_fmt(vb)}" + (f"   ({diff:+.4g})" if diff is not None else ""))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from mltoolkit.pipeline import CONFIG_NAME, init_demo_project
    from mltoolkit.report import report_for_run

    root: Path = args.directory
    if not (root / CONFIG_NAME).exists():
        init_demo_project(root)
        print(f"project created in {root}")
    record = _run(root / CONFIG_NAME)
    run_dir = Path(record.directory)
    technical = report_for_run(run_dir, template="technical")
    out = report_for_run(run_dir, template="executive", out=root / "reports" / "executive_summary.html")
    print(f"technical report: {technical}")
    if record.status == "failed":
        print(f"executive report (run FAILED): {out.resolve()}")
        return _report_failure(record)
    print(f"executive report: {out.resolve()}")
    return 0


def _cmd_retrain(args: argparse.Namespace) -> int:
    import json

    from mltoolkit.errors import DataError
    from mltoolkit.pipeline import execute_notebook, list_runs, project_stages

    root = (args.config.parent if args.config.suffix else args.config).resolve()
    runs = [r for r in list_runs(root) if (Path(r.directory) / "models" / "model.skops").exists()]
    if args.run:
        runs = [r for r in runs if r.run_id == args.run or Path(r.directory).name == args.run]
    if not runs:
        raise DataError(f"no run under {root / 'runs'} holds a trained model{' named ' + args.run if args.run else ''}; "
                        "run the lifecycle first with 'mltoolkit run'", path=str(root / "runs"))
    run_dir = Path(runs[-1].directory)
    params = {"new_data": _source(args.new_data), "only_if_recommended": False, "auto_promote": bool(args.promote)}
    for item in args.params:
        key, _, value = item.partition("=")
        params[key] = _parse_overrides([f"retraining.{key}={value}"])["retraining"][key]
    import os

    os.environ.setdefault("MLFLOW_TRACKING_URI", f"sqlite:///{root / 'mlflow.db'}")  # the project's store, as in runs
    notebook = project_stages(root)["retraining"]
    out = execute_notebook(notebook, run_dir / f"retrain-{notebook.name}", params, cwd=run_dir,
                           log=run_dir / "logs" / f"retrain-{notebook.stem}.log")
    from mltoolkit.artifacts import read_artifact

    print(read_artifact(run_dir / "artifacts", "retraining").summary)
    print(f"executed notebook: {out}")
    return 0


def _cmd_registry_promote(args: argparse.Namespace) -> int:
    from mltoolkit.deploy import promote

    previous = promote(args.name, args.version, args.alias, reason=args.reason)
    print(f"{args.name}@{args.alias} -> version {args.version}" + (f" (was {previous})" if previous else ""))
    return 0


def _cmd_registry_rollback(args: argparse.Namespace) -> int:
    from mltoolkit.deploy import rollback

    version = rollback(args.name, args.alias)
    print(f"{args.name}@{args.alias} rolled back to version {version}")
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    from mltoolkit.deploy import predict_batch

    _check_output(args.out, args.force, option="--out", example="predictions.parquet", folder=bool(args.dask))
    if args.dask:
        result = _predict_dask(args)
    else:
        result = predict_batch(args.model, _source(args.data), args.out, chunk_rows=args.chunk_rows,
                               table=args.table, query=args.query, keep_columns=tuple(args.keep),
                               progress=sys.stderr.isatty())
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{result.rows:,} rows scored in {result.seconds:.1f} s by model {result.model_version}: {result.output}")
    return 0


def _predict_dask(args: argparse.Namespace):  # noqa: ANN202 - BatchResult, imported lazily
    import logging

    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    from mltoolkit.deploy import predict_batch_dask
    from mltoolkit.errors import DataError

    if args.table or args.query:
        raise ConfigError("--dask reads Parquet or CSV files; --table/--query (SQL) are scored without --dask",
                          parameter="--dask")
    path = Path(args.data).resolve()
    if not path.exists():
        raise DataError(f"input {args.data} does not exist", path=str(path))
    csvs = [path] if path.suffix.lower() in (".csv", ".tsv") else sorted(path.glob("*.csv")) if path.is_dir() else []
    if csvs:
        # Integer columns with missing values only in later blocks would otherwise disagree with the first block.
        ddf = dd.read_csv([str(p) for p in csvs], sep="\t" if path.suffix.lower() == ".tsv" else ",",
                          assume_missing=True)
    elif path.is_dir() or path.suffix.lower() in (".parquet", ".pq", ".parq"):
        ddf = dd.read_parquet(str(path))
    else:
        raise ConfigError(f"--dask reads Parquet files or folders and CSV files, not {args.data}", parameter="--dask")
    cluster = None
    try:
        if args.dask == "local":
            cluster = LocalCluster(processes=True, dashboard_address=None, silence_logs=logging.ERROR)
        try:
            client = Client(cluster or args.dask, timeout="10s")
        except OSError as exc:
            raise ConfigError(f"cannot reach the Dask scheduler at {args.dask} ({exc}); pass its address "
                              "(tcp://host:8786) or 'local'", parameter="--dask") from None
        with client:
            return predict_batch_dask(args.model, ddf, args.out, keep_columns=tuple(args.keep), overwrite=args.force)
    finally:
        if cluster is not None:
            cluster.close()


def _cmd_serve(args: argparse.Namespace) -> int:
    from mltoolkit.deploy.server import serve

    print(f"serving model package {args.model} on http://{args.host}:{args.port} (log: {args.log})", flush=True)
    serve(args.model, host=args.host, port=args.port, log_path=args.log, max_body_bytes=int(args.max_body_mb * 2**20))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mltoolkit`` command; returns the exit code."""
    args = _build_parser().parse_args(argv)
    try:
        return args.func(args)
    except MLToolkitError as exc:
        red, reset = ("\033[31m", "\033[0m") if sys.stderr.isatty() else ("", "")
        print(f"{red}error: {exc}{reset}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt as exc:
        return _report_interrupt(exc)


_exit_code = 1  # until main() returns: an error escaping it exits with 1, as Python's own exit would


def _leave_promptly() -> None:
    """The last exit handler: flush the standard streams and leave without tearing the interpreter down."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(_exit_code)


def run() -> NoReturn:
    """The ``mltoolkit`` console script (and ``python -m mltoolkit``): :func:`main`, then a prompt exit.

    The process exits as Python's ``sys.exit`` does (other threads are joined,
    every exit handler runs: logging, multiprocessing, temporary files), less
    the interpreter's teardown, which clears some 2,000 modules and frees
    memory the system takes back anyway: 0.2-0.3 s after a report command,
    spent after the work is done and the files are closed. The handler doing
    it must be the first registered, so that it runs last: when a handler is
    already registered (``run`` called from a script of one's own), the
    process exits the usual way. :func:`main`, called from Python, never exits
    the process.
    """
    global _exit_code
    if getattr(atexit, "_ncallbacks", lambda: 1)() == 0:  # CPython's count; elsewhere, the usual exit
        atexit.register(_leave_promptly)
    try:
        _exit_code = main()
    except SystemExit as exc:  # argparse's usage errors, --help, --version
        _exit_code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        raise
    sys.exit(_exit_code)


if __name__ == "__main__":
    run()
