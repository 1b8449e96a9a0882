"""Sending a report to a real SMTP server (aiosmtpd) on loopback."""
from __future__ import annotations

import base64
import email
import socket
from email import policy

import pytest

from mltoolkit.errors import ConfigError, EmailError
from mltoolkit.report import build_message, html_to_text, send_message

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")

PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")).decode()


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = _Inbox()
    controller = aiosmtpd_controller.Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield inbox, controller.hostname, controller.port
    finally:
        controller.stop()


def _report(tmp_path):
    path = tmp_path / "executive_summary.html"
    path.write_text(f"""<html><head><style>p{{color:red}}</style></head><body>
<h1>Churn model</h1><p>Recall 0.83 &gt;= 0.80: <b>met</b></p>
<img src="data:image/png;base64,{PNG}" alt="ROC curve"><img src="data:image/png;base64,{PNG}" alt="drift">
</body></html>""", encoding="utf-8")
    return path


def test_message_arrives_with_inline_images_text_and_attachment(tmp_path, smtp_server):
    inbox, host, port = smtp_server
    msg = build_message(_report(tmp_path), to=["cto@example.com"], sender="ml@example.com", subject="Weekly ML run")
    send_message(msg, host=host, port=port)
    assert len(inbox.messages) == 1
    got = inbox.messages[0]
    assert got["Subject"] == "Weekly ML run"
    assert inbox.envelopes[0].rcpt_tos == ["cto@example.com"]
    plain = got.get_body(preferencelist=("plain",)).get_content()
    assert "Recall 0.83 >= 0.80: met" in plain and "color:red" not in plain
    html_part = got.get_body(preferencelist=("html",))
    html = html_part.get_content()
    assert "data:image" not in html and html.count('src="cid:') == 2
    related = [p for p in got.walk() if p.get_content_type() == "image/png"]
    assert len(related) == 2
    for part in related:
        assert part["Content-ID"].strip("<>") in html
        assert part.get_content() == base64.b64decode(PNG)
    attachments = list(got.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["executive_summary.html"]


def test_unreachable_server_is_a_clear_error(tmp_path):
    msg = build_message(_report(tmp_path), to=["a@example.com"], sender="ml@example.com", subject="s")
    with pytest.raises(EmailError, match=r"cannot reach SMTP server 127.0.0.1:\d+.*nothing was sent"):
        send_message(msg, host="127.0.0.1", port=_free_port(), timeout=3)


def test_bad_recipient_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="not-an-address"):
        build_message(_report(tmp_path), to=["not-an-address"], sender="ml@example.com", subject="s")


def test_user_without_password_variable_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("MLTOOLKIT_SMTP_PASSWORD", raising=False)
    msg = build_message(_report(tmp_path), to=["a@example.com"], sender="ml@example.com", subject="s")
    with pytest.raises(ConfigError, match="MLTOOLKIT_SMTP_PASSWORD"):
        send_message(msg, host="127.0.0.1", port=1, user="bob")


def test_plain_text_keeps_words_and_escapes_nothing_as_markup():
    text = html_to_text("<p>a &lt;script&gt; b</p><table><tr><td>x</td><td>1</td></tr></table>")
    assert "a <script> b" in text and "x" in text and "1" in text
