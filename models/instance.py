from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import UTCDateTime, db, new_id, utcnow


class Instance(db.Model):
    """A running or ended process instance. `revision` guards every write (optimistic locking)."""

    __tablename__ = "instances"
    __table_args__ = (
        Index("ix_instances_started", "started_at", "id"),  # the list's order newest first; started per day
        Index("ix_instances_process_started", "process", "started_at", "id"),
        Index("ix_instances_status_started", "status", "started_at", "id"),
        Index("ix_instances_business_key", "business_key"),
        Index("ix_instances_status_ended", "status", "ended_at"),  # completed per day (services/series.py)
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    definition_id: Mapped[str] = mapped_column(ForeignKey("definitions.id"), index=True)
    process: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer)
    business_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    variables: Mapped[dict] = mapped_column(JSON, default=dict)
    waiting: Mapped[list] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(Text)
    serializer_version: Mapped[str] = mapped_column(String(40))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_by: Mapped[str] = mapped_column(String(200))
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    suspended_from: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # Camunda types declared by engine-rest clients that the JSON value alone does not tell (`Long` for 42,
    # `String` for text that reads as a Date), by variable name: the value comes back with the type it was sent.
    variable_types: Mapped[dict | None] = mapped_column(JSON, nullable=True)

    # The ORM adds `WHERE revision = :old` to every UPDATE and raises StaleDataError when another
    # process got there first: the portable optimistic lock (SQLite and PostgreSQL alike).
    __mapper_args__ = {"version_id_col": revision}

