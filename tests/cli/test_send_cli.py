"""``mltoolkit send`` against a real SMTP server on loopback."""
from __future__ import annotations

import contextlib
import email
import os
import re
import shutil
import socket
import subprocess
import sys
from email import policy
from pathlib import Path

import pytest

controller_mod = pytest.importorskip("aiosmtpd.controller")
smtp_mod = pytest.importorskip("aiosmtpd.smtp")

USER, PASSWORD = "bob", "right horse battery"


class _Inbox:
    def __init__(self):
        self.messages = []
        self.envelopes = []
        self.logins = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append(auth_data.login.decode())
        ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
        return smtp_mod.AuthResult(success=ok, handled=False)


def _port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _server(inbox, **kwargs):
    """aiosmtpd on loopback offering AUTH even without TLS (so a login in clear would be seen)."""
    ctl = controller_mod.Controller(inbox, hostname="127.0.0.1", port=_port(), authenticator=inbox.authenticate,
                                    auth_require_tls=False, **kwargs)
    ctl.start()
    try:
        yield ctl
    finally:
        ctl.stop()


def _mltoolkit(*args, cwd=None, password=None):
    exe = shutil.which("mltoolkit", path=str(Path(sys.executable).parent))
    env = {k: v for k, v in os.environ.items() if k != "MLTOOLKIT_SMTP_PASSWORD"}
    if password is not None:
        env["MLTOOLKIT_SMTP_PASSWORD"] = password
    return subprocess.run([exe, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=120, env=env)


def _one_error_line(run) -> str:
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr
    return run.stderr


def _report(folder: Path) -> Path:
    report = folder / "r.html"
    report.write_text("<p>x</p>")
    return report


def test_send_uses_config_recipients_and_attaches_technical_report(tmp_path):
    inbox = _Inbox()
    ctl = controller_mod.Controller(inbox, hostname="127.0.0.1", port=_port())
    ctl.start()
    try:
        (tmp_path / "mltoolkit.yml").write_text(
            "project: p\ndata:\n  source: demo://trial_conversion\n"
            f"report:\n  recipients: [ceo@example.com, cfo@example.com]\n  subject: Weekly model\n"
            f"smtp:\n  host: 127.0.0.1\n  port: {ctl.port}\n  sender: ml@example.com\n")
        reports = tmp_path / "reports"
        reports.mkdir()
        (reports / "run1-executive.html").write_text("<html><body><h1>KPIs</h1></body></html>")
        (reports / "run1-technical.html").write_text("<html><body>everything</body></html>")
        run = _mltoolkit("send", reports / "run1-executive.html", cwd=tmp_path)
        assert run.returncode == 0, run.stderr
    finally:
        ctl.stop()
    (msg,) = inbox.messages
    assert msg["Subject"] == "Weekly model" and msg["To"] == "ceo@example.com, cfo@example.com"
    assert [a.get_filename() for a in msg.iter_attachments()] == ["run1-technical.html"]


def test_send_to_unreachable_server_is_one_clear_line(tmp_path):
    run = _mltoolkit("send", _report(tmp_path), "--to", "a@example.com", "--smtp", f"127.0.0.1:{_port()}", cwd=tmp_path)
    assert run.returncode == 2
    assert "cannot reach SMTP server" in run.stderr and "Traceback" not in run.stderr


def test_password_is_never_a_flag(tmp_path):
    report = tmp_path / "r.html"
    report.write_text("<p>x</p>")
    run = _mltoolkit("send", report, "--to", "a@example.com", "--password", "hunter2", cwd=tmp_path)
    assert run.returncode != 0 and "unrecognized arguments: --password" in run.stderr


def test_a_to_value_holding_two_addresses_is_refused_and_nothing_sent(tmp_path):
    inbox = _Inbox()
    with _server(inbox) as ctl:
        run = _mltoolkit("send", _report(tmp_path), "--to", "x,evil@example.org", "--smtp", f"127.0.0.1:{ctl.port}",
                         cwd=tmp_path)
    assert "recipient 'x,evil@example.org' reads as 2 addresses" in _one_error_line(run)
    assert inbox.envelopes == []


def test_a_line_break_in_the_subject_is_one_clear_line(tmp_path):
    run = _mltoolkit("send", _report(tmp_path), "--to", "a@example.com", "--subject", "Weekly\nBcc: evil@example.org",
                     "--smtp", f"127.0.0.1:{_port()}", cwd=tmp_path)
    assert "subject" in _one_error_line(run) and "line break" in run.stderr


def test_wrong_password_is_reported_as_a_rejected_login(tmp_path):
    inbox = _Inbox()
    with _server(inbox) as ctl:
        run = _mltoolkit("send", _report(tmp_path), "--to", "a@example.com", "--smtp", f"127.0.0.1:{ctl.port}",
                         "--user", USER, "--allow-plain-login", cwd=tmp_path, password="wrong")
    assert "rejected the login of 'bob'" in _one_error_line(run) and "cannot reach" not in run.stderr
    assert set(inbox.logins) == {USER} and inbox.messages == []  # smtplib tries each mechanism the server offers


def test_generated_config_refuses_a_login_in_clear_unless_the_flag_allows_it(tmp_path):
    init = _mltoolkit("init", tmp_path / "p", "--data", "demo://trial_conversion", "--target", "converted")
    assert init.returncode == 0, init.stderr
    project = tmp_path / "p"
    inbox = _Inbox()
    with _server(inbox) as ctl:
        config = project / "mltoolkit.yml"
        text = re.sub(r"\n  port: 25\n", f"\n  port: {ctl.port}\n", config.read_text())
        text = text.replace("  host: localhost\n", "  host: 127.0.0.1\n").replace("  user: null\n", f"  user: {USER}\n")
        config.write_text(text)
        report = _report(project)
        refused = _mltoolkit("send", report, "--to", "a@example.com", cwd=project, password=PASSWORD)
        assert "would travel without TLS" in _one_error_line(refused) and "--allow-plain-login" in refused.stderr
        assert inbox.logins == []  # the password never left the machine
        allowed = _mltoolkit("send", report, "--to", "a@example.com", "--allow-plain-login", cwd=project,
                             password=PASSWORD)
    assert allowed.returncode == 0, allowed.stderr
    assert inbox.logins == [USER] and len(inbox.messages) == 1


def test_implicit_tls_and_a_private_ca_from_the_config(tmp_path, certificate):
    cert, server_tls = certificate
    inbox = _Inbox()
    with _server(inbox, ssl_context=server_tls) as ctl:
        (tmp_path / "mltoolkit.yml").write_text(
            "project: p\ndata:\n  source: demo://trial_conversion\n"
            f"smtp:\n  host: 127.0.0.1\n  port: {ctl.port}\n  tls: implicit\n  cafile: {cert}\n"
            f"  user: {USER}\n  sender: ml@example.com\n")
        run = _mltoolkit("send", _report(tmp_path), "--to", "a@example.com", cwd=tmp_path, password=PASSWORD)
        assert run.returncode == 0, run.stderr
        untrusted = _mltoolkit("send", _report(tmp_path), "--to", "a@example.com", "--tls", "implicit", "--smtp",
                               f"127.0.0.1:{ctl.port}", cwd=tmp_path / "..", password=PASSWORD)
    assert inbox.logins == [USER] and len(inbox.messages) == 1
    assert "not trusted" in _one_error_line(untrusted) and "--cafile" in untrusted.stderr


def test_older_config_with_starttls_true_still_requires_starttls(tmp_path):
    inbox = _Inbox()
    with _server(inbox) as ctl:
        (tmp_path / "mltoolkit.yml").write_text(
            "project: p\ndata:\n  source: demo://trial_conversion\n"
            f"smtp:\n  host: 127.0.0.1\n  port: {ctl.port}\n  starttls: true\n")
        run = _mltoolkit("send", _report(tmp_path), "--to", "a@example.com", cwd=tmp_path)
    assert "does not offer STARTTLS" in _one_error_line(run) and inbox.messages == []


def test_unknown_tls_mode_in_the_config_is_one_clear_line(tmp_path):
    (tmp_path / "mltoolkit.yml").write_text(
        "project: p\ndata:\n  source: demo://trial_conversion\nsmtp:\n  tls: yes-please\n")
    run = _mltoolkit("send", _report(tmp_path), "--to", "a@example.com", cwd=tmp_path)
    assert "smtp.tls" in _one_error_line(run) and "auto, starttls, implicit, none" in run.stderr
