"""Batches: one action applied to many instances in the background (services/batches.py).

The items are the progress: each is `pending` until a chunk of the clock (services/batch_runner.py) has
run its instance's action, in the chunk's transaction, and recorded its outcome there. A restarted server
carries on with the items still pending; nothing is done twice."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import UTCDateTime, db, new_id, utcnow


class Batch(db.Model):
    __tablename__ = "batches"
    __table_args__ = (Index("ix_batches_status_created", "status", "created_at"),
                      Index("ix_batches_created", "created_at", "id"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    action: Mapped[str] = mapped_column(String(20))
    # What the action needs: reason, version (migrate), instructions and allow_end (modify).
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # How the instances were chosen: {"instances": N} for a selection, or the filter of the instance list.
    selection: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="running")
    total: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancelled_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class BatchItem(db.Model):
    """One instance of a batch and what happened to it: `problem` is the problem detail of an error."""

    __tablename__ = "batch_items"
    __table_args__ = (Index("ix_batch_items_batch_status", "batch_id", "status", "position"),)

    batch_id: Mapped[str] = mapped_column(String(36), ForeignKey("batches.id", ondelete="CASCADE"),
                                          primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    problem: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
