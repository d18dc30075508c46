"""SQLite: the engine's part of a chunk of timer firings, computed before the chunk's write transaction.

SQLite has one writer at a time. A chunk that ran its steps inside its write transaction held the lock
through all their engine work (restore, fire, run, encode), so two clocks fired one after the other. Here the
chunk's instances are read in a read transaction (no lock), each leased timer is fired and its workflow run in
memory and encoded. The chunk's write transaction (services/timers.py) then locks and re-reads everything as
before, and `commands.advance` writes a computed step only when its instance is still at the revision it was
computed from; otherwise (the instance changed meanwhile) it runs the step again under the lock. Nothing is
written here, so this can neither lose a firing nor make one happen twice.
"""

from __future__ import annotations

from sqlalchemy import select

from models import Instance, Timer, db

from ..states import InstanceStatus, TimerState
from . import ahead, commands, steps
from . import uow as units


def wanted() -> bool:
    """On SQLite only: PostgreSQL locks rows, not the database, so two clocks' chunks already run side by
    side there, and reading the instances twice would only add a round trip."""
    return bool(db.session.get_bind().dialect.name == "sqlite")


def compute(ids: list[str], owner: str) -> dict[str, steps.Computed]:
    """The steps of these leased timers (instance timers of running instances), by instance id."""
    rows = db.session.execute(
        select(Timer, Instance).join(Instance, Instance.id == Timer.instance_id)
        .where(Timer.id.in_(ids), Timer.state == TimerState.WAITING, Timer.locked_by == owner,
               Instance.status == InstanceStatus.RUNNING)).all()
    ready: dict[str, steps.Computed] = {}
    try:
        for timer, instance in rows:
            if instance.id in ready:
                continue  # its second timer fires after the first's step: computed under the lock
            done = ahead.compute(instance, commands.FireTimer("system", timer.task_id))
            if done is not None:
                ready[instance.id] = done
    finally:
        units.end_read()  # no snapshot held while the write transaction runs
    return ready
