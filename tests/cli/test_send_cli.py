"""``mltoolkit send`` against a real SMTP server on loopback."""
from __future__ import annotations

import email
import shutil
import socket
import subprocess
import sys
from email import policy
from pathlib import Path

import pytest

controller_mod = pytest.importorskip("aiosmtpd.controller")


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _mltoolkit(*args, cwd=None):
    exe = shutil.which("mltoolkit", path=str(Path(sys.executable).parent))
    return subprocess.run([exe, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=120)


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
    report = tmp_path / "r.html"
    report.write_text("<p>x</p>")
    run = _mltoolkit("send", report, "--to", "a@example.com", "--smtp", f"127.0.0.1:{_port()}", cwd=tmp_path)
    assert run.returncode == 2
    assert "cannot reach SMTP server" in run.stderr and "Traceback" not in run.stderr


def test_password_is_never_a_flag(tmp_path):
    report = tmp_path / "r.html"
    report.write_text("<p>x</p>")
    run = _mltoolkit("send", report, "--to", "a@example.com", "--password", "hunter2", cwd=tmp_path)
    assert run.returncode != 0 and "unrecognized arguments: --password" in run.stderr
