"""Timers: claim due rows with a lease, fire each through the normal instance step.

`fire_due_timers(now)` is what the clock (scheduler.py) calls and what tests call with an injected
`now`. A claim is one atomic statement in the database (`FOR UPDATE SKIP LOCKED` on PostgreSQL; on
SQLite the claiming transaction holds the write lock), so any number of processes may run it at once:
each timer is leased to one of them, and fired under its instance's lock only while still waiting
and leased to that process. A lease that expires (its process crashed) is taken over.

The clock fires its leased timers a chunk per transaction (one commit for many firings), each timer
in a savepoint: one that fails is rolled back alone, with its history events, and tried again later.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable
from typing import Any

from sqlalchemy import or_, select, update

from models import Instance, Timer, db, utcnow

from .. import logs
from ..exceptions import BpmnServerError, NotFound
from ..states import ENDED, InstanceStatus, TimerState
from . import commands, history, step_rows, steps, timer_starts, timers_ahead
from . import uow as units
from .firing import Fired, fired_event, may_fire
from .pagination import Page, page
from .tx import transactional

log = logging.getLogger(__name__)
RETRY_SECONDS = 5.0  # a timer whose firing failed is tried again after this long
# Timers fired per transaction: one commit (and one history insert) for many firings, while the
# instance locks held until that commit stay short.
CHUNK = 50


def owner_id() -> str:
    """This process, as a lease owner. Computed per call: a forked worker must not inherit its parent's."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _due(now: dt.datetime) -> Any:
    # Start timers have no instance. Suspended and failed instances keep their timers until resumed
    # or retried; those of ended instances are claimed only to be discarded. Soonest first, in the
    # order of the (state, due_at) index: a tie-break on id would sort every timer due at the same
    # moment (10,000 of them in a burst) on each claim, instead of reading the index up to the limit.
    return (select(Timer.id).outerjoin(Instance, Instance.id == Timer.instance_id)
            .where(Timer.state == TimerState.WAITING, Timer.due_at <= now,
                   or_(Timer.instance_id.is_(None),
                       Instance.status.not_in((InstanceStatus.SUSPENDED, InstanceStatus.FAILED))),
                   or_(Timer.locked_until.is_(None), Timer.locked_until < now))
            .order_by(Timer.due_at))


@transactional
def claim_due(now: dt.datetime, owner: str, batch: int, lease_seconds: float) -> list[str]:
    """Lease up to `batch` due timers to `owner`. Expired leases (a crashed process) are taken over."""
    q = _due(now).limit(batch)
    q = q.with_for_update(skip_locked=True, of=Timer)
    ids = list(db.session.execute(q).scalars())
    if not ids:
        return []
    until = now + dt.timedelta(seconds=lease_seconds)
    # On SQLite the whole transaction holds the write lock (BEGIN IMMEDIATE), on PostgreSQL the rows
    # are locked: either way the guard below can only fail for a row someone else leased first.
    result = db.session.execute(update(Timer).where(Timer.id.in_(ids), Timer.state == TimerState.WAITING,
                                                    (Timer.locked_until.is_(None)) | (Timer.locked_until < now))
                                .values(locked_by=owner, locked_until=until)
                                .execution_options(synchronize_session=False))
    if result.rowcount != len(ids):
        ids = list(db.session.execute(select(Timer.id).where(Timer.id.in_(ids), Timer.locked_by == owner,
                                                             Timer.locked_until == until)).scalars())
    return ids


def _fire_locked(timer: Timer, instance: Instance, actor: str, owner: str | None, now: dt.datetime) -> Fired:
    """Fire `timer` of `instance`, both read after the instance was locked in this transaction."""
    logs.bind_instance(instance.id)
    if not may_fire(timer, owner):
        return Fired(False, instance.id)
    if instance.status != InstanceStatus.RUNNING:
        if owner is None:
            steps.require_status(instance, InstanceStatus.RUNNING)
        if instance.status in ENDED:
            timer.state = TimerState.DISCARDED
        timer.locked_by = timer.locked_until = None
        return Fired(False, instance.id)
    # Marked before the step, so that deriving the step's timers does not see it waiting.
    timer.state, timer.fired_at, timer.locked_until = TimerState.FIRED, now, None
    step_rows.write(timer)  # one Core UPDATE, not the ORM's flush
    cause = history.reserve()
    if not commands.advance(units.current(), instance, commands.FireTimer(actor, timer.task_id)).applied:
        # Its activity finished meanwhile (the row is stale): nothing to fire, the instance is untouched.
        timer.state, timer.fired_at, timer.locked_by = TimerState.DISCARDED, None, None
        step_rows.write(timer)
        log.info("timer %s discarded: %s no longer waits for it", timer.id, timer.activity)
        return Fired(False, instance.id)
    fired_event(timer, actor, instance, now, owner, cause)
    return Fired(True, instance.id)


def _fire_start(timer: Timer, actor: str, owner: str | None, now: dt.datetime) -> Fired:
    return timer_starts.fire(timer, actor, owner, now)


@transactional
def fire(timer_id: str, actor: str = "system", owner: str | None = None, now: dt.datetime | None = None) -> Fired:
    """Fire one timer now. With `owner` (the clock) only while that owner holds its lease; without
    (a request) 409 unless it is waiting and its instance running."""
    now = now or utcnow()
    timer = db.session.get(Timer, timer_id)
    if timer is None:
        raise NotFound(f"no timer with id '{timer_id}'")
    if timer.instance_id is None:
        return _fire_start(timer, actor, owner, now)
    instance = steps.lock(timer.instance_id)
    db.session.refresh(timer)
    return _fire_locked(timer, instance, actor, owner, now)


def fire_now(timer_id: str, actor: str) -> Fired:
    """Fire a timer on request (admin, analyst); 409 if it is not waiting or its instance is not running."""
    return fire(timer_id, actor=actor)


def _lock_chunk(ids: list[str]) -> tuple[dict[str, Timer], dict[str, Instance]]:
    """Lock the instances of these timers (one statement, in id order: two clocks locking overlapping
    chunks cannot deadlock), then read the timers: instance before timer, as every step does."""
    q = (select(Instance).where(Instance.id.in_(select(Timer.instance_id).where(Timer.id.in_(ids))))
         .order_by(Instance.id).execution_options(populate_existing=True))
    q = q.with_for_update(of=Instance)
    instances = {i.id: i for i in db.session.execute(q).scalars()}
    timers = db.session.execute(select(Timer).where(Timer.id.in_(ids))
                                .execution_options(populate_existing=True)).scalars()
    step_rows.prefetch(list(instances))  # their open tasks and waiting timers: two reads, not two per firing
    return {t.id: t for t in timers}, instances


@transactional
def _fire_chunk(ids: list[str], owner: str, now: dt.datetime | None,
                ready: dict[str, steps.Computed] | None = None) -> tuple[int, list[str]]:
    """Fire leased timers in one transaction, each in a savepoint: a timer that fails is rolled back
    alone (with its history events) and backed off, the others commit. Returns (fired, failed ids).
    `ready`: steps computed ahead (timers_ahead.py), written where their instance's revision is unchanged;
    taken from the dict as used, so that a unit of work run again computes those afresh."""
    if ready:
        units.current().prepared = ready
    timers, instances = _lock_chunk(ids)
    fired, failed = 0, []
    for timer_id in ids:
        timer = timers.get(timer_id)
        if timer is None:
            continue
        try:
            with units.current().savepoint():  # what a failed step recorded or threw goes with it
                at = now or utcnow()
                if timer.instance_id is None:
                    done = _fire_start(timer, "system", owner, at)
                else:
                    done = _fire_locked(timer, instance=instances[timer.instance_id], actor="system", owner=owner,
                                        now=at)
        except Exception as exc:  # noqa: BLE001 - one bad timer must not stop the others
            _log_failure(timer_id, exc)
            failed.append(timer_id)
            continue
        fired += done.fired
    if failed:
        _back_off(failed, owner, (now or utcnow()) + dt.timedelta(seconds=RETRY_SECONDS))
    return fired, failed


def _log_failure(timer_id: str, exc: Exception) -> None:
    if isinstance(exc, BpmnServerError):
        log.info("timer %s not fired (%s); retrying in %.0f s", timer_id, exc.detail, RETRY_SECONDS)
    else:
        log.error("timer %s failed to fire; retrying in %.0f s", timer_id, RETRY_SECONDS, exc_info=exc)


@transactional
def _back_off(timer_ids: list[str], owner: str, until: dt.datetime) -> None:
    db.session.execute(update(Timer).where(Timer.id.in_(timer_ids), Timer.locked_by == owner,
                                           Timer.state == TimerState.WAITING)
                       .values(locked_until=until).execution_options(synchronize_session=False))


def _fire_one_by_one(ids: list[str], owner: str, now: dt.datetime | None) -> int:
    """The fallback when a chunk's transaction fails as a whole: each timer in its own transaction."""
    fired = 0
    for timer_id in ids:
        try:
            fired += 1 if fire(timer_id, owner=owner, now=now).fired else 0
        except Exception as exc:  # noqa: BLE001 - one bad timer must not stop the others
            _log_failure(timer_id, exc)
            try:
                _back_off([timer_id], owner, (now or utcnow()) + dt.timedelta(seconds=RETRY_SECONDS))
            except Exception:  # noqa: BLE001 - the lease then simply runs out
                log.warning("timer %s: could not shorten its lease", timer_id, exc_info=True)
    return fired


def fire_due_timers(now: dt.datetime | None = None, owner: str | None = None, batch: int = 100,
                    lease_seconds: float = 60.0, chunk: int = CHUNK,
                    keep_going: Callable[[], bool] | None = None) -> int:
    """Fire every timer due at `now` (default: the wall clock, read afresh for every claim and every
    firing, so that lags are true); returns how many fired. Safe to run in many processes at once.

    Leases `batch` timers at a time and fires them `chunk` per transaction. `keep_going` (the clock
    stopping) is asked before each chunk; the leases of what is left are then given back."""
    owner = owner or owner_id()
    total = 0
    # SQLite: each chunk's engine work runs before its write transaction; not inside a caller's unit of
    # work, whose transaction the read ahead would end.
    ahead = timers_ahead.wanted() and units.active() is None
    while True:
        # On SQLite, each of these transactions waits its turn in the writers' queue (sqlite_writers.py).
        ids = claim_due(now or utcnow(), owner, batch, lease_seconds)
        for start in range(0, len(ids), chunk):
            part = ids[start:start + chunk]
            if keep_going is not None and not keep_going():
                release_leases(owner, ids[start:])
                return total
            try:
                ready = timers_ahead.compute(part, owner) if ahead else None
                total += _fire_chunk(part, owner, now, ready)[0]
            except Exception:  # noqa: BLE001 - e.g. the commit failed: retry each timer on its own
                log.warning("a chunk of %d timers failed; firing them one by one", len(part), exc_info=True)
                total += _fire_one_by_one(part, owner, now)
        if len(ids) < batch:
            return total


def next_due(after: dt.datetime) -> dt.datetime | None:
    """The due time of the next waiting timer after `after` (the clock sets a wake-up for it)."""
    return db.session.execute(select(Timer.due_at).where(Timer.state == TimerState.WAITING, Timer.due_at > after)
                              .order_by(Timer.due_at).limit(1)).scalar_one_or_none()


def list_timers(limit: int, after: str | None, due_before: dt.datetime | None = None,
                process: str | None = None) -> Page:
    """Waiting timers, soonest first: instance timers and the start timers of definitions."""
    q = select(Timer).where(Timer.state == TimerState.WAITING)
    if due_before:
        q = q.where(Timer.due_at < due_before)
    if process:
        q = q.where(Timer.process == process)
    return page(q, [Timer.due_at, Timer.id], [dt.datetime, str], limit, after, descending=False)


@transactional
def release_leases(owner: str, timer_ids: list[str] | None = None) -> int:
    """Give up the leases `owner` holds on waiting timers (all, or these), so that another process's
    clock claims them at once instead of after the lease runs out (a process stopping). Returns how many."""
    q = update(Timer).where(Timer.locked_by == owner, Timer.state == TimerState.WAITING)
    if timer_ids is not None:
        q = q.where(Timer.id.in_(timer_ids))
    done = db.session.execute(q.values(locked_by=None, locked_until=None).execution_options(synchronize_session=False))
    return done.rowcount
