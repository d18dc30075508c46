"""Sending what the outbox holds (mails, webhook POSTs), after the commit that wrote it.

Any number of processes run `deliver_due` from their clock (scheduler.py). A round leases a batch of due
rows in one statement (`FOR UPDATE SKIP LOCKED` on PostgreSQL; on SQLite the write lock makes the guarded
UPDATE atomic), sends each outside any transaction, and settles it with an UPDATE guarded by the lease. A
failed send is retried with exponential back-off (the first retry after BPMN_SERVER_NOTIFY_RETRY_SECONDS,
10 s by default, doubling up to an hour); after BPMN_SERVER_NOTIFY_MAX_ATTEMPTS tries (32: about a day) it is
`dead`, recorded as a `delivery.dead` event, and waits for an admin's redelivery. A process that dies after
the commit leaves its rows pending (or leased until the lease expires): the next round sends them. A process
that dies between a send and its settling sends that one message again after the lease: receivers
de-duplicate by `X-Bpmn-Event-Id`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from models import Delivery, Event, Webhook, db, new_id, utcnow

from ..db import is_postgres
from ..exceptions import Conflict, NotFound
from . import history, mailer, webhooks
from .mailer import SendFailed
from .pagination import Page, page
from .tx import transactional

log = logging.getLogger(__name__)
MAX_BACKOFF = 3600.0
STATUSES = ("pending", "sent", "dead")


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{new_id()[:8]}"


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed try."""
    base = float(current_app.config.get("NOTIFY_RETRY_SECONDS", 10))
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF))


@transactional
def claim(now: dt.datetime, owner: str, batch: int, lease_seconds: float) -> list[str]:
    """Lease up to `batch` due deliveries to `owner`; an expired lease (a dead process) is taken over."""
    free = (Delivery.locked_until.is_(None)) | (Delivery.locked_until < now)
    q = (select(Delivery.id).where(Delivery.status == "pending", Delivery.next_attempt_at <= now, free)
         .order_by(Delivery.next_attempt_at, Delivery.id).limit(batch))
    if is_postgres():
        q = q.with_for_update(skip_locked=True)
    ids = list(db.session.execute(q).scalars())
    if not ids:
        return []
    until = now + dt.timedelta(seconds=lease_seconds)
    db.session.execute(update(Delivery).where(Delivery.id.in_(ids), Delivery.status == "pending", free)
                       .values(locked_by=owner, locked_until=until).execution_options(synchronize_session=False))
    return list(db.session.execute(select(Delivery.id).where(Delivery.id.in_(ids), Delivery.locked_by == owner,
                                                             Delivery.locked_until == until)).scalars())


def _send(row: Delivery) -> int | None:
    config = current_app.config
    if row.channel == "mail":
        if not config.get("SMTP_URL"):
            raise SendFailed("mail is off: BPMN_SERVER_SMTP_URL is not set")
        mailer.send(config["SMTP_URL"], config.get("MAIL_FROM") or "bpmn-server@localhost", row.payload)
        return None
    hook = db.session.get(Webhook, row.webhook_id)
    if hook is None:
        raise SendFailed("the webhook was deleted")
    event = dict(row.payload)
    event["seq"] = db.session.execute(select(Event.seq).where(Event.id == row.event_id)).scalar()
    return webhooks.post(hook.url, hook.secret, event, bool(config.get("WEBHOOK_ALLOW_PRIVATE")))


@transactional
def settle(delivery_id: str, owner: str, now: dt.datetime, error: SendFailed | None, status: int | None) -> str:
    """Record the outcome of one send, if `owner` still holds the lease; returns the new status."""
    row = db.session.execute(select(Delivery).where(Delivery.id == delivery_id, Delivery.locked_by == owner,
                                                    Delivery.status == "pending")).scalar_one_or_none()
    if row is None:
        return "lost"  # the lease expired and another process took it over
    values: dict[str, Any] = {"attempts": row.attempts + 1, "locked_by": None, "locked_until": None,
                              "last_status": status if error is None else error.status}
    if error is None:
        values.update(status="sent", sent_at=now, last_error=None)
    else:
        values["last_error"] = str(error)[:2000]
        values["failures"] = row.failures + 1
        if values["attempts"] >= int(current_app.config.get("NOTIFY_MAX_ATTEMPTS", 32)):
            values["status"] = "dead"
            history.record("delivery.dead", "system", data={
                "delivery_id": row.id, "channel": row.channel, "target": row.target, "webhook_id": row.webhook_id,
                "event_id": row.event_id, "event_type": row.event_type, "attempts": values["attempts"],
                "error": values["last_error"]})
        else:
            values["next_attempt_at"] = now + backoff(values["attempts"])
    db.session.execute(update(Delivery).where(Delivery.id == row.id, Delivery.locked_by == owner)
                       .values(**values).execution_options(synchronize_session=False))
    return values.get("status", "pending")


def deliver_due(now: dt.datetime | None = None, *, batch: int = 50, lease_seconds: float = 60.0,
                owner: str | None = None, keep_going: Callable[[], bool] | None = None) -> dict[str, int]:
    """Send due deliveries until none is left (or `keep_going` says stop); counts by outcome.
    `now` fixed (tests): every claim and settling uses it; None: the wall clock each time."""
    owner = owner or default_owner()
    counts = {"sent": 0, "pending": 0, "dead": 0, "lost": 0}
    while keep_going is None or keep_going():
        moment = now or utcnow()
        # A plain read first: an idle outbox costs no write lock (SQLite) and no row locks.
        due = db.session.execute(select(Delivery.id).where(Delivery.status == "pending",
                                                           Delivery.next_attempt_at <= moment).limit(1)).first()
        db.session.rollback()
        if due is None:
            return counts
        ids = claim(moment, owner, batch, lease_seconds)
        for delivery_id in ids:
            row = db.session.get(Delivery, delivery_id, populate_existing=True)
            error: SendFailed | None = None
            status = None
            try:
                status = _send(row)
            except SendFailed as exc:
                error = exc
                log.warning("delivery %s (%s to %s) failed: %s", row.id, row.channel, row.target, exc)
            db.session.rollback()  # end the read transaction: the send took its time
            counts[settle(delivery_id, owner, now or utcnow(), error, status)] += 1
        if len(ids) < batch:
            return counts
    return counts


def next_due() -> dt.datetime | None:
    return db.session.execute(select(func.min(Delivery.next_attempt_at)).where(Delivery.status == "pending")).scalar()


def list_deliveries(limit: int, after: str | None, status: str | None = None, channel: str | None = None) -> Page:
    """Deliveries newest first; `status=dead` is the dead-letter list."""
    q = select(Delivery)
    if status:
        q = q.where(Delivery.status == status)
    if channel:
        q = q.where(Delivery.channel == channel)
    return page(q, [Delivery.created_at, Delivery.id], [dt.datetime, str], limit, after, descending=True)


@transactional
def redeliver(delivery_id: str, actor: str, now: dt.datetime | None = None) -> Delivery:
    """Send a dead delivery again, from a fresh count of tries; recorded as `delivery.redelivered`."""
    row = db.session.get(Delivery, delivery_id)
    if row is None:
        raise NotFound(f"no delivery with id '{delivery_id}'")
    if row.status != "dead":
        raise Conflict(f"the delivery is {row.status}; only a dead one can be redelivered", delivery_status=row.status)
    done = db.session.execute(update(Delivery).where(Delivery.id == row.id, Delivery.status == "dead").values(
        status="pending", attempts=0, next_attempt_at=now or utcnow(), locked_by=None, locked_until=None)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise Conflict("the delivery was changed concurrently; reload and try again")
    db.session.refresh(row)
    history.record("delivery.redelivered", actor, data={"delivery_id": row.id, "channel": row.channel,
                                                       "target": row.target, "event_id": row.event_id})
    return row
