from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import UTCDateTime, db, new_id


class Timer(db.Model):
    """A timer: the durable truth of the clock. Claimed with a lease before it fires.

    An instance timer (`instance_id` set) is derived from the engine in every step of its instance;
    each occurrence of a cycle is a row of its own. A start timer (`instance_id` NULL, `definition_id`
    set) belongs to a definition: it is created at deploy, and firing it starts an instance.
    """

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_state_due", "state", "due_at"),
                      Index("ix_timers_instance", "instance_id"),
                      Index("ix_timers_definition", "definition_id"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    instance_id: Mapped[str | None] = mapped_column(ForeignKey("instances.id"), nullable=True)
    definition_id: Mapped[str | None] = mapped_column(ForeignKey("definitions.id"), nullable=True)
    task_id: Mapped[str | None] = mapped_column(String(36), nullable=True)  # the SpiffWorkflow task waiting
    process: Mapped[str] = mapped_column(String(255))
    activity: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(10))  # date | duration | cycle
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(12))  # waiting | fired | cancelled | discarded
    locked_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    fired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Start timers with a cycle: occurrences still to come after this one (-1: for ever), and every how long.
    repeat: Mapped[int | None] = mapped_column(Integer, nullable=True)
    interval_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
