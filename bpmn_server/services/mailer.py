"""Sending one mail through the SMTP server of BPMN_SERVER_SMTP_URL (smtp://[user:pass@]host:port[?starttls=1],
smtps://...). A failure raises `SendFailed`; the outbox retries it (services/delivery.py)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ..exceptions import Invalid

TIMEOUT = 10.0


class SendFailed(Exception):
    """A message could not be delivered this time (the outbox tries again)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


def parse_url(url: str) -> dict[str, Any]:
    """The parts of an SMTP URL; 422 naming the setting when it is not one."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise Invalid("BPMN_SERVER_SMTP_URL must look like smtp://[user:pass@]host:port[?starttls=1] or smtps://...",
                      errors=[{"field": "BPMN_SERVER_SMTP_URL", "message": "not an smtp:// or smtps:// URL"}])
    query = parse_qs(parts.query)
    starttls = (query.get("starttls") or ["0"])[0].lower() in ("1", "on", "true", "yes")
    return {"ssl": parts.scheme == "smtps", "starttls": starttls, "host": parts.hostname,
            "port": parts.port or (465 if parts.scheme == "smtps" else 25),
            "user": unquote(parts.username) if parts.username else None,
            "password": unquote(parts.password) if parts.password else None}


def send(url: str, sender: str, mail: dict[str, Any]) -> None:
    """Send `mail` ({to, subject, text, html}): plain text with an HTML alternative."""
    settings = parse_url(url)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, mail["to"], mail["subject"]
    message.set_content(mail["text"])
    if mail.get("html"):
        message.add_alternative(mail["html"], subtype="html")
    context = ssl.create_default_context()
    try:
        if settings["ssl"]:
            client: smtplib.SMTP = smtplib.SMTP_SSL(settings["host"], settings["port"], timeout=TIMEOUT,
                                                    context=context)
        else:
            client = smtplib.SMTP(settings["host"], settings["port"], timeout=TIMEOUT)
        with client:
            if settings["starttls"]:
                client.starttls(context=context)
            if settings["user"]:
                client.login(settings["user"], settings["password"] or "")
            client.send_message(message)
    except smtplib.SMTPResponseException as exc:
        raise SendFailed(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", exc.smtp_code) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise SendFailed(f"recipient refused: {exc.recipients!r}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise SendFailed(f"{type(exc).__name__}: {exc}") from None
