from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import UTCDateTime, db


class Timer(db.Model):
    """A waiting timer: the durable truth of the clock. Claimed with a lease before it fires."""

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_state_due", "state", "due_at"),
                      Index("ix_timers_instance", "instance_id"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # SpiffWorkflow task id (+ cycle suffix)
    instance_id: Mapped[str] = mapped_column(ForeignKey("instances.id"))
    task_id: Mapped[str] = mapped_column(String(36))
    process: Mapped[str] = mapped_column(String(255))
    activity: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(10))
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(12))  # waiting | fired | cancelled
    locked_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    fired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
