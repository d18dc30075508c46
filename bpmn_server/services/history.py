"""The append-only audit history: recording events, and reading them back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from models import Event, Instance, utcnow

from .pagination import Page, page_by_seq
from .tx import pending_events


def record(type_: str, actor: str, instance: Instance | None = None, *, activity: str | None = None,
           task_id: str | None = None, data: dict[str, Any] | None = None, process: str | None = None,
           version: int | None = None, at: dt.datetime | None = None) -> None:
    """Queue an event; it is written in the same transaction as the change it describes."""
    pending_events().append(Event(
        type=type_, actor=actor, at=at or utcnow(),
        instance_id=instance.id if instance is not None else None,
        process=instance.process if instance is not None else process,
        version=instance.version if instance is not None else version,
        activity=activity, task_id=task_id, data=data or {},
    ))


def _filtered(instance: str | None = None, process: str | None = None, type_: str | None = None,
              actor: str | None = None, from_: dt.datetime | None = None, to: dt.datetime | None = None) -> Any:
    q = select(Event)
    if instance:
        q = q.where(Event.instance_id == instance)
    if process:
        q = q.where(Event.process == process)
    if type_:
        q = q.where(Event.type == type_)
    if actor:
        q = q.where(Event.actor == actor)
    if from_:
        q = q.where(Event.at >= from_)
    if to:
        q = q.where(Event.at < to)
    return q


def list_events(limit: int, after: str | None = None, **filters: Any) -> Page:
    """Events oldest first, keyset-paginated by `seq`."""
    return page_by_seq(_filtered(**filters), Event.seq, limit, after)


def iter_events(batch: int = 1000, **filters: Any) -> Iterator[Event]:
    """Every matching event oldest first, read in batches so that memory stays flat."""
    from models import db

    last = 0
    while True:
        rows = db.session.execute(_filtered(**filters).where(Event.seq > last).order_by(Event.seq)
                                  .limit(batch)).scalars().all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        db.session.expunge_all()
