"""Timers: claim due rows with a lease, fire each through the normal instance step.

`fire_due_timers(now)` is what the clock calls every second and what tests call with an injected
`now`. Claims are atomic in the database, so any number of processes may run it at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from typing import Any

from sqlalchemy import select, update

from models import Instance, Timer, db, utcnow

from .. import engine
from ..db import is_postgres
from ..exceptions import Conflict, NotFound
from . import history, steps
from .pagination import Page, page
from .tx import pending_events, transactional

log = logging.getLogger(__name__)
OWNER = f"{socket.gethostname()}:{os.getpid()}"


def _due(now: dt.datetime) -> Any:
    return (select(Timer.id).join(Instance, Instance.id == Timer.instance_id)
            .where(Timer.state == "waiting", Timer.due_at <= now, Instance.status == "running",
                   (Timer.locked_until.is_(None)) | (Timer.locked_until < now))
            .order_by(Timer.due_at))


@transactional
def claim_due(now: dt.datetime, owner: str, batch: int, lease_seconds: float) -> list[str]:
    """Lease up to `batch` due timers to `owner`. Expired leases (a crashed process) are taken over."""
    q = _due(now).limit(batch)
    if is_postgres():
        q = q.with_for_update(skip_locked=True, of=Timer)
    ids = list(db.session.execute(q).scalars())
    if not ids:
        return []
    until = now + dt.timedelta(seconds=lease_seconds)
    # On SQLite the whole transaction holds the write lock (BEGIN IMMEDIATE), on PostgreSQL the rows
    # are locked: either way the guard below can only fail for a row someone else leased first.
    result = db.session.execute(update(Timer).where(Timer.id.in_(ids), Timer.state == "waiting",
                                                    (Timer.locked_until.is_(None)) | (Timer.locked_until < now))
                                .values(locked_by=owner, locked_until=until)
                                .execution_options(synchronize_session=False))
    if result.rowcount != len(ids):
        ids = list(db.session.execute(select(Timer.id).where(Timer.id.in_(ids), Timer.locked_by == owner,
                                                             Timer.locked_until == until)).scalars())
    return ids


@transactional
def fire(timer_id: str, actor: str = "system", owner: str | None = None, now: dt.datetime | None = None) -> bool:
    """Fire one timer now. With `owner`, only if that owner still holds its lease. True if it fired."""
    now = now or utcnow()
    timer = db.session.get(Timer, timer_id)
    if timer is None:
        raise NotFound(f"no timer with id '{timer_id}'")
    instance = steps.lock(timer.instance_id)
    db.session.refresh(timer)
    if timer.state != "waiting" or (owner is not None and timer.locked_by != owner):
        if owner is None:
            raise Conflict(f"the timer is {timer.state}")
        return False
    if instance.status != "running":
        if owner is None:
            steps.require_status(instance, "running")
        timer.locked_by = timer.locked_until = None
        return False
    timer.state = "fired"
    timer.fired_at = now
    timer.locked_until = None
    mark = len(pending_events())
    fired: list[bool] = []
    steps.advance(instance, actor, lambda wf: fired.append(engine.fire_timer(wf, timer.task_id)))
    if not fired or not fired[0]:
        # Its activity finished meanwhile: nothing to fire.
        timer.state = "discarded"
        return False
    lag = (now - timer.due_at).total_seconds()
    history.record("timer.fired", actor, instance, activity=timer.activity, task_id=timer.task_id,
                   data={"timer_id": timer.id, "due_at": _iso(timer.due_at), "fired_at": _iso(now),
                         "lag_ms": round(lag * 1000)})
    # Put timer.fired before the events of the step it caused.
    events = pending_events()
    events.insert(mark, events.pop())
    return True


def fire_now(timer_id: str, actor: str) -> tuple[bool, str]:
    """Fire a timer on request (admin, analyst); 409 if it is not waiting or its instance is not running."""
    fired = fire(timer_id, actor=actor)
    return fired, db.session.get(Timer, timer_id).instance_id


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def fire_due_timers(now: dt.datetime | None = None, owner: str = OWNER, batch: int = 100,
                    lease_seconds: float = 60.0) -> int:
    """Fire every timer due at `now`; returns how many fired. Safe to run in many processes at once."""
    now = now or utcnow()
    total = 0
    while True:
        ids = claim_due(now, owner, batch, lease_seconds)
        for timer_id in ids:
            try:
                total += 1 if fire(timer_id, owner=owner, now=now) else 0
            except Conflict:
                # The instance changed under us (a concurrent step); the lease expires and it is retried.
                log.info("timer %s: instance changed concurrently, will retry", timer_id)
            except Exception:  # noqa: BLE001 - one bad timer must not stop the others
                log.exception("timer %s failed to fire", timer_id)
        if len(ids) < batch:
            return total


def next_due() -> dt.datetime | None:
    return db.session.execute(select(Timer.due_at).where(Timer.state == "waiting")
                              .order_by(Timer.due_at).limit(1)).scalar_one_or_none()


def list_timers(limit: int, after: str | None, due_before: dt.datetime | None = None,
                process: str | None = None) -> Page:
    q = select(Timer).where(Timer.state == "waiting")
    if due_before:
        q = q.where(Timer.due_at < due_before)
    if process:
        q = q.where(Timer.process == process)
    return page(q, [Timer.due_at, Timer.id], [dt.datetime, str], limit, after, descending=False)
