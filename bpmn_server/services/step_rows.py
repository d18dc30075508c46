"""The rows of a step, read and written cheaply: open tasks and waiting timers read ahead for many instances
at once (`prefetch`, taken once per instance by `known`), and a stored row written with one Core UPDATE of what
changed (`write`: an instance's guarded by its `revision`). Used by services/steps.py and services/timers.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, inspect, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from models import Instance, Task, Timer, db

from ..states import TaskStatus, TimerState
from . import uow as units

_UPDATES: dict[tuple[str, ...], Any] = {}  # UPDATE statements by table and the columns they set


def prefetch(instance_ids: list[str]) -> None:
    """Read the open task rows and the waiting timer rows of these (locked) instances with one query each,
    for their next step in this unit of work: a chunk of timer firings then costs two reads, not two each."""
    known = units.current().known
    for iid in instance_ids:
        known[("task", iid)], known[("timer", iid)] = [], []
    tasks = select(Task).where(Task.instance_id.in_(instance_ids), Task.status == TaskStatus.OPEN)
    for task in db.session.execute(tasks).scalars():
        known[("task", task.instance_id)].append(task)
    timers = select(Timer).where(Timer.instance_id.in_(instance_ids), Timer.state == TimerState.WAITING)
    for timer in db.session.execute(timers).scalars():
        known[("timer", timer.instance_id)].append(timer)


def known(kind: str, instance_id: str, query: Callable[[], Any]) -> list[Any]:
    """This instance's rows of `kind`, as read ahead by `prefetch` (once) or by `query()` now."""
    found = units.current().known.pop((kind, instance_id), None)
    return list(db.session.execute(query()).scalars()) if found is None else found


def write(row: Any) -> None:
    """Write what changed on a stored row (an instance, a timer) with one Core UPDATE, then mark it clean:
    the ORM's flush costs more than the statement itself, and a step writes its instance once. An instance's
    UPDATE is guarded by `revision` and raises it, as the ORM's version counter does. A no-op for a row not
    yet stored (`_insert` or the flush writes it) or one without changes."""
    state = inspect(row)
    if not state.persistent:
        return
    table = state.mapper.local_table
    versioned = table is Instance.__table__
    keys = tuple(sorted(k for k in state.committed_state if k in table.c and k not in ("id", "revision")))
    if not keys:
        return
    statement = _UPDATES.get((table.name, *keys))
    if statement is None:
        guard = table.c.id == bindparam("b_id")
        if versioned:
            guard = guard & (table.c.revision == bindparam("b_revision"))
        sets = {key: bindparam(key) for key in (*keys, "revision") if key != "revision" or versioned}
        statement = _UPDATES[(table.name, *keys)] = update(table).where(guard).values(sets)
    values = {key: getattr(row, key) for key in keys}
    params = {**values, "b_id": row.id}
    if versioned:
        values["revision"] = params["revision"] = row.revision + 1
        params["b_revision"] = row.revision
    done = db.session.connection().execute(statement, params)
    if done.rowcount != 1:
        raise StaleDataError(f"{table.name} row {row.id} was changed concurrently")
    if state.committed_state.keys() <= values.keys():
        # Nothing else pending on it: clean as after a flush, so that the next flush skips it. SQLAlchemy
        # offers no public call for this (set_committed_value leaves the row on the session's dirty list).
        state.dict.update(values)
        state._commit_all(state.dict, db.session.identity_map)  # noqa: SLF001
    else:
        for key, value in values.items():
            set_committed_value(row, key, value)
