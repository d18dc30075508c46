"""One step of an instance: lock, load, apply an input, run, derive facts, write everything.

Every state change of an instance goes through `advance` (or `begin` for a new one), so tasks,
timers, incidents and history are always derived the same way and in the same transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, inspect, select
from sqlalchemy.orm import make_transient_to_detached

from models import (
    Incident,
    Instance,
    Task,
    Timer,
    db,
    new_id,
    utcnow,
)

from .. import engine, logs, observability
from ..exceptions import Conflict, NotFound
from ..jsonutil import iso
from ..states import ENDED, InstanceStatus, TaskStatus, TimerState
from . import decision_tasks, history, step_rows, task_changes, waiting_rows
from . import uow as units
from .assignment import task_row
from .definitions import DefinitionInfo, info

Action = Callable[[Any], None]
_INSERT_INSTANCE = insert(Instance.__table__)
_INSTANCE_KEYS = [column.key for column in Instance.__table__.columns]


@dataclass
class Derived:
    """The rows a step left open (None: not known without reading them back)."""

    tasks: list[Task] | None
    incidents: list[Incident] | None


@dataclass
class StepResult:
    """What one step did, returned to its caller (services/commands.py `advance`): the command's value, the
    facts derived from the workflow, the open tasks and incidents when known without reading them back
    (None: not known), and what it threw for others (already in the unit of work's outbox)."""

    instance: Instance
    value: Any = None
    facts: engine.Facts | None = None
    tasks: list[Task] | None = None
    incidents: list[Incident] | None = None
    thrown: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    applied: bool = True  # False: the command found nothing to do and nothing was written

    def __getattr__(self, name: str) -> Any:
        # Services written when `advance` returned the facts read them from the result as before.
        if name.startswith("__") or self.facts is None:
            raise AttributeError(name)
        return getattr(self.facts, name)


def lock(instance_id: str) -> Instance:
    """Load an instance for writing: row-locked on PostgreSQL; `revision` guards it everywhere."""
    # populate_existing: this session may hold an older copy of the row from an earlier transaction.
    logs.bind_instance(instance_id)  # every log line of this step names the instance
    q = select(Instance).where(Instance.id == instance_id).execution_options(populate_existing=True)
    q = q.with_for_update()
    found = db.session.execute(q).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no process instance with id '{instance_id}'")
    return found


def require_status(instance: Instance, *allowed: str) -> None:
    if instance.status not in allowed:
        raise Conflict(f"the instance is {instance.status}; this needs it {' or '.join(allowed)}",
                       instance_status=instance.status)


def begin(definition: DefinitionInfo, variables: dict[str, Any], actor: str, business_key: str | None,
          start_event: str | None = None) -> Instance:
    """Create and run a new instance until every token waits (`start_event`: the timer start event
    that fired to start it; see services/timer_starts.py)."""
    return start(definition, variables, actor, business_key, start_event).instance


def start(definition: DefinitionInfo, variables: dict[str, Any], actor: str, business_key: str | None,
          start_event: str | None = None) -> StepResult:
    """`begin`, returning what the first step did."""
    wf = engine.start(definition.bundle, variables, start_event, initiator=actor)
    instance = Instance(id=new_id(), definition_id=definition.id, process=definition.key, version=definition.version,
                        business_key=business_key, status=InstanceStatus.RUNNING, variables={}, waiting=[], state="",
                        serializer_version=engine.SERIALIZER_VERSION, started_by=actor, revision=1,
                        started_at=utcnow(), ended_at=None, suspended_from=None)
    # Not added to the session: `persist` inserts it once its state is known (see `_insert`).
    logs.bind_instance(instance.id)
    history.record("instance.started", actor, instance, data={"variables": variables, "business_key": business_key})
    return run_step(instance, definition, wf, actor, None, engine.now_marker() - 1, new=True)


def advance(instance: Instance, actor: str, action: Callable[[Any], Any] | None) -> StepResult:
    """Apply `action` to the locked instance's workflow, run it, and persist the outcome. The result also
    reads as the step's `engine.Facts` (what this returned before commands: services/commands.py)."""
    definition = info(instance.definition_id)
    wf = engine.load(definition.bundle, instance.state)
    return run_step(instance, definition, wf, actor, action, engine.now_marker())


def workflow_of(instance: Instance) -> Any:
    return engine.load(info(instance.definition_id).bundle, instance.state)


@dataclass
class Computed:
    """The engine's part of a step (apply, run, derive, encode), apart from its writes: computed ahead, outside
    SQLite's write lock, it is written by `write_step` only if the instance is still at `revision`."""

    wf: Any
    value: Any
    failure: engine.StepFailed | None
    facts: engine.Facts
    thrown: list[tuple[str, str, dict[str, Any]]]
    state: str | None = None  # the encoded state; None: encoded when written
    revision: int = 0
    command: Any = None  # what was applied (services/commands.py compares it before using this)


def compute(instance: Instance, wf: Any, actor: str, action: Callable[[Any], Any] | None, since: float,
            encode: bool = False) -> Computed:
    """Apply `action` to the loaded workflow and run it: no row is read or written here, but for decisions."""
    failure: engine.StepFailed | None = None
    value = None
    started = time.perf_counter()
    engine.bind(wf, instance.id, instance.business_key)  # `execution` in its expressions
    try:
        with decision_tasks.stepping(instance, actor):  # business rule tasks record their events on it
            if action is not None:
                value = action(wf)
            engine.run(wf)
    except engine.StepFailed as exc:
        failure = exc
    observability.observe_step(instance.process, time.perf_counter() - started)
    facts = engine.derive(wf, since)
    thrown = engine.thrown_events(wf)  # taken out before the state is written: each is relayed once
    return Computed(wf, value, failure, facts, thrown, engine.dump(wf) if encode else None, instance.revision)


def run_step(instance: Instance, definition: DefinitionInfo, wf: Any, actor: str,
             action: Callable[[Any], Any] | None, since: float, new: bool = False) -> StepResult:
    """Apply, run, derive, persist: one step of a loaded workflow; the action's return value is the result's."""
    return write_step(instance, definition, compute(instance, wf, actor, action, since), actor, new)


def write_step(instance: Instance, definition: DefinitionInfo, done: Computed, actor: str,
               new: bool = False) -> StepResult:
    """Persist a computed step and put what it threw in the outbox."""
    derived = persist(instance, definition, done.wf, done.facts, actor, done.failure, new, done.state)
    uow = units.current()
    for kind, name, variables in done.thrown:  # delivered by services/relay.py before the unit of work commits
        uow.throw(kind, name, instance.id, instance.definition_id, actor, variables)
    return StepResult(instance, done.value, done.facts, derived.tasks, derived.incidents, done.thrown)


def persist(instance: Instance, definition: DefinitionInfo, wf: Any, facts: engine.Facts, actor: str,
            failure: engine.StepFailed | None, new: bool = False, state: str | None = None) -> Derived:
    """Write state and derived rows. `new`: the instance has no rows yet, so nothing to reconcile.
    Returns what the step knows to be open, so that the answer to the request need not read it back."""
    now = utcnow()
    # What the instance waited for before this step: timer and subscription rows exist only for those
    # (steps write both together), so without any there is nothing of that kind to read back.
    waited = set() if new else {w["type"] for w in instance.waiting or []}
    instance.state = engine.dump(wf) if state is None else state
    instance.variables = engine.plain(facts.variables)
    instance.waiting = [_waiting_json(w) for w in facts.waiting]
    units.current().begin_writes()  # a start computed the above without the write lock (services/tx.py)
    # Set before the reads below autoflush the row, so that it is written once. A completed workflow
    # has no open task, so deriving rows cannot fail it afterwards.
    # A cancel ends the workflow too; the cancel service marks the instance first, so it is no completion.
    completing = failure is None and facts.completed and instance.status not in ENDED
    if completing:
        instance.status, instance.ended_at = InstanceStatus.COMPLETED, now
    step_rows.write(instance)  # before the reads below, which would flush it through the ORM
    for task_id, activity in facts.finished.items():
        history.record("activity.completed", actor, instance, activity=activity, task_id=task_id)
    for task_id, activity in facts.compensated.items():  # its compensation handler has run
        history.record("activity.compensated", actor, instance, activity=activity, task_id=task_id)
    try:
        open_rows = _sync_tasks(instance, definition, facts, actor, now, new)
    except engine.StepFailed as exc:
        failure, open_rows = failure or exc, None
    _sync_timers(instance, facts, actor, "timer" not in waited)
    if new and (waiting_rows.subscribes(facts) or waiting_rows.has_external_tasks(definition.meta, facts)):
        _insert(instance)  # the new instance's row first: those rows refer to it
    waiting_rows.sync_subscriptions(instance, facts, not waited & {"message", "signal"})
    external_failure = waiting_rows.sync_external_tasks(instance, definition.meta, facts, new)
    failure = failure or external_failure  # a taskPriority expression that failed
    incident = _fail(instance, failure, actor, now) if failure is not None else None
    # A new instance has no incident but this step's; an older one may have earlier ones.
    derived = Derived(open_rows, ([incident] if incident else []) if new else None)
    if completing:
        history.record("instance.completed", actor, instance, data={"variables": instance.variables})
    if new:
        _insert(instance)
    known = units.current().known  # what was read ahead is stale once the step wrote its rows
    known.pop(("task", instance.id), None)
    known.pop(("timer", instance.id), None)
    db.session.flush()
    return derived


def _insert(instance: Instance) -> None:
    """Write a new instance's row with one Core INSERT (the ORM's unit of work costs more than the step's
    engine run), then attach the object as if loaded: later changes are guarded UPDATEs as usual.
    Called before anything that refers to the row is flushed; a no-op once done."""
    if not inspect(instance).transient:
        return
    db.session.connection().execute(_INSERT_INSTANCE, {key: getattr(instance, key) for key in _INSTANCE_KEYS})
    make_transient_to_detached(instance)
    db.session.add(instance)


def _waiting_json(w: engine.WaitingEvent) -> dict[str, Any]:
    item: dict[str, Any] = {"type": w.type, "activity": w.activity}
    if w.due_at is not None:
        item["due_at"] = iso(w.due_at)
    if w.name and w.type != "timer":
        item["name"] = w.name
    return item


def _fail(instance: Instance, failure: engine.StepFailed, actor: str, now: Any) -> Incident:
    instance.status = InstanceStatus.FAILED
    _insert(instance)  # a new instance's row first: the incident refers to it
    incident = Incident(instance_id=instance.id, process=instance.process, activity=failure.activity,
                        type=failure.kind, message=failure.message, created_at=now)
    db.session.add(incident)
    db.session.flush()
    history.record("instance.failed", actor, instance, activity=failure.activity,
                   data={"message": failure.message})
    history.record("incident.created", actor, instance, activity=failure.activity,
                   data={"incident_id": incident.id, "type": failure.kind, "message": failure.message})
    return incident


def _sync_tasks(instance: Instance, definition: DefinitionInfo, facts: engine.Facts, actor: str, now: Any,
                new: bool = False) -> list[Task]:
    """Create, complete and cancel task rows; returns the rows open after the step, oldest first."""
    rows = {} if new else {t.id: t for t in step_rows.known("task", instance.id, lambda: select(Task).where(
        Task.instance_id == instance.id, Task.status == TaskStatus.OPEN)) if t.status == TaskStatus.OPEN}
    open_ids = {item.id for item in facts.open_tasks}
    # Close what ended first, so that history reads "cancelled by the boundary event, then created".
    for task_id, row in rows.items():
        if task_id in open_ids:
            continue
        if task_id in facts.finished:
            row.status = TaskStatus.COMPLETED
            row.completed_at = row.completed_at or now
            row.completed_by = row.completed_by or actor
        else:
            row.status = TaskStatus.CANCELLED
            row.completed_at = now
            history.record("task.cancelled", actor, instance, activity=row.activity, task_id=row.id)
    failure: engine.StepFailed | None = None
    still_open = [row for task_id, row in rows.items() if task_id in open_ids]
    for item in facts.open_tasks:
        try:
            if item.id in rows:
                task_changes.onto_open(instance, rows[item.id], item.changes, actor, now)  # its listeners' changes
                continue
            row, candidates = task_row(instance, definition.meta, item, now)
            candidates = task_changes.onto_new(row, candidates, item.changes, now)
        except engine.StepFailed as exc:
            # One bad expression fails the instance; the other tasks are still derived, and the task
            # is created when a retry after the repair runs this again.
            failure = failure or exc
            continue
        db.session.add(row)
        db.session.add_all(candidates)
        still_open.append(row)
        history.record("task.created", actor, instance, activity=item.activity, task_id=item.id,
                       data={"name": row.name, "assignee": row.assignee,
                             "candidate_groups": row.candidate_groups, "candidate_users": row.candidate_users})
    if failure is not None:
        raise failure
    return sorted(still_open, key=lambda r: (r.created_at, r.id))  # as services/instances.py `open_tasks`


def _sync_timers(instance: Instance, facts: engine.Facts, actor: str, new: bool = False) -> None:
    # The timer firing now was marked fired before the step: a row read ahead still says waiting.
    found = [] if new else step_rows.known("timer", instance.id, lambda: select(Timer).where(
        Timer.instance_id == instance.id, Timer.state == TimerState.WAITING))
    rows = {(t.task_id, t.due_at): t for t in found if t.state == TimerState.WAITING}
    seen = set()
    for w in facts.waiting:
        if w.type != "timer" or w.due_at is None:
            continue
        key = (w.id, w.due_at)
        seen.add(key)
        if key in rows:
            continue
        timer = Timer(id=new_id(), instance_id=instance.id, task_id=w.id, process=instance.process,
                      activity=w.activity, kind=w.kind or "date", due_at=w.due_at, state=TimerState.WAITING)
        db.session.add(timer)
        history.record("timer.scheduled", actor, instance, activity=w.activity, task_id=w.id,
                       data={"timer_id": timer.id, "due_at": iso(timer.due_at),
                             "kind": timer.kind})
    for key, row in rows.items():
        if key not in seen:
            # Fired timers are marked by the timer service before this runs; what remains was
            # removed by the process itself (its activity finished, a boundary event was cancelled).
            row.state = TimerState.CANCELLED
