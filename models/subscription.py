"""Waiting message and signal catchers, derived from the instance step, so correlation never scans instances."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import UTCDateTime, db, new_id, utcnow


class Subscription(db.Model):
    """One catcher waiting for message or signal `name` (a catch event, receive task, boundary, gateway)."""

    __tablename__ = "subscriptions"
    __table_args__ = (Index("ix_subscriptions_lookup", "kind", "name", "business_key"),
                      Index("ix_subscriptions_instance", "instance_id"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    instance_id: Mapped[str] = mapped_column(ForeignKey("instances.id"))
    process: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(10))  # message | signal
    name: Mapped[str] = mapped_column(String(255))
    activity: Mapped[str] = mapped_column(String(255))
    task_id: Mapped[str] = mapped_column(String(36))
    business_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CorrelationKey(db.Model):
    """A scalar variable of an instance that waits for a message: `POST /api/messages` correlates on it.

    Kept only while the instance has a message subscription. `value` is canonical JSON text
    (`"abc"`, `42`, `true`), so 42 and "42" stay different, as they are in the variables.
    """

    __tablename__ = "correlation_keys"
    __table_args__ = (Index("ix_correlation_keys_lookup", "name", "value"),)

    instance_id: Mapped[str] = mapped_column(ForeignKey("instances.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))
