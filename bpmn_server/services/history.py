"""The append-only audit history: recording events, and reading them back.

Nothing here (or anywhere) updates or deletes an event; the database refuses it too (models/event.py).
Reads are keyset-paginated by `seq`, which grows in commit order, so a reader that follows the cursor
never misses an event that commits after it read a page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select, tuple_

from models import Event, Instance, db, new_id, utcnow

from ..db import is_postgres
from ..jsonutil import iso
from . import history_search
from . import uow as units
from .pagination import Page, page_by_seq

COLUMNS = [Event.id, Event.seq, Event.at, Event.type, Event.instance_id, Event.process, Event.version,
           Event.activity, Event.task_id, Event.actor, Event.data]


def record(type_: str, actor: str, instance: Instance | None = None, *, activity: str | None = None,
           task_id: str | None = None, data: dict[str, Any] | None = None, process: str | None = None,
           version: int | None = None, at: dt.datetime | None = None, into: dict[str, Any] | None = None) -> None:
    """Queue an event; it is written in the same transaction as the change it describes.

    `at` is when it happened; on PostgreSQL the database raises it to the previous event's time
    when a concurrent transaction committed in between, so that `at` never decreases along `seq`.
    `into`: a place taken by `reserve` earlier, so that the event goes before what was recorded since."""
    # A plain row, not an ORM object: it is written by one Core INSERT at commit (services/uow.py).
    row = {
        "id": new_id(), "at": at or utcnow(), "type": type_,
        "instance_id": instance.id if instance is not None else None,
        "process": instance.process if instance is not None else process,
        "version": instance.version if instance is not None else version,
        "activity": activity, "task_id": task_id, "actor": actor, "data": data or {},
    }
    if into is not None:
        into.update(row)
    else:
        units.current().record(row)


def reserve() -> dict[str, Any]:
    """Take the next place in the history for an event recorded later with `record(..., into=place)`: the
    cause of a step (task.completed, timer.fired, message.correlated) goes before the step's own events.
    A place left unfilled writes nothing; one taken in a savepoint that rolls back goes with it."""
    return units.current().reserve()


def _first_seq_at_or_after(moment: dt.datetime) -> int | None:
    """The seq of the first event at or after `moment`: one probe of the (at, seq) index."""
    rows = _fetch(select(Event.seq).where(Event.at >= moment).order_by(Event.at, Event.seq).limit(1))
    return rows[0].seq if rows else None


def conditions(instance: str | None = None, process: str | None = None, type_: str | None = None,
               actor: str | None = None, from_: dt.datetime | None = None,
               to: dt.datetime | None = None, business_key: str | None = None, variable: str | None = None,
               value: str | None = None, comment: str | None = None) -> list[Any]:
    """WHERE clauses of a history query (see the index notes in models/event.py); the auditor's
    searches (business key, a variable's value, text in comments) are in services/history_search.py."""
    out: list[Any] = []
    history_search.validate(variable, value)
    if business_key:
        out.append(history_search.business_key_clause(business_key))
    if variable:
        out.append(history_search.variable_clause(variable, value))
    if comment:
        out.append(history_search.comment_clause(comment))
    for column, value in ((Event.instance_id, instance), (Event.process, process), (Event.type, type_),
                          (Event.actor, actor)):
        if value:
            out.append(column == value)
    if from_:
        out.append(Event.at >= from_)
    if to:
        out.append(Event.at < to)
    if (from_ or to) and is_postgres():
        # `at` is monotone in `seq` on PostgreSQL (a trigger keeps it so), so the time range is a seq
        # range, and the (filter, seq) index scan starts and stops at its ends. The `at` conditions
        # above stay: they keep the answer exact whatever the planner does with these.
        low = _first_seq_at_or_after(from_) if from_ else None
        if from_ and low is None:
            out.append(Event.seq > _max_seq())
        elif low is not None:
            out.append(Event.seq >= low)
        high = _first_seq_at_or_after(to) if to else None
        if high is not None:
            out.append(Event.seq < high)
    return out


def _max_seq() -> int:
    return _fetch(select(func.coalesce(func.max(Event.seq), 0).label("seq")))[0].seq


def list_events(limit: int, after: str | None = None, **filters: Any) -> Page:
    """Events oldest first, keyset-paginated by `seq`."""
    return page_by_seq(select(Event).where(*conditions(**filters)), Event.seq, limit, after)


def view(row: Any) -> dict[str, Any]:
    """An EVENT (CONTRACT.md) from a row of COLUMNS."""
    return {"id": row.id, "seq": row.seq, "at": iso(row.at), "type": row.type, "instance_id": row.instance_id,
            "process": row.process, "version": row.version, "activity": row.activity, "task_id": row.task_id,
            "actor": row.actor, "data": row.data if row.data is not None else {}}


def _fetch(query: Any) -> list[Any]:
    # A connection of its own per batch, returned at once: a long export holds no transaction open
    # (no lock, no old snapshot) while the client reads at its own pace.
    with db.engine.connect() as conn:
        return list(conn.execute(query).all())


def snapshot() -> int:
    """The newest seq now. Every event up to it has committed (seq follows commit order), so
    "seq <= snapshot" is a consistent cut that later commits do not change."""
    return _max_seq()


def scan(upto: int, batch: int = 1000, **filters: Any) -> Iterator[Any]:
    """Matching events up to seq `upto`, oldest first, in batches: memory stays flat."""
    where = conditions(**filters)
    last = 0
    while True:
        rows = _fetch(select(*COLUMNS).where(*where, Event.seq > last, Event.seq <= upto)
                      .order_by(Event.seq).limit(batch))
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1].seq


def scan_by_instance(upto: int, batch: int = 1000, **filters: Any) -> Iterator[Any]:
    """Matching events of instances up to seq `upto`, grouped by instance (by id), each instance's
    oldest first: keyset batches on the (process,) instance_id, seq index, so no sort and flat memory."""
    where = conditions(**filters) + [Event.instance_id.is_not(None), Event.seq <= upto]
    key = tuple_(Event.instance_id, Event.seq)
    last: tuple[str, int] | None = None
    while True:
        query = select(*COLUMNS).where(*where)
        if last is not None:
            query = query.where(key > tuple_(*last))
        rows = _fetch(query.order_by(Event.instance_id, Event.seq).limit(batch))
        yield from rows
        if len(rows) < batch:
            return
        last = (rows[-1].instance_id, rows[-1].seq)
