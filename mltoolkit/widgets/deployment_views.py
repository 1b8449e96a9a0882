"""Views of the deployment steps (``07_deployment.ipynb``): the package, release checks, a sample request and its
answer, the batch, the A/B test, and how to serve the package.

Each is static HTML (the same in JupyterLab and in reports), built from a step's
result; every value from the data, paths and the project card is escaped.
"""
from __future__ import annotations

from mltoolkit.deploy import ABResult, BatchResult, ModelPackage, ReleaseReport
from mltoolkit.plots.style import format_number, format_share
from mltoolkit.stages.deployment import NO_BATCH_NOTE, DeploymentResult
from mltoolkit.stages.deployment_request import SampleRequest
from mltoolkit.widgets.base import StaticView
from mltoolkit.widgets.html import badge, esc, section, table

__all__ = [
    "ABTestSummary",
    "BatchSummary",
    "PackageContents",
    "ReleaseChecksTable",
    "SampleRequestView",
    "ServingInstructions",
]


def _size(n_bytes: int) -> str:
    for unit, scale in (("MB", 2**20), ("KB", 2**10)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:,.1f} {unit}"
    return f"{n_bytes:,} bytes"


def _pre(text: str) -> str:
    return (f"<pre style='white-space: pre-wrap; word-break: break-all; background: #f6f8fa; padding: 6px 8px; "
            f"margin: 4px 0 8px'>{esc(text)}</pre>")


class PackageContents(StaticView):
    """The package folder: what the model is, and every file with its size and SHA-256."""

    def __init__(self, package: ModelPackage) -> None:
        self.package = package

    def __repr__(self) -> str:
        return f"PackageContents({str(self.package.directory)!r}, model {self.package.version})"

    def static_html(self) -> str:
        p = self.package
        m = p.manifest
        files = {name: (p.directory / name).stat().st_size for name in m["files"]}
        threshold = m["decision_threshold"]
        facts = [("Folder", str(p.directory)), ("Model version", f"{p.version} (first digits of the model's SHA-256)"),
                 ("Model", f"{p.info.get('model')} ({p.task_kind}), target {m['target']}"),
                 ("Model size", _size(files["model.skops"])),
                 ("Package size", f"{_size(sum(files.values()))} ({len(files)} files, listed in package.json)"),
                 ("Input fields", f"{len(p.schema.fields)}: {', '.join(p.schema.names)}"),
                 *([("Decision threshold", format_number(threshold))] if threshold is not None else []),
                 ("Data version", m["data_fingerprint"] or "–"), ("MLflow run", m["mlflow_run_id"] or "not tracked"),
                 ("Signed", "yes (HMAC-SHA256 of package.json)" if "signature" in m else
                  "no (set MLTOOLKIT_PACKAGE_KEY when building and loading to sign it)"),
                 ("Built with", f"mltoolkit {m['mltoolkit_version']}")]
        rows = [(name, _size(size), m["files"][name]) for name, size in files.items()]
        note = ("<p class='mlt-note'>package.json lists every file with its SHA-256; loading the package refuses "
                "a changed, missing or extra file.</p>")
        return (section("Model package", table(facts, ["", ""]))
                + section("Files", table(rows, ["File", "Size", "SHA-256"], numeric=[False, True, False]) + note))


class ReleaseChecksTable(StaticView):
    """Size, single-row latency and batch throughput against the project card's release limits."""

    def __init__(self, release: ReleaseReport) -> None:
        self.release = release

    def __repr__(self) -> str:
        return f"ReleaseChecksTable(passed={self.release.passed})"

    def static_html(self) -> str:
        r = self.release
        body = "".join(
            f"<tr><td>{badge('pass', 'good') if c.passed else badge('fail', 'critical')}</td><td>{esc(c.name)}</td>"
            f"<td class='num'>{esc(format_number(c.value))} {esc(c.unit)}</td>"
            f"<td>{'≥' if c.name == 'batch throughput' else '≤'} {esc(format_number(c.limit))} "
            f"{esc(c.unit)}</td></tr>"
            for c in r.checks)
        head = badge("ready to release", "good") if r.passed else badge("not ready", "critical")
        return section("Release checks",
                       f"<p>{head} single-row latency p50 {esc(format_number(r.latency_p50_ms))} ms, "
                       f"p99 {esc(format_number(r.latency_p99_ms))} ms</p><table class='mlt-t'><tr><th></th>"
                       f"<th>Check</th><th>Measured</th><th>Limit</th></tr>{body}</table>"
                       "<p class='mlt-note'>Measured on the validation rows as sample traffic, on this machine; "
                       "the limits are the release section of the project card.</p>")


class SampleRequestView(StaticView):
    """A ``POST /predict`` request body and the package's answer, as JSON."""

    def __init__(self, sample: SampleRequest) -> None:
        self.sample = sample

    def __repr__(self) -> str:
        return f"SampleRequestView({self.sample.source}: {self.sample.answer['predictions']})"

    def static_html(self) -> str:
        s = self.sample
        return (section("Sample request: POST /predict", f"<p class='mlt-note'>{esc(s.source)}, target removed</p>"
                        + _pre(s.request_json()))
                + section("The package's answer", _pre(s.answer_json())
                          + f"<p class='mlt-note'>Checked and scored as the prediction server does it "
                            f"({esc(s.scoring_path)}); the server's answer also carries a request_id, new for "
                            "every request.</p>"))


class BatchSummary(StaticView):
    """The batch scored: rows, time, where the predictions are, what was odd about the input."""

    def __init__(self, batch: BatchResult | None) -> None:
        self.batch = batch

    def __repr__(self) -> str:
        return "BatchSummary(skipped)" if self.batch is None else f"BatchSummary({self.batch.rows:,} rows)"

    def static_html(self) -> str:
        b = self.batch
        if b is None:
            return section("Batch prediction", f"<p>{badge('skipped', 'warning')} {esc(NO_BATCH_NOTE)}</p>")
        facts = [("Rows scored", f"{b.rows:,} in {b.chunks:,} chunk{'s' if b.chunks != 1 else ''}"),
                 ("Time", f"{b.seconds:.1f} s ({b.rows / max(b.seconds, 1e-9):,.0f} rows/s)"),
                 ("Predictions", b.output), ("Model version", b.model_version),
                 ("Odd values", f"{b.odd_values}" + (f"; {b.set_aside_rows:,} rows set aside in {b.set_aside_output}"
                                                    if b.set_aside_rows else ""))]
        notes = "".join(f"<li>{esc(w)}</li>" for w in b.warnings)
        return section("Batch prediction", table(facts, ["", ""]) + (f"<ul>{notes}</ul>" if notes else ""))


class ABTestSummary(StaticView):
    """The A/B test of the model in production: the two groups, the difference, and what to do next."""

    def __init__(self, ab_test: ABResult | None) -> None:
        self.ab_test = ab_test

    def __repr__(self) -> str:
        return "ABTestSummary(skipped)" if self.ab_test is None else \
            f"ABTestSummary({self.ab_test.metric}: {self.ab_test.recommendation})"

    def static_html(self) -> str:
        a = self.ab_test
        if a is None:
            return section("A/B test", f"<p>{badge('skipped', 'info')} No experiment log to read: set "
                                       "data.experiment_log in mltoolkit.yml (or the stage's experiment_log) once "
                                       "the model serves part of the traffic.</p>")
        level = {"expand": "good", "stop": "critical", "continue": "warning"}[a.recommendation]
        facts = [("Test", a.test), ("Control", f"{format_number(a.control)} ({a.n_control:,} users)"),
                 ("Treatment", f"{format_number(a.treatment)} ({a.n_treatment:,} users)"),
                 (f"Difference ({1 - a.alpha:.0%} CI)",
                  f"{format_number(a.difference)} [{format_number(a.ci_low)}, {format_number(a.ci_high)}]"),
                 ("Relative lift", format_share(a.relative_lift) if a.relative_lift is not None else "–"),
                 ("p-value", format_number(a.p_value)),
                 ("Planned users per group", f"{a.planned_n_per_group:,}" if a.planned_n_per_group else "–")]
        return section(f"A/B test on {a.metric}", f"<p>{badge(a.recommendation, level)} {esc(a.message)}</p>"
                       + table(facts, ["", ""]))


class ServingInstructions(StaticView):
    """How to serve the package and send it the sample request (commands shown, not run)."""

    def __init__(self, result: DeploymentResult, sample: SampleRequest) -> None:
        self.result, self.sample = result, sample

    def __repr__(self) -> str:
        return f"ServingInstructions({self.sample.serve_command()})"

    def static_html(self) -> str:
        r, s = self.result, self.sample
        ready = badge("ready to release", "good") if r.release.passed else badge("not ready", "critical")
        registered = (f"<p class='mlt-note'>Registered in MLflow as version {esc(r.registered_version)} "
                      "(alias staging).</p>" if r.registered_version else "")
        return section(f"Serve model {r.model_version}",
                       f"<p>{ready} Start the prediction server in a terminal:</p>" + _pre(s.serve_command())
                       + "<p>then send it the sample request from another terminal:</p>" + _pre(s.curl_command())
                       + "<p class='mlt-note'>Endpoints: POST /predict, GET /health, GET /metadata, GET /metrics "
                         "(Prometheus). Every prediction is logged to predictions.db, which the monitoring stage "
                         "can read as current data.</p>" + registered)
