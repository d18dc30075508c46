from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import UTCDateTime, db, new_id, utcnow


class Event(db.Model):
    """An append-only history event. `seq` is assigned in commit order (see services/history.py)."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_instance_seq", "instance_id", "seq"),
        Index("ix_events_process_seq", "process", "seq"),
        Index("ix_events_type_seq", "type", "seq"),
        Index("ix_events_actor_seq", "actor", "seq"),
        Index("ix_events_at", "at"),
    )

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                     autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    type: Mapped[str] = mapped_column(String(40))
    instance_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    process: Mapped[str | None] = mapped_column(String(255), nullable=True)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    activity: Mapped[str | None] = mapped_column(String(255), nullable=True)
    task_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    actor: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
