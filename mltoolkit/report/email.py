"""E-mail a report: HTML body with inline (CID) charts, a plain-text part, the full report attached."""
from __future__ import annotations

import base64
import os
import re
import smtplib
import socket
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import make_msgid
from html.parser import HTMLParser
from pathlib import Path

from mltoolkit.errors import ConfigError, DataError, EmailError

__all__ = ["build_message", "send_message", "html_to_text"]

_DATA_URI = re.compile(r'src="data:image/(png|jpeg|gif);base64,([A-Za-z0-9+/=\s]+)"')
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")


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


def build_message(report: str | Path, *, to: Sequence[str], sender: str, subject: str,
                  attachment: str | Path | None = None) -> EmailMessage:
    """Build the multipart message for ``report`` (an HTML file from ``mltoolkit report``).

    Images embedded as ``data:`` URIs (which mail clients block) become inline
    parts referenced by ``cid:``; a plain-text version comes first as the
    alternative; ``attachment`` (default: the report itself) is attached.
    """
    report = Path(report)
    if not report.exists():
        raise DataError(f"report {report} does not exist; create it with 'mltoolkit report RUN_DIR'", path=str(report))
    bad = [a for a in to if not _ADDRESS.match(a)]
    if not to or bad:
        raise ConfigError(f"invalid recipient address(es): {', '.join(bad) or '(none given)'}; pass --to name@example.com",
                          parameter="--to")
    html = report.read_text(encoding="utf-8")
    images: list[tuple[str, str, bytes]] = []

    def _to_cid(match: re.Match) -> str:
        cid = make_msgid(domain="mltoolkit.local")
        images.append((cid, match.group(1), base64.b64decode(re.sub(r"\s", "", match.group(2)))))
        return f'src="cid:{cid[1:-1]}"'

    body_html = _DATA_URI.sub(_to_cid, html)
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = subject, sender, ", ".join(to)
    msg.set_content(html_to_text(html))
    msg.add_alternative(body_html, subtype="html")
    html_part = msg.get_payload()[1]
    for cid, subtype, data in images:
        html_part.add_related(data, maintype="image", subtype=subtype, cid=cid, disposition="inline")
    attach = Path(attachment) if attachment else report
    msg.add_attachment(attach.read_bytes(), maintype="text", subtype="html", filename=attach.name)
    return msg


def send_message(msg: EmailMessage, *, host: str, port: int, starttls: bool = False, user: str | None = None,
                 password_env: str = "MLTOOLKIT_SMTP_PASSWORD", timeout: float = 20.0) -> None:
    """Send ``msg`` over SMTP; the password comes from the environment variable ``password_env``.

    Raises
    ------
    EmailError
        The server cannot be reached, refuses the message, or rejects the login.
        Either the whole message is accepted or nothing is sent.
    """
    password = os.environ.get(password_env) if user else None
    if user and password is None:
        raise ConfigError(f"SMTP user {user!r} given but the environment variable {password_env} holding the "
                          "password is not set", parameter=password_env)
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            if starttls:
                smtp.starttls()
            if user:
                smtp.login(user, password)
            refused = smtp.send_message(msg)
    except (OSError, socket.timeout) as exc:
        raise EmailError(f"cannot reach SMTP server {host}:{port} ({exc}); check --smtp HOST:PORT; nothing was sent",
                         parameter="--smtp") from None
    except smtplib.SMTPAuthenticationError:
        raise EmailError(f"SMTP server {host}:{port} rejected the login of {user!r}; nothing was sent",
                         parameter="--user") from None
    except smtplib.SMTPException as exc:
        raise EmailError(f"SMTP server {host}:{port} refused the message: {exc}; nothing was sent") from None
    if refused:
        raise EmailError(f"SMTP server {host}:{port} refused these recipients: {', '.join(refused)}")
