"""Webhook subscriptions and the durable outbox of mails and webhook deliveries (services/outbox.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import UTCDateTime, db, new_id, utcnow


class Webhook(db.Model):
    """An admin's subscription: the history event types POSTed, signed with `secret`, to `url`."""

    __tablename__ = "webhooks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list] = mapped_column(JSON, default=list)
    # The HMAC key must be readable to sign; it is never shown again after creation.
    secret: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class Delivery(db.Model):
    """One message for the outside (a mail to a user, a POST to a webhook) caused by one history event.

    Written in the transaction of the event; sent after commit by the clock of any process, which leases
    the row (`locked_by`, `locked_until`) like a timer. (event, channel, target) is unique: one message per
    event and recipient, however often the writing or the sending is retried."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "channel", "target", name="uq_deliveries_event_target"),
        # The clock's query: pending rows, soonest attempt first.
        Index("ix_deliveries_status_next", "status", "next_attempt_at"),
        Index("ix_deliveries_webhook_created", "webhook_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    event_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(10))  # mail | webhook
    target: Mapped[str] = mapped_column(String(2000))  # a user name, or the webhook's id
    webhook_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(40), nullable=True)  # why a mail: assigned, offered, ...
    payload: Mapped[dict] = mapped_column(JSON, default=dict)  # the event as recorded (seq is read at send time)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sent | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # tries since created or redelivered
    failures: Mapped[int] = mapped_column(Integer, default=0)  # failed tries in all (a metric)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
