"""One step of an instance: lock, load, apply an input, run, derive facts, write everything.

Every state change of an instance goes through `advance` (or `begin` for a new one), so tasks,
timers, incidents and history are always derived the same way and in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from models import Incident, Instance, Task, Timer, db, new_id, utcnow

from .. import engine
from ..db import is_postgres
from ..exceptions import Conflict, NotFound
from . import history
from .assignment import task_row
from .deployments import DefinitionInfo, info

Action = Callable[[Any], None]


def lock(instance_id: str) -> Instance:
    """Load an instance for writing: row-locked on PostgreSQL; `revision` guards it everywhere."""
    # populate_existing: this session may hold an older copy of the row from an earlier transaction.
    q = select(Instance).where(Instance.id == instance_id).execution_options(populate_existing=True)
    if is_postgres():
        q = q.with_for_update()
    found = db.session.execute(q).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no process instance with id '{instance_id}'")
    return found


def require_status(instance: Instance, *allowed: str) -> None:
    if instance.status not in allowed:
        raise Conflict(f"the instance is {instance.status}; this needs it {' or '.join(allowed)}",
                       instance_status=instance.status)


def begin(definition: DefinitionInfo, variables: dict[str, Any], actor: str, business_key: str | None) -> Instance:
    """Create and run a new instance until every token waits."""
    wf = engine.start(definition.bundle, variables)
    instance = Instance(id=new_id(), definition_id=definition.id, process=definition.key, version=definition.version,
                        business_key=business_key, status="running", variables={}, waiting=[], state="",
                        serializer_version=engine.SERIALIZER_VERSION, started_by=actor)
    db.session.add(instance)
    history.record("instance.started", actor, instance, data={"variables": variables, "business_key": business_key})
    _run_and_persist(instance, definition, wf, actor, None, engine.now_marker() - 1, new=True)
    return instance


def advance(instance: Instance, actor: str, action: Action | None) -> engine.Facts:
    """Apply `action` to the locked instance's workflow, run it, and persist the outcome."""
    definition = info(instance.definition_id)
    wf = engine.load(definition.bundle, instance.state)
    return _run_and_persist(instance, definition, wf, actor, action, engine.now_marker())


def workflow_of(instance: Instance) -> Any:
    return engine.load(info(instance.definition_id).bundle, instance.state)


def _run_and_persist(instance: Instance, definition: DefinitionInfo, wf: Any, actor: str,
                     action: Action | None, since: float, new: bool = False) -> engine.Facts:
    failure: engine.StepFailed | None = None
    try:
        if action is not None:
            action(wf)
        engine.run(wf)
    except engine.StepFailed as exc:
        failure = exc
    facts = engine.derive(wf, since)
    persist(instance, definition, wf, facts, actor, failure, new)
    return facts


def persist(instance: Instance, definition: DefinitionInfo, wf: Any, facts: engine.Facts, actor: str,
            failure: engine.StepFailed | None, new: bool = False) -> None:
    """Write state and derived rows. `new`: the instance has no rows yet, so nothing to reconcile."""
    now = utcnow()
    instance.state = engine.dump(wf)
    instance.variables = engine.plain(facts.variables)
    instance.waiting = [_waiting_json(w) for w in facts.waiting]
    for task_id, activity in facts.finished.items():
        history.record("activity.completed", actor, instance, activity=activity, task_id=task_id)
    try:
        _sync_tasks(instance, definition, facts, actor, now, new)
    except engine.StepFailed as exc:
        failure = failure or exc
    _sync_timers(instance, facts, actor, new)
    if failure is not None:
        _fail(instance, failure, actor, now)
    elif facts.completed and instance.status != "completed":
        instance.status = "completed"
        instance.ended_at = now
        history.record("instance.completed", actor, instance, data={"variables": instance.variables})
    db.session.flush()


def _waiting_json(w: engine.WaitingEvent) -> dict[str, Any]:
    item: dict[str, Any] = {"type": w.type, "activity": w.activity}
    if w.due_at is not None:
        item["due_at"] = w.due_at.isoformat().replace("+00:00", "Z")
    if w.name and w.type != "timer":
        item["name"] = w.name
    return item


def _fail(instance: Instance, failure: engine.StepFailed, actor: str, now: Any) -> None:
    instance.status = "failed"
    incident = Incident(instance_id=instance.id, process=instance.process, activity=failure.activity,
                        type=failure.kind, message=failure.message, created_at=now)
    db.session.add(incident)
    db.session.flush()
    history.record("instance.failed", actor, instance, activity=failure.activity,
                   data={"message": failure.message})
    history.record("incident.created", actor, instance, activity=failure.activity,
                   data={"incident_id": incident.id, "type": failure.kind, "message": failure.message})


def _sync_tasks(instance: Instance, definition: DefinitionInfo, facts: engine.Facts, actor: str, now: Any,
                new: bool = False) -> None:
    rows = {} if new else {t.id: t for t in db.session.execute(
        select(Task).where(Task.instance_id == instance.id, Task.status == "open")).scalars()}
    open_ids = set()
    for item in facts.open_tasks:
        open_ids.add(item.id)
        if item.id in rows:
            continue
        row, candidates = task_row(instance, definition.meta, item, now)
        db.session.add(row)
        db.session.add_all(candidates)
        history.record("task.created", actor, instance, activity=item.activity, task_id=item.id,
                       data={"name": row.name, "assignee": row.assignee,
                             "candidate_groups": row.candidate_groups, "candidate_users": row.candidate_users})
    for task_id, row in rows.items():
        if task_id in open_ids:
            continue
        if task_id in facts.finished:
            row.status = "completed"
            row.completed_at = row.completed_at or now
            row.completed_by = row.completed_by or actor
        else:
            row.status = "cancelled"
            row.completed_at = now
            history.record("task.cancelled", actor, instance, activity=row.activity, task_id=row.id)


def _sync_timers(instance: Instance, facts: engine.Facts, actor: str, new: bool = False) -> None:
    rows = {} if new else {(t.task_id, t.due_at): t for t in db.session.execute(
        select(Timer).where(Timer.instance_id == instance.id, Timer.state == "waiting")).scalars()}
    seen = set()
    for w in facts.waiting:
        if w.type != "timer" or w.due_at is None:
            continue
        key = (w.id, w.due_at)
        seen.add(key)
        if key in rows:
            continue
        timer = Timer(id=new_id(), instance_id=instance.id, task_id=w.id, process=instance.process,
                      activity=w.activity, kind=w.kind or "date", due_at=w.due_at, state="waiting")
        db.session.add(timer)
        history.record("timer.scheduled", actor, instance, activity=w.activity, task_id=w.id,
                       data={"timer_id": timer.id, "due_at": timer.due_at.isoformat().replace("+00:00", "Z"),
                             "kind": timer.kind})
    for key, row in rows.items():
        if key not in seen:
            # Fired timers are marked by the timer service before this runs; what remains was
            # removed by the process itself (its activity finished, a boundary event was cancelled).
            row.state = "cancelled"
