from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import UTCDateTime, db, new_id, utcnow


class TaskFilter(db.Model):
    """A saved task-list filter (Camunda Tasklist's filters): its owner's, and shared with the members of
    one group when `shared_group` is set. `criteria` and `columns` are checked by the API's schema."""

    __tablename__ = "task_filters"
    __table_args__ = (Index("ix_task_filters_owner", "owner"), Index("ix_task_filters_group", "shared_group"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(200))
    shared_group: Mapped[str | None] = mapped_column(String(200), nullable=True)
    criteria: Mapped[dict] = mapped_column(JSON, default=dict)
    columns: Mapped[list] = mapped_column(JSON, default=list)
    sort: Mapped[str] = mapped_column(String(20), default="due")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
