"""Sending a report to a real SMTP server (aiosmtpd, with authentication and TLS) on loopback."""
from __future__ import annotations

import base64
import contextlib
import email
import socket
from email import policy

import pytest

from mltoolkit.errors import ConfigError, EmailError
from mltoolkit.framing.config import SmtpConfig
from mltoolkit.report import build_message, html_to_text, send_message

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
aiosmtpd_smtp = pytest.importorskip("aiosmtpd.smtp")

pytestmark = pytest.mark.filterwarnings("ignore:Session.login_data")

PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")).decode()
USER, PASSWORD = "bob", "right horse battery"


class _Inbox:
    """Accepts what the test allows; remembers delivered envelopes and every login with whether it was over TLS."""

    def __init__(self, *, refuse_rcpt: tuple[str, ...] = (), data_reply: str = "250 OK") -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []
        self.logins: list[tuple[str, bool]] = []
        self.refuse_rcpt, self.data_reply = refuse_rcpt, data_reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's hook
        if address in self.refuse_rcpt:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.data_reply.startswith("250"):
            self.envelopes.append(envelope)
            self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return self.data_reply

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login.decode(), session.ssl is not None))
        ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
        return aiosmtpd_smtp.AuthResult(success=ok, handled=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _server(inbox: _Inbox, **kwargs):
    """aiosmtpd on loopback offering AUTH (also without TLS, so a client that logs in in clear can be caught)."""
    controller = aiosmtpd_controller.Controller(inbox, hostname="127.0.0.1", port=_free_port(),
                                                authenticator=inbox.authenticate, auth_require_tls=False, **kwargs)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@pytest.fixture
def smtp_server():
    inbox = _Inbox()
    with _server(inbox) as controller:
        yield inbox, controller.hostname, controller.port


@pytest.fixture
def password(monkeypatch):
    monkeypatch.setenv("MLTOOLKIT_SMTP_PASSWORD", PASSWORD)


def _report(tmp_path):
    path = tmp_path / "executive_summary.html"
    path.write_text(f"""<html><head><style>p{{color:red}}</style></head><body>
<h1>Churn model</h1><p>Recall 0.83 &gt;= 0.80: <b>met</b></p>
<img src="data:image/png;base64,{PNG}" alt="ROC curve"><img src="data:image/png;base64,{PNG}" alt="drift">
</body></html>""", encoding="utf-8")
    return path


def _message(tmp_path, to=("cto@example.com",)):
    return build_message(_report(tmp_path), to=list(to), sender="ml@example.com", subject="Weekly ML run")


def test_message_arrives_with_inline_images_text_and_attachment(tmp_path, smtp_server):
    inbox, host, port = smtp_server
    send_message(_message(tmp_path), SmtpConfig(host=host, port=port))
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
    with pytest.raises(EmailError, match=r"cannot reach SMTP server 127.0.0.1:\d+.*nothing was sent"):
        send_message(_message(tmp_path), SmtpConfig(host="127.0.0.1", port=_free_port()), timeout=3)


# --- errors classified by kind ---------------------------------------------------------------------------------

def test_wrong_password_is_a_rejected_login_not_an_unreachable_server(tmp_path, certificate, monkeypatch):
    cafile, server_tls = certificate
    monkeypatch.setenv("MLTOOLKIT_SMTP_PASSWORD", "wrong")
    inbox = _Inbox()
    with _server(inbox, tls_context=server_tls) as ctl:
        with pytest.raises(EmailError) as caught:
            send_message(_message(tmp_path), SmtpConfig(host=ctl.hostname, port=ctl.port, user=USER, cafile=cafile))
    text = str(caught.value)
    assert "rejected the login of 'bob'" in text and "535" in text and "MLTOOLKIT_SMTP_PASSWORD" in text
    assert "cannot reach" not in text and "\n" not in text
    assert caught.value.parameter == "--user" and inbox.messages == []


def test_refused_recipient_sends_to_nobody(tmp_path):
    inbox = _Inbox(refuse_rcpt=("gone@example.com",))
    with _server(inbox) as ctl:
        with pytest.raises(EmailError, match=r"refused 1 of 2 recipient\(s\): gone@example.com \(550 .*nothing was"):
            send_message(_message(tmp_path, to=["cto@example.com", "gone@example.com"]),
                         SmtpConfig(host=ctl.hostname, port=ctl.port))
    assert inbox.messages == []  # the accepted recipient did not get it either


def test_refused_message_is_reported_as_refused(tmp_path):
    inbox = _Inbox(data_reply="554 5.7.1 message looks like spam")
    with _server(inbox) as ctl:
        with pytest.raises(EmailError, match=r"refused the message \(554 5.7.1 message looks like spam\); nothing was"
                           ) as caught:
            send_message(_message(tmp_path), SmtpConfig(host=ctl.hostname, port=ctl.port))
    assert "cannot reach" not in str(caught.value)


# --- TLS ---------------------------------------------------------------------------------------------------------

def test_starttls_is_used_by_default_when_offered_and_the_login_goes_over_it(tmp_path, certificate, password):
    cafile, server_tls = certificate
    inbox = _Inbox()
    with _server(inbox, tls_context=server_tls) as ctl:
        send_message(_message(tmp_path), SmtpConfig(host=ctl.hostname, port=ctl.port, user=USER, cafile=cafile))
    assert inbox.logins == [(USER, True)] and len(inbox.messages) == 1


def test_required_starttls_not_offered_is_a_tls_error(tmp_path, smtp_server):
    inbox, host, port = smtp_server
    with pytest.raises(EmailError, match="does not offer STARTTLS, which --tls starttls") as caught:
        send_message(_message(tmp_path), SmtpConfig(host=host, port=port, tls="starttls"))
    assert "cannot reach" not in str(caught.value) and caught.value.parameter == "--tls"
    assert inbox.messages == []


def test_untrusted_certificate_is_a_tls_error_naming_cafile(tmp_path, certificate):
    _, server_tls = certificate
    inbox = _Inbox()
    with _server(inbox, tls_context=server_tls) as ctl:
        with pytest.raises(EmailError, match=r"TLS certificate that is not trusted .*--cafile") as caught:
            send_message(_message(tmp_path), SmtpConfig(host=ctl.hostname, port=ctl.port))
    assert caught.value.parameter == "--cafile" and inbox.messages == []


def test_implicit_tls_delivers_over_tls_from_the_first_byte(tmp_path, certificate, password):
    cafile, server_tls = certificate
    inbox = _Inbox()
    with _server(inbox, ssl_context=server_tls) as ctl:
        send_message(_message(tmp_path), SmtpConfig(host=ctl.hostname, port=ctl.port, tls="implicit", user=USER,
                                                    cafile=cafile))
    assert [login for login, _ in inbox.logins] == [USER] and len(inbox.messages) == 1


def test_plain_client_at_an_implicit_tls_port_is_told_to_use_implicit(tmp_path, certificate):
    _, server_tls = certificate
    with _server(_Inbox(), ssl_context=server_tls) as ctl:
        with pytest.raises(EmailError, match=r"sent no greeting within 1 s; .*--tls implicit"):
            send_message(_message(tmp_path), SmtpConfig(host=ctl.hostname, port=ctl.port), timeout=1)


def test_login_over_a_clear_connection_is_refused_by_default(tmp_path, smtp_server, password):
    inbox, host, port = smtp_server
    with pytest.raises(EmailError, match=r"login of 'bob' .* would travel without TLS .*--allow-plain-login") as caught:
        send_message(_message(tmp_path), SmtpConfig(host=host, port=port, user=USER))
    assert caught.value.parameter == "--allow-plain-login"
    assert inbox.logins == [] and inbox.messages == []  # the password never left the client


def test_login_over_a_clear_connection_when_explicitly_allowed(tmp_path, smtp_server, password):
    inbox, host, port = smtp_server
    send_message(_message(tmp_path), SmtpConfig(host=host, port=port, user=USER, allow_plain_login=True))
    assert inbox.logins == [(USER, False)] and len(inbox.messages) == 1


def test_unreadable_cafile_is_a_config_error(tmp_path, smtp_server):
    _, host, port = smtp_server
    with pytest.raises(ConfigError, match=r"cannot read CA certificates from .*missing.pem"):
        send_message(_message(tmp_path), SmtpConfig(host=host, port=port, cafile=str(tmp_path / "missing.pem")))


# --- addresses and header values -----------------------------------------------------------------------------------

def test_a_recipient_value_smuggling_a_second_address_is_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"recipient 'x,evil@example.org' reads as 2 addresses") as caught:
        build_message(_report(tmp_path), to=["x,evil@example.org"], sender="ml@example.com", subject="s")
    assert caught.value.parameter == "--to"


def test_named_recipient_reaches_only_its_address(tmp_path, smtp_server):
    inbox, host, port = smtp_server
    msg = build_message(_report(tmp_path), to=['"Doe, Jane" <jane@example.com>'], sender="ML <ml@example.com>",
                        subject="s")
    send_message(msg, SmtpConfig(host=host, port=port))
    assert inbox.envelopes[0].rcpt_tos == ["jane@example.com"] and inbox.envelopes[0].mail_from == "ml@example.com"


@pytest.mark.parametrize("bad", ["not-an-address", '"x,evil"@example.org', "a@b.com <c@d.com>", ""])
def test_bad_recipient_is_refused(tmp_path, bad):
    with pytest.raises(ConfigError, match="recipient"):
        build_message(_report(tmp_path), to=[bad], sender="ml@example.com", subject="s")


def test_line_break_in_the_subject_is_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"subject .* contains a line break .*--subject"):
        build_message(_report(tmp_path), to=["a@example.com"], sender="ml@example.com",
                      subject="Weekly\nBcc: evil@example.org")


def test_line_break_in_the_sender_is_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"sender .* contains a line break .*--sender"):
        build_message(_report(tmp_path), to=["a@example.com"], sender="ml@example.com\r\nBcc: evil@example.org",
                      subject="s")


def test_user_without_password_variable_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("MLTOOLKIT_SMTP_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match="MLTOOLKIT_SMTP_PASSWORD"):
        send_message(_message(tmp_path), SmtpConfig(host="127.0.0.1", port=1, user="bob"))


def test_plain_text_keeps_words_and_escapes_nothing_as_markup():
    text = html_to_text("<p>a &lt;script&gt; b</p><table><tr><td>x</td><td>1</td></tr></table>")
    assert "a <script> b" in text and "x" in text and "1" in text
