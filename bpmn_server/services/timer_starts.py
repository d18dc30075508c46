"""Timer start events: timers of a definition, not of an instance.

SpiffWorkflow would park a new instance at its timer start event and, for a cycle, add a path to
that same instance at each occurrence. BPMN (and Camunda) mean something else: each occurrence
starts a new instance. So the server keeps them as start timers, rows without an instance:

- Deploying a version schedules the first occurrence of each of its timer start events (their
  values, `${...}` included, are worked out at deploy: 422 if one cannot be) and cancels the start
  timers of the versions before it, as Camunda does.
- Firing one (the clock, or `POST /api/timers/{id}/fire`) starts an instance of that version at that
  start event, in the same transaction, and for a cycle schedules the next occurrence. Occurrences
  missed while no server ran are skipped: the overdue one fires once, then the schedule goes on.
- Starting such a process by hand starts it at once (see engine/timers.py `choose_start`).
"""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import select, update

from models import Definition, Timer, db, new_id, utcnow

from .. import engine
from ..states import TimerState
from . import commands, history
from . import definitions as compiled
from . import uow as units
from .firing import Fired, fired_event, iso, may_fire


def schedule(definitions: list[Definition], actor: str) -> None:
    """Called by `deployments.deploy`, in its transaction, with the versions it created."""
    now = utcnow()
    for definition in definitions:
        # A new version replaces the start timers of the older ones.
        db.session.execute(update(Timer).where(Timer.process == definition.key, Timer.instance_id.is_(None),
                                               Timer.definition_id != definition.id, Timer.state == TimerState.WAITING)
                           .values(state=TimerState.CANCELLED, locked_by=None, locked_until=None)
                           .execution_options(synchronize_session=False))
        bundle = compiled.info(definition.id).bundle
        for item in engine.start_schedules(bundle, now):
            _add(definition, item.activity, item.kind, item.due_at, item.repeat, item.interval, actor)


def _add(definition: Definition, activity: str, kind: str, due_at: dt.datetime, repeat: int,
         interval: float | None, actor: str) -> Timer:
    timer = Timer(id=new_id(), definition_id=definition.id, process=definition.key, activity=activity, kind=kind,
                  due_at=due_at, state=TimerState.WAITING, repeat=repeat, interval_seconds=interval)
    db.session.add(timer)
    history.record("timer.scheduled", actor, process=definition.key, version=definition.version, activity=activity,
                   data={"timer_id": timer.id, "due_at": iso(due_at), "kind": kind, "definition_id": definition.id,
                         "start_event": True})
    return timer


def _next(timer: Timer, now: dt.datetime) -> tuple[dt.datetime, int] | None:
    """The next occurrence of a cycle after `now`, and how many follow it; None when done."""
    if timer.kind == "cycle" and timer.repeat == -1 and not timer.interval_seconds:  # a cron cycle
        due = engine.next_cron_start(compiled.info(timer.definition_id).bundle, timer.activity,
                                     max(now, timer.due_at))
        return (due, -1) if due is not None else None
    if not timer.repeat or not timer.interval_seconds:
        return None
    late = (now - timer.due_at).total_seconds()
    steps_ahead = max(1, math.floor(late / timer.interval_seconds) + 1)
    if 0 <= timer.repeat < steps_ahead:
        return None
    left = timer.repeat - steps_ahead if timer.repeat > 0 else -1
    return timer.due_at + dt.timedelta(seconds=steps_ahead * timer.interval_seconds), left


def fire(timer: Timer, actor: str, owner: str | None, now: dt.datetime) -> Fired:
    """Start an instance for a start timer (called by `timers.fire`, in its transaction)."""
    q = select(Timer).where(Timer.id == timer.id).execution_options(populate_existing=True)
    q = q.with_for_update()  # the row lock orders concurrent firings; the state check decides
    timer = db.session.execute(q).scalar_one()
    if not may_fire(timer, owner):
        return Fired(False, None)
    definition = db.session.get(Definition, timer.definition_id)
    timer.state, timer.fired_at, timer.locked_until = TimerState.FIRED, now, None
    cause = history.reserve()
    instance = commands.start(units.current(), commands.Start(actor, compiled.info(definition.id),
                                                              start_event=timer.activity)).instance
    fired_event(timer, actor, instance, now, owner, cause)
    following = _next(timer, now)
    if following is not None:
        _add(definition, timer.activity, timer.kind, following[0], following[1], timer.interval_seconds, actor)
    return Fired(True, instance.id)
