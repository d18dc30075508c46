"""Webhooks: admins subscribe URLs to history event types; each event is POSTed as JSON, signed.

Signature (CONTRACT.md): `X-Bpmn-Signature: sha256=HEX`, HEX = HMAC-SHA256(secret, TIMESTAMP + "." + BODY),
with `X-Bpmn-Timestamp` (Unix seconds) and `X-Bpmn-Event-Id` (for the receiver's de-duplication).
Only http(s) URLs; a host that resolves to a private, loopback, link-local or otherwise non-public address is
refused (SSRF) unless BPMN_SERVER_WEBHOOK_ALLOW_PRIVATE is on. The address is checked again at each send,
so a name that later resolves inwards is not followed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import ipaddress
import socket
import time
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from models import Delivery, Webhook, db

from ..exceptions import Invalid, NotFound
from ..jsonutil import dumps
from . import generations, history
from .mailer import SendFailed
from .pagination import Page, page
from .tx import transactional

TIMEOUT = 10.0


def _refuse(message: str) -> Invalid:
    return Invalid(f"webhook url: {message}", errors=[{"field": "url", "message": message}])


def check_url(url: str, allow_private: bool) -> None:
    """422 unless `url` is http(s) to a public address (or private ones are allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise _refuse("only http:// and https:// URLs are allowed")
    if not parts.hostname:
        raise _refuse("the URL names no host")
    if allow_private:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443,
                                                               type=socket.SOCK_STREAM)}
    except (OSError, UnicodeError):
        raise _refuse(f"the host '{parts.hostname}' cannot be resolved") from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global or ip.is_multicast:
            raise _refuse(f"'{parts.hostname}' is a private or loopback address ({ip}); set "
                          "BPMN_SERVER_WEBHOOK_ALLOW_PRIVATE=on to allow it")


def _allow_private() -> bool:
    return bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE"))


@transactional
def create(url: str, events: list[str], secret: str, actor: str) -> Webhook:
    """Subscribe `url` to `events` (history event types, or "*" for all); recorded as `webhook.created`."""
    check_url(url, _allow_private())
    if not events:
        raise Invalid("name at least one event type", errors=[{"field": "events", "message": "empty"}])
    hook = Webhook(url=url, events=sorted(set(events)), secret=secret, created_by=actor)
    db.session.add(hook)
    db.session.flush()
    generations.bump(generations.Kind.WEBHOOKS)  # every process stages deliveries for it from now on
    history.record("webhook.created", actor, data={"webhook_id": hook.id, "url": url, "events": hook.events})
    return hook


def list_hooks() -> list[Webhook]:
    return list(db.session.execute(select(Webhook).order_by(Webhook.created_at, Webhook.id)).scalars())


def get(hook_id: str) -> Webhook:
    hook = db.session.get(Webhook, hook_id)
    if hook is None:
        raise NotFound(f"no webhook with id '{hook_id}'")
    return hook


@transactional
def delete(hook_id: str, actor: str) -> None:
    """Remove a subscription; its pending deliveries are not sent (they stay listed)."""
    hook = get(hook_id)
    db.session.delete(hook)
    generations.bump(generations.Kind.WEBHOOKS)
    history.record("webhook.deleted", actor, data={"webhook_id": hook_id, "url": hook.url})


def deliveries(hook_id: str, limit: int, after: str | None) -> Page:
    """The deliveries of one webhook, newest first."""
    get(hook_id)
    return page(select(Delivery).where(Delivery.webhook_id == hook_id), [Delivery.created_at, Delivery.id],
                [dt.datetime, str], limit, after, descending=True)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def post(url: str, secret: str, event: dict[str, Any], allow_private: bool) -> int:
    """POST `event` to `url`, signed; the status code when 2xx, SendFailed otherwise."""
    try:
        check_url(url, allow_private)
    except Invalid as exc:
        raise SendFailed(exc.detail) from None
    body = dumps(event)
    timestamp = str(int(time.time()))
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = kind(parts.hostname, parts.port, timeout=TIMEOUT)
    try:
        conn.request("POST", path, body=body, headers={
            "Content-Type": "application/json", "User-Agent": "bpmn-server-webhooks",
            "X-Bpmn-Event-Id": str(event["id"]), "X-Bpmn-Timestamp": timestamp,
            "X-Bpmn-Signature": signature(secret, timestamp, body)})
        response = conn.getresponse()
        response.read(65536)
    except (OSError, http.client.HTTPException) as exc:
        raise SendFailed(f"{type(exc).__name__}: {exc}") from None
    finally:
        conn.close()
    if not 200 <= response.status < 300:
        raise SendFailed(f"HTTP {response.status} {response.reason}", response.status)
    return response.status
