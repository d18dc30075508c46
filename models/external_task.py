"""Service tasks waiting for external workers: the lease, the retries and the back-off live here."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import UTCDateTime, db, utcnow


class ExternalTask(db.Model):
    """One READY external service task. The id is SpiffWorkflow's task id.

    A worker holds it while `worker_id` is set and `lock_expires_at` is in the future; an expired
    lease makes it fetchable again. `retries` is None until a worker reports a failure; at 0 the task
    is parked (an incident) until an analyst retries it.
    """

    __tablename__ = "external_tasks"
    __table_args__ = (Index("ix_external_tasks_fetch", "state", "topic", "created_at"),
                      Index("ix_external_tasks_instance", "instance_id"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[str] = mapped_column(ForeignKey("instances.id"))
    process: Mapped[str] = mapped_column(String(255))
    business_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    activity: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(255))
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # camunda:taskPriority
    state: Mapped[str] = mapped_column(String(12))  # open | completed | cancelled
    retries: Mapped[int | None] = mapped_column(Integer, nullable=True)
    retry_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    error_details: Mapped[str | None] = mapped_column(Text, nullable=True)  # a worker's stack trace, kept apart
    worker_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    lock_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
