"""History retention: an operator's policy (off by default) that removes instances ended long ago.

With BPMN_SERVER_HISTORY_RETENTION_DAYS=N the clock prunes once an hour, and `bpmn-server history prune`
on demand: every instance that ended (completed or cancelled) more than N days ago goes, with its
history events and its task, timer, incident, subscription and external-task rows. Running, suspended
and failed instances, and everything that ended more recently, stay. It works in batches of instances,
one transaction each, so that it never holds locks for long.

No route deletes an event (the contract): the events table refuses deletes with a trigger. A batch
lifts that guard inside its own transaction only (PostgreSQL: ALTER TABLE ... DISABLE TRIGGER, which
locks the table until commit; SQLite: the trigger is dropped and created again before commit), so no
other transaction ever sees the table unguarded.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, text

from models import (
    CorrelationKey,
    Definition,
    Event,
    ExternalTask,
    Incident,
    Instance,
    Subscription,
    Task,
    TaskCandidate,
    Timer,
    db,
    utcnow,
)

from ..db import is_postgres
from ..states import ENDED
from . import uow as units
from .tx import transactional

log = logging.getLogger(__name__)
BATCH = 500
# Rows that belong to an instance, deleted before it (foreign keys). Task candidates go with their tasks.
_CHILDREN = (Task, Timer, Incident, Subscription, CorrelationKey, ExternalTask)


@dataclass
class Pruned:
    instances: int
    events: int
    cutoff: dt.datetime
    dry_run: bool = False


def cutoff_for(days: float, now: dt.datetime | None = None) -> dt.datetime:
    return (now or utcnow()) - dt.timedelta(days=days)


def _due(cutoff: dt.datetime, definitions: list[str] | None = None) -> Any:
    """Ended before `cutoff`; of `definitions` only, or (None) of those without their own time to live."""
    scope = Instance.definition_id.in_(definitions) if definitions is not None \
        else Instance.definition_id.not_in(list(own_time_to_live()))
    return (Instance.status.in_(ENDED), Instance.ended_at.is_not(None), Instance.ended_at < cutoff, scope)


def own_time_to_live() -> dict[str, int]:
    """{definition id: days} of the definitions whose process sets camunda:historyTimeToLive."""
    rows = db.session.execute(select(Definition.id, Definition.meta)).all()
    return {d: meta["history_time_to_live"] for d, meta in rows
            if isinstance(meta, dict) and meta.get("history_time_to_live") is not None}


def count_due(cutoff: dt.datetime) -> Pruned:
    """What a prune at `cutoff` would remove (a dry run)."""
    ids = select(Instance.id).where(*_due(cutoff))
    instances = db.session.execute(select(func.count()).select_from(ids.subquery())).scalar_one()
    events = db.session.execute(select(func.count()).select_from(Event).where(Event.instance_id.in_(ids))
                                ).scalar_one()
    units.end_read()
    return Pruned(instances, events, cutoff, dry_run=True)


def _unguarded_delete_events(ids: list[str]) -> int:
    """Delete the events of `ids`, lifting the append-only trigger for this transaction only."""
    where = Event.instance_id.in_(ids)
    if is_postgres():
        db.session.execute(text("ALTER TABLE events DISABLE TRIGGER events_append_only"))
        removed = db.session.execute(delete(Event).where(where).execution_options(synchronize_session=False))
        db.session.execute(text("ALTER TABLE events ENABLE TRIGGER events_append_only"))
        return removed.rowcount
    found = db.session.execute(text("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                                    "AND name = 'events_no_delete'")).scalar_one_or_none()
    if found:
        db.session.execute(text("DROP TRIGGER events_no_delete"))
    removed = db.session.execute(delete(Event).where(where).execution_options(synchronize_session=False))
    if found:
        db.session.execute(text(found))
    return removed.rowcount


@transactional
def prune_batch(cutoff: dt.datetime, batch: int = BATCH, definitions: list[str] | None = None) -> Pruned:
    """Remove up to `batch` instances ended before `cutoff`, with their rows and events (one transaction);
    `definitions`: of those definitions only (their own camunda:historyTimeToLive)."""
    q = select(Instance.id).where(*_due(cutoff, definitions)).order_by(Instance.ended_at, Instance.id).limit(batch)
    q = q.with_for_update(skip_locked=True)  # another process pruning at once takes other instances
    ids = list(db.session.execute(q).scalars())
    if not ids:
        return Pruned(0, 0, cutoff)
    events = _unguarded_delete_events(ids)
    task_ids = select(Task.id).where(Task.instance_id.in_(ids))
    db.session.execute(delete(TaskCandidate).where(TaskCandidate.task_id.in_(task_ids))
                       .execution_options(synchronize_session=False))
    for model in _CHILDREN:
        db.session.execute(delete(model).where(model.instance_id.in_(ids)).execution_options(synchronize_session=False))
    db.session.execute(delete(Instance).where(Instance.id.in_(ids)).execution_options(synchronize_session=False))
    return Pruned(len(ids), events, cutoff)


def prune(days: float, now: dt.datetime | None = None, batch: int = BATCH, dry_run: bool = False,
          keep_going: Callable[[], bool] | None = None) -> Pruned:
    """Remove every instance that ended more than `days` days before `now`, batch by batch, and log it.

    `keep_going` is asked between batches (the clock stops a long prune when the server shuts down).
    """
    if days <= 0:
        raise ValueError("the retention must be a positive number of days")
    cutoff = cutoff_for(days, now)
    if dry_run:
        result = count_due(cutoff)
        log.info("history retention (dry run): %d instances and %d events ended before %s would be removed",
                 result.instances, result.events, cutoff.isoformat())
        return result
    total = Pruned(0, 0, cutoff)
    while keep_going is None or keep_going():
        done = prune_batch(cutoff, batch)
        total.instances += done.instances
        total.events += done.events
        if done.instances:
            log.info("history retention: removed %d instances and %d events ended before %s",
                     done.instances, done.events, cutoff.isoformat())
        if done.instances < batch:
            break
    log.info("history retention: %d instances and %d events removed in all (ended before %s)",
             total.instances, total.events, cutoff.isoformat())
    return total


def prune_by_process(now: dt.datetime | None = None, batch: int = BATCH,
                     keep_going: Callable[[], bool] | None = None) -> Pruned:
    """Remove ended instances of definitions with camunda:historyTimeToLive (days) once that time has passed,
    whatever the global policy: the process's own setting wins, as in Camunda."""
    now = now or utcnow()
    total = Pruned(0, 0, now)
    ttl = own_time_to_live()
    units.end_read()
    by_days: dict[int, list[str]] = {}
    for definition_id, days in ttl.items():
        by_days.setdefault(days, []).append(definition_id)
    for days, ids in sorted(by_days.items()):
        cutoff = cutoff_for(days, now)
        while keep_going is None or keep_going():
            done = prune_batch(cutoff, batch, ids)
            total.instances += done.instances
            total.events += done.events
            if done.instances < batch:
                break
    if total.instances:
        log.info("history time to live: %d instances and %d events removed", total.instances, total.events)
    return total
