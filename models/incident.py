from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import UTCDateTime, db, new_id, utcnow


class Incident(db.Model):
    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_open", "resolved_at", "created_at"),
                      Index("ix_incidents_instance", "instance_id"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    instance_id: Mapped[str] = mapped_column(ForeignKey("instances.id"))
    process: Mapped[str] = mapped_column(String(255))
    activity: Mapped[str | None] = mapped_column(String(255), nullable=True)
    type: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
