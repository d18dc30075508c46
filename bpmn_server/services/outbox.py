"""The outbox: which history events become messages for the outside, written with the events themselves.

services/tx.py calls `stage` with the events of a transaction just before they are inserted, so a mail or
a webhook delivery commits together with the change it reports, or not at all. Sending happens after the
commit (services/delivery.py). Every history event type can be subscribed by a webhook; mails follow the
rules of services/notify.py. A row is unique per (event, channel, target): one message per event and
recipient.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import insert, select

from models import Delivery, Webhook, db, new_id

from ..jsonutil import iso
from . import generations, notify

_INSERT = insert(Delivery.__table__)
_HOOKS = select(Webhook.__table__.c.id, Webhook.__table__.c.events)


def event_payload(event: dict[str, Any]) -> dict[str, Any]:
    """The EVENT (CONTRACT.md) of a pending history row, JSON-ready; `seq` is added when it is sent."""
    at = event["at"]
    return {"id": event["id"], "at": iso(at) if isinstance(at, dt.datetime) else at, "type": event["type"],
            "instance_id": event.get("instance_id"), "process": event.get("process"),
            "version": event.get("version"), "activity": event.get("activity"), "task_id": event.get("task_id"),
            "actor": event.get("actor"), "data": event.get("data") or {}}


def _row(event: dict[str, Any], channel: str, target: str, payload: dict[str, Any], *,
         webhook_id: str | None = None, reason: str | None = None) -> dict[str, Any]:
    now = event["at"]
    return {"id": new_id(), "event_id": event["id"], "event_type": event["type"], "channel": channel,
            "target": target, "webhook_id": webhook_id, "reason": reason, "payload": payload, "status": "pending",
            "attempts": 0, "failures": 0, "next_attempt_at": now, "locked_by": None, "locked_until": None,
            "last_error": None, "last_status": None, "created_at": now, "sent_at": None}


def _hooks() -> list[tuple[str, list[str]]]:
    return [tuple(row) for row in db.session.connection().execute(_HOOKS).all()]


def _webhook_rows(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Kept per process while no webhook is made or removed (services/generations.py): not read per commit.
    hooks = generations.cached(generations.Kind.WEBHOOKS, "all", _hooks)
    rows = []
    for event in events:
        for hook_id, types in hooks:
            if event["type"] not in types and "*" not in types:
                continue
            if event["type"] == "delivery.dead" and (event.get("data") or {}).get("webhook_id") == hook_id:
                continue  # a dead receiver is not told about its own dead deliveries: that would never end
            rows.append(_row(event, "webhook", hook_id, event_payload(event), webhook_id=hook_id))
    return rows


def stage(events: list[dict[str, Any]]) -> None:
    """Write the outbox rows the pending history `events` cause, in the current transaction."""
    if not events or not has_app_context():
        return
    rows = _webhook_rows(events)
    if current_app.config.get("SMTP_URL"):
        for event, recipient, reason, mail in notify.mails(events):
            rows.append(_row(event, "mail", recipient, mail, reason=reason))
    if rows:
        db.session.connection().execute(_INSERT, rows)
