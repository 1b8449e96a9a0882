"""E-mail a report: HTML body with inline (CID) charts, a plain-text part, the full report attached."""
from __future__ import annotations

import base64
import copy
import io
import os
import re
import smtplib
import ssl
from collections.abc import Sequence
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import formataddr, getaddresses, make_msgid
from html.parser import HTMLParser
from pathlib import Path

from mltoolkit.errors import ConfigError, DataError, EmailError
from mltoolkit.framing.config import SMTP_TLS_MODES, SmtpConfig

__all__ = ["build_message", "send_message", "html_to_text"]

_DATA_URI = re.compile(r'src="data:image/(png|jpeg|gif);base64,([A-Za-z0-9+/=\s]+)"')
# The addr-spec forms accepted: a dot-atom local part and a host name, ASCII only. Quoted local parts
# ("x,y"@host) are refused: they are legal but lose their quotes on the way into a header.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_ADDR_SPEC = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})*")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\u2028\u2029]")
_SMTPS_PORT = 465


class _TextExtractor(HTMLParser):
    _BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "tr", "li", "br", "section", "header", "footer", "table"}
    _SKIP = {"style", "script", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append("  ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f"[chart: {alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML report (for the text/plain alternative)."""
    parser = _TextExtractor()
    parser.feed(html)
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in "".join(parser.parts).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def _one_line(value: str, what: str, parameter: str) -> str:
    bad = _CONTROL.search(value)
    if bad:
        kind = "a line break" if bad.group() in "\r\n\u2028\u2029" else "a control character"
        raise ConfigError(f"{what} {value!r} contains {kind} ({bad.group()!r}); a mail header is one line: "
                          f"pass {parameter} without it", parameter=parameter)
    return value


def _address(value: str, what: str, parameter: str) -> tuple[str, str]:
    """``(display name, addr-spec)`` of ``value``, which must hold exactly one address."""
    _one_line(value, what, parameter)
    pairs = getaddresses([value])
    if len(pairs) > 1:
        found = ", ".join(repr(addr) for _, addr in pairs if addr)
        raise ConfigError(f"{what} {value!r} reads as {len(pairs)} addresses ({found}), not one; give each address "
                          f"as its own value, e.g. {parameter} a@example.com b@example.com", parameter=parameter)
    name, addr = pairs[0] if pairs else ("", "")
    if not _ADDR_SPEC.fullmatch(addr):
        raise ConfigError(f"{what} {value!r} is not an e-mail address; write name@example.com or "
                          f"'Name <name@example.com>' (ASCII, punycode for international domains)",
                          parameter=parameter)
    return name, addr


def build_message(report: str | Path, *, to: Sequence[str], sender: str, subject: str,
                  attachment: str | Path | None = None) -> EmailMessage:
    """Build the multipart message for ``report`` (an HTML file from ``mltoolkit report``).

    Images embedded as ``data:`` URIs (which mail clients block) become inline
    parts referenced by ``cid:``; a plain-text version comes first as the
    alternative; ``attachment`` (default: the report itself) is attached.

    Parameters
    ----------
    report : str or Path
        The HTML report.
    to : sequence of str
        Recipients, one address per item (``a@example.com`` or
        ``Name <a@example.com>``); an item holding two addresses is refused.
    sender : str
        The From: address, one address.
    subject : str
        One line.
    attachment : str or Path, optional
        File attached (default: the report).

    Returns
    -------
    EmailMessage

    Raises
    ------
    DataError
        The report does not exist.
    ConfigError
        A recipient or the sender is not exactly one address, or a header
        value (subject, sender, recipient) contains a line break.
    """
    report = Path(report)
    if not report.exists():
        raise DataError(f"report {report} does not exist; create it with 'mltoolkit report RUN_DIR'", path=str(report))
    if isinstance(to, str):
        to = [to]
    if not to:
        raise ConfigError("no recipients; pass --to name@example.com or set report.recipients in mltoolkit.yml",
                          parameter="--to")
    recipients = [_address(str(a), "recipient", "--to") for a in to]
    from_ = _address(str(sender), "sender", "--sender")
    subject = _one_line(str(subject), "subject", "--subject")
    html = report.read_text(encoding="utf-8")
    images: list[tuple[str, str, bytes]] = []

    def _to_cid(match: re.Match) -> str:
        cid = make_msgid(domain="mltoolkit.local")
        images.append((cid, match.group(1), base64.b64decode(re.sub(r"\s", "", match.group(2)))))
        return f'src="cid:{cid[1:-1]}"'

    body_html = _DATA_URI.sub(_to_cid, html)
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = formataddr(from_)
    msg["To"] = ", ".join(formataddr(r) for r in recipients)
    msg.set_content(html_to_text(html))
    msg.add_alternative(body_html, subtype="html")
    html_part = msg.get_payload()[1]
    for cid, subtype, data in images:
        html_part.add_related(data, maintype="image", subtype=subtype, cid=cid, disposition="inline")
    attach = Path(attachment) if attachment else report
    msg.add_attachment(attach.read_bytes(), maintype="text", subtype="html", filename=attach.name)
    return msg


def _envelope(msg: EmailMessage) -> tuple[str, list[str], bytes]:
    """Sender, recipients (To, Cc, Bcc) and the bytes to send (Bcc removed), each address checked."""
    senders = getaddresses(msg.get_all("From", []))
    if len(senders) != 1 or not _ADDR_SPEC.fullmatch(senders[0][1]):
        raise ConfigError(f"the message's From: {msg.get('From')!r} is not one e-mail address", parameter="--sender")
    fields = [str(value) for key in ("To", "Cc", "Bcc") for value in msg.get_all(key, [])]
    recipients = [addr for _, addr in getaddresses(fields)]
    bad = [addr for addr in recipients if not _ADDR_SPEC.fullmatch(addr)]
    if not recipients or bad:
        raise ConfigError(f"the message's recipients are not e-mail addresses: {', '.join(map(repr, bad)) or '(none)'}",
                          parameter="--to")
    outgoing = copy.copy(msg)
    del outgoing["Bcc"]
    with io.BytesIO() as buffer:
        BytesGenerator(buffer).flatten(outgoing, linesep="\r\n")
        return senders[0][1], list(dict.fromkeys(recipients)), buffer.getvalue()


def _tls_context(cafile: str | None) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=cafile)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read CA certificates from {cafile} ({exc}); pass --cafile a PEM file of the "
                          "CA that signed the server's certificate (smtp.cafile)", path=cafile,
                          parameter="--cafile") from None


def _reply(code: int, text: bytes | str) -> str:
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return " ".join(f"{code} {text}".split())


def _timed_out(exc: BaseException) -> bool:
    # smtplib turns a read timeout into SMTPServerDisconnected; the timeout survives as its context
    return isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError)


_STEPS = {"connect": "the greeting", "hello": "EHLO", "starttls": "STARTTLS", "login": "the login",
          "envelope": "the envelope (MAIL FROM/RCPT TO)", "data": "the message transfer (DATA)"}


def _classify(exc: Exception, step: str, server: str, smtp: SmtpConfig, mode: str, timeout: float) -> EmailError:
    """One EmailError saying which kind of failure ``exc`` (raised during ``step``) is and what to do."""
    unsent = "the message may or may not have been sent" if step == "data" else "nothing was sent"
    tls_hint = ("if the port expects TLS from the first byte (usually 465) pass --tls implicit (smtp.tls: implicit)"
                if mode != "implicit" else "check that the port speaks TLS from the first byte (usually 465); "
                "for STARTTLS ports (usually 587) pass --tls starttls")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return EmailError(f"{server} presented a TLS certificate that is not trusted ({exc.verify_message}); if it is "
                          f"signed by a private CA pass --cafile CA.pem (smtp.cafile); {unsent}", parameter="--cafile")
    if isinstance(exc, ssl.SSLError):
        during = "the TLS handshake" if step in ("connect", "starttls") else _STEPS[step]
        return EmailError(f"TLS with {server} failed during {during} ({exc.reason or exc}); {tls_hint}; {unsent}",
                          parameter="--tls")
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return EmailError(f"{server} rejected the login of {smtp.user!r} ({_reply(exc.smtp_code, exc.smtp_error)}); "
                          f"check --user (smtp.user) and the password in ${smtp.password_env}; {unsent}",
                          parameter="--user")
    if step == "login" and isinstance(exc, smtplib.SMTPNotSupportedError):
        return EmailError(f"{server} offers no login (AUTH) to {smtp.user!r}; drop --user (smtp.user) if the server "
                          f"needs none, or check --smtp; {unsent}", parameter="--user")
    if step == "starttls" and isinstance(exc, smtplib.SMTPResponseException):
        return EmailError(f"{server} offered STARTTLS but refused it ({_reply(exc.smtp_code, exc.smtp_error)}); "
                          f"try again later or ask the mail administrator; {unsent}", parameter="--tls")
    if isinstance(exc, smtplib.SMTPDataError):
        return EmailError(f"{server} refused the message ({_reply(exc.smtp_code, exc.smtp_error)}); nothing was sent")
    if isinstance(exc, smtplib.SMTPConnectError):
        return EmailError(f"{server} refused the connection ({_reply(exc.smtp_code, exc.smtp_error)}); check "
                          f"--smtp HOST:PORT or try again later; {unsent}", parameter="--smtp")
    if _timed_out(exc):
        if step == "connect":
            return EmailError(f"{server} accepted the connection but sent no greeting within {timeout:g} s; "
                              f"{tls_hint}; {unsent}", parameter="--tls")
        return EmailError(f"{server} stopped answering during {_STEPS[step]} (nothing within {timeout:g} s); {unsent}",
                          parameter="--smtp")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return EmailError(f"{server} closed the connection during {_STEPS[step]} ({exc}); {tls_hint}; {unsent}"
                          if step == "connect" else
                          f"{server} closed the connection during {_STEPS[step]} ({exc}); {unsent}", parameter="--smtp")
    if isinstance(exc, smtplib.SMTPException):
        return EmailError(f"{server} failed during {_STEPS[step]} ({exc}); {unsent}", parameter="--smtp")
    if step == "connect":  # refused, unreachable, unknown host
        return EmailError(f"cannot reach {server} ({exc}); check --smtp HOST:PORT; {unsent}", parameter="--smtp")
    return EmailError(f"lost the connection to {server} during {_STEPS[step]} ({exc}); {unsent}", parameter="--smtp")


def _open_envelope(conn: smtplib.SMTP, server: str, sender: str, recipients: list[str]) -> None:
    """MAIL and RCPT for every recipient; any refusal resets it, so DATA goes to all recipients or to none."""
    code, text = conn.mail(sender)
    if code != 250:
        raise EmailError(f"{server} refused the sender {sender} ({_reply(code, text)}); pass a --sender "
                         "(smtp.sender) the server accepts for this login; nothing was sent", parameter="--sender")
    refused = {}
    for rcpt in recipients:
        code, text = conn.rcpt(rcpt)
        if code not in (250, 251):
            refused[rcpt] = _reply(code, text)
    if refused:
        try:
            conn.rset()
        except (OSError, smtplib.SMTPException):
            pass
        listed = "; ".join(f"{addr} ({why})" for addr, why in refused.items())
        raise EmailError(f"{server} refused {len(refused)} of {len(recipients)} recipient(s): {listed}; correct or "
                         "remove them (--to or report.recipients); nothing was sent", parameter="--to")


def send_message(msg: EmailMessage, smtp: SmtpConfig, *, timeout: float = 20.0) -> None:
    """Send ``msg`` over SMTP as ``smtp`` says; the password comes from the environment variable ``smtp.password_env``.

    With ``smtp.tls == "auto"`` the connection is upgraded with STARTTLS when
    the server offers it (TLS from the first byte on port 465). Certificates
    are verified against the system's trust store, or ``smtp.cafile``. A login
    over a connection without TLS is refused unless ``smtp.allow_plain_login``.

    Parameters
    ----------
    msg : EmailMessage
        From :func:`build_message`; the envelope is its From and To/Cc/Bcc.
    smtp : SmtpConfig
        Server, TLS mode, login and CA file (the ``smtp`` section of ``mltoolkit.yml``).
    timeout : float
        Seconds to wait for each answer of the server.

    Raises
    ------
    ConfigError
        The login's password variable is unset, or ``smtp.cafile`` cannot be read.
    EmailError
        One line naming the kind of failure: the server cannot be reached, TLS
        fails or is not offered when required, the login would go in clear or is
        rejected, a recipient or the message is refused. Either every recipient
        is accepted and the message sent, or nothing is sent.
    """
    if smtp.tls not in SMTP_TLS_MODES:
        raise ConfigError(f"TLS mode {smtp.tls!r} is not one of {', '.join(SMTP_TLS_MODES)}; pass --tls "
                          f"{'|'.join(SMTP_TLS_MODES)} (smtp.tls)", parameter="--tls")
    mode = "implicit" if smtp.tls == "auto" and smtp.port == _SMTPS_PORT else smtp.tls
    password = os.environ.get(smtp.password_env) if smtp.user else None
    if smtp.user and password is None:
        raise ConfigError(f"SMTP user {smtp.user!r} given but the environment variable {smtp.password_env} holding the "
                          "password is not set", parameter=smtp.password_env)
    sender, recipients, data = _envelope(msg)
    context = _tls_context(smtp.cafile) if mode != "none" else None
    server = f"SMTP server {smtp.host}:{smtp.port}"
    conn: smtplib.SMTP | None = None
    step, sent = "connect", False
    try:
        if mode == "implicit":
            conn = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=timeout, context=context)
        else:
            conn = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
        step = "hello"
        conn.ehlo_or_helo_if_needed()
        encrypted = mode == "implicit"
        if mode in ("auto", "starttls") and conn.has_extn("starttls"):
            step = "starttls"
            conn.starttls(context=context)
            conn.ehlo()
            encrypted = True
        elif mode == "starttls":
            raise EmailError(f"{server} does not offer STARTTLS, which --tls starttls (smtp.tls: starttls) requires; "
                             "for a port that speaks TLS from the first byte (usually 465) pass --tls implicit; "
                             "nothing was sent", parameter="--tls")
        if smtp.user:
            if not encrypted and not smtp.allow_plain_login:
                why = "--tls none (smtp.tls: none)" if mode == "none" else "the server does not offer STARTTLS"
                raise EmailError(f"the login of {smtp.user!r} to {server} would travel without TLS ({why}); use a TLS "
                                 "port (--tls implicit on 465, STARTTLS on 587) or, on a trusted network, pass "
                                 "--allow-plain-login (smtp.allow_plain_login: true); nothing was sent",
                                 parameter="--allow-plain-login")
            step = "login"
            conn.login(smtp.user, password)
        step = "envelope"
        _open_envelope(conn, server, sender, recipients)
        step = "data"
        code, text = conn.data(data)
        if code != 250:
            raise EmailError(f"{server} refused the message ({_reply(code, text)}); nothing was sent")
        sent = True
    except EmailError:
        raise
    except (OSError, smtplib.SMTPException) as exc:
        raise _classify(exc, step, server, smtp, mode, timeout) from None
    finally:
        if conn is not None:
            if sent:
                try:
                    conn.quit()
                except (OSError, smtplib.SMTPException):
                    pass
            conn.close()
