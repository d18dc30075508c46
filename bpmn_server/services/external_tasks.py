"""External workers: fetch-and-lock with a lease, complete, report failures and BPMN errors, extend the lease.

A task row is leased by one atomic guarded UPDATE (`... WHERE lock_expires_at IS NULL OR
lock_expires_at <= now`), after `SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL and inside the
write transaction that SQLite serializes: two workers never hold the same task. An expired lease makes
the task fetchable again, and the old holder can no longer complete it (409).
Every function takes an optional `now` so that tests can move the clock instead of sleeping.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, or_, select, update

from models import ExternalTask, Instance, db, utcnow

from ..exceptions import Conflict, NotFound
from ..states import ExternalTaskState, InstanceStatus
from . import commands, history, incidents, steps
from . import uow as units
from .definitions import info
from .instances import check_variables, declare_types
from .tx import transactional


def view(row: ExternalTask, variables: dict[str, Any] | None, job: dict[str, Any] | None = None) -> dict[str, Any]:
    """The fetched-task representation of the contract (plus `worker_id`, `state`, `error_message`, and for a
    Camunda 8 job its `headers` and `job_retries`, engine/zeebe_config.py)."""
    return {"headers": (job or {}).get("headers", {}), "job_retries": (job or {}).get("retries"),
            "id": row.id, "topic": row.topic, "instance_id": row.instance_id, "process": row.process,
            "activity": row.activity, "business_key": row.business_key, "variables": variables or {},
            "retries": row.retries, "lock_expires_at": row.lock_expires_at, "worker_id": row.worker_id,
            "state": row.state, "error_message": row.error_message, "error_details": row.error_details,
            "priority": row.priority}


def _fetchable(now: dt.datetime) -> Any:
    return (ExternalTask.state == ExternalTaskState.OPEN,
            or_(ExternalTask.lock_expires_at.is_(None), ExternalTask.lock_expires_at <= now),
            or_(ExternalTask.retries.is_(None), ExternalTask.retries > 0),
            or_(ExternalTask.retry_at.is_(None), ExternalTask.retry_at <= now))


@transactional
def fetch_and_lock(worker_id: str, topics: list[dict[str, Any]], max_tasks: int,
                   now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Lease up to `max_tasks` open tasks of the topics to `worker_id`, highest camunda:taskPriority first,
    then oldest first."""
    now = now or utcnow()
    durations = {t["name"]: t["lock_duration_ms"] for t in topics}
    by_variables = any(t.get("process_variables") for t in topics)
    columns = (ExternalTask, Instance.variables) if by_variables else (ExternalTask,)  # the hot path reads less
    q = (select(*columns).join(Instance, Instance.id == ExternalTask.instance_id)
         .where(or_(*(_topic_clause(t) for t in topics)), Instance.status == InstanceStatus.RUNNING,
                *_fetchable(now))
         .order_by(ExternalTask.priority.desc(), ExternalTask.created_at, ExternalTask.id))
    # Process variables are matched here, not in SQL (JSON differs between the databases): no LIMIT then.
    q = (q if by_variables else q.limit(max_tasks)).with_for_update(skip_locked=True, of=ExternalTask)
    wanted = {t["name"]: t.get("process_variables") or {} for t in topics}
    leased: list[str] = []
    for found in db.session.execute(q).all():
        row, variables = found[0], (found[1] if by_variables else None) or {}
        if len(leased) >= max_tasks:
            break
        if any(variables.get(k, _MISSING) != v for k, v in wanted[row.topic].items()):
            continue
        until = now + dt.timedelta(milliseconds=durations[row.topic])
        done = db.session.execute(update(ExternalTask).where(ExternalTask.id == row.id, *_fetchable(now))
                                  .values(worker_id=worker_id, lock_expires_at=until)
                                  .execution_options(synchronize_session=False))
        if done.rowcount == 1:
            leased.append(row.id)
    if not leased:
        return []
    rows = db.session.execute(select(ExternalTask, Instance.variables, Instance.definition_id, Instance.variable_types)
                              .join(Instance, Instance.id == ExternalTask.instance_id)
                              .where(ExternalTask.id.in_(leased))
                              .order_by(ExternalTask.priority.desc(), ExternalTask.created_at, ExternalTask.id)
                              .execution_options(populate_existing=True)).all()
    return [{**view(row, variables, (info(definition_id).meta or {}).get("jobs", {}).get(row.activity)),
             "definition_id": definition_id, "variable_types": types or {}}
            for row, variables, definition_id, types in rows]


_MISSING = object()


def _topic_clause(topic: dict[str, Any]) -> Any:
    """A topic's tasks, narrowed by the filters Camunda workers send: business key, process definition keys and
    ids (one topic's filters apply to its tasks only)."""
    clause = [ExternalTask.topic == topic["name"]]
    if topic.get("business_key") is not None:
        clause.append(ExternalTask.business_key == topic["business_key"])
    if topic.get("process_keys"):
        clause.append(ExternalTask.process.in_(topic["process_keys"]))
    if topic.get("definition_ids"):
        clause.append(Instance.definition_id.in_(topic["definition_ids"]))
    return and_(*clause)


@transactional
def lock(task_id: str, worker_id: str, duration_ms: int, now: dt.datetime | None = None) -> dict[str, Any]:
    """Lease one task by id to `worker_id` (Camunda's lock); 409 when another worker holds it or it cannot run."""
    now = now or utcnow()
    row = db.session.execute(select(ExternalTask).where(ExternalTask.id == task_id)
                             .execution_options(populate_existing=True)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no external task with id '{task_id}'")
    if row.state != ExternalTaskState.OPEN:
        raise Conflict(f"the external task is {row.state}", state=row.state)
    if row.worker_id not in (None, worker_id) and row.lock_expires_at is not None and row.lock_expires_at > now:
        raise Conflict(f"the external task is locked by worker '{row.worker_id}'")
    if row.retries is not None and row.retries <= 0:
        raise Conflict("the external task has no retries left (an incident waits for a repair)")
    row.worker_id, row.lock_expires_at = worker_id, now + dt.timedelta(milliseconds=duration_ms)
    return view(row, db.session.get(Instance, row.instance_id).variables)


def get(task_id: str) -> dict[str, Any]:
    """One external task as the fetch shows it (404 when none)."""
    row = db.session.get(ExternalTask, task_id)
    if row is None:
        raise NotFound(f"no external task with id '{task_id}'")
    return view(row, None)


def _held(task_id: str, worker_id: str, now: dt.datetime) -> ExternalTask:
    """The task, which `worker_id` must hold with an unexpired lease (409 otherwise)."""
    row = db.session.execute(select(ExternalTask).where(ExternalTask.id == task_id)
                             .execution_options(populate_existing=True)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no external task with id '{task_id}'")
    if row.state != ExternalTaskState.OPEN:
        raise Conflict(f"the external task is {row.state}", state=row.state)
    if row.worker_id != worker_id or row.lock_expires_at is None or row.lock_expires_at <= now:
        raise Conflict(f"worker '{worker_id}' does not hold the lock on this task; fetch and lock it first")
    return row


def _locked_instance(row: ExternalTask) -> Instance:
    instance = steps.lock(row.instance_id)
    steps.require_status(instance, InstanceStatus.RUNNING)
    return instance


@transactional
def complete(task_id: str, worker_id: str, actor: str, variables: dict[str, Any] | None = None,
             now: dt.datetime | None = None, local: dict[str, Any] | None = None,
             types: dict[str, str] | None = None) -> dict[str, Any]:
    """Complete the task with the worker's variables; the same worker completing again is a no-op. `local`:
    variables of the activity only, for its output mapping (Camunda 7's localVariables). `types`: Camunda
    types declared for the variables (services/instances.py: `declare_types`)."""
    now = now or utcnow()
    variables = check_variables(variables or {})
    local = check_variables(local or {})
    row = db.session.get(ExternalTask, task_id)
    if row is not None and row.state == ExternalTaskState.COMPLETED and row.worker_id == worker_id:
        return view(row, db.session.get(Instance, row.instance_id).variables)
    row = _held(task_id, worker_id, now)
    instance = _locked_instance(row)
    declare_types(instance, types)
    commands.advance(units.current(), instance, commands.CompleteExternalTask(actor, task_id, variables, local))
    row.worker_id, row.lock_expires_at = worker_id, None
    history.record("external_task.completed", actor, instance, activity=row.activity, task_id=row.id,
                   data={"worker_id": worker_id, "topic": row.topic, "variables": variables,
                         **({"local_variables": local} if local else {})})
    return view(row, instance.variables)


@transactional
def failure(task_id: str, worker_id: str, actor: str, error: str, retries: int, retry_timeout_ms: int,
            now: dt.datetime | None = None, details: str | None = None) -> dict[str, Any]:
    """Report a failed attempt: the task comes back after the back-off; with no retries left, an incident.

    With camunda:failedJobRetryTimeCycle "R<n>/<duration>" on the task, the cycle decides instead of the
    worker, as for a Camunda job: n attempts in all, each retry after the duration."""
    now = now or utcnow()
    row = _held(task_id, worker_id, now)
    instance = steps.lock(row.instance_id)
    cycle = info(instance.definition_id).meta.get("retry_cycles", {}).get(row.activity)
    if cycle:
        retries = (row.retries if row.retries is not None else cycle["times"]) - 1
        retry_timeout_ms = int(cycle["seconds"] * 1000)
    row.retries, row.error_message, row.error_details = retries, error, details
    row.worker_id = row.lock_expires_at = None
    row.retry_at = now + dt.timedelta(milliseconds=retry_timeout_ms) if retry_timeout_ms else None
    history.record("external_task.failed", actor, instance, activity=row.activity, task_id=row.id,
                   data={"worker_id": worker_id, "error": error, "retries": retries,
                         "retry_timeout_ms": retry_timeout_ms})
    if retries <= 0:
        incidents.raise_incident(instance, actor, row.activity, "external-task",
                                 f"external task '{row.topic}' failed and has no retries left: {error}")
    return view(row, instance.variables)


@transactional
def bpmn_error(task_id: str, worker_id: str, actor: str, code: str, message: str | None,
               variables: dict[str, Any] | None = None, now: dt.datetime | None = None) -> dict[str, Any]:
    """The worker reports a business error: the error boundary event that catches `code` takes over.

    When no boundary event catches it, the task is parked with an incident instead of losing the token.
    """
    now = now or utcnow()
    variables = check_variables(variables or {})
    row = _held(task_id, worker_id, now)
    instance = _locked_instance(row)
    data = {"worker_id": worker_id, "code": code, "message": message, "variables": variables}
    caught = commands.advance(units.current(), instance, commands.ThrowError(
        actor, task_id, code, variables, message)).value
    history.record("external_task.bpmn_error", actor, instance, activity=row.activity, task_id=row.id,
                   data={**data, "caught": bool(caught)})
    if not caught:
        row.retries, row.error_message = 0, f"BPMN error {code}: {message or ''}".strip()
        row.worker_id = row.lock_expires_at = None
        incidents.raise_incident(instance, actor, row.activity, "bpmn-error",
                                 f"no boundary event catches BPMN error '{code}'" + (f": {message}" if message else ""))
    return view(row, instance.variables)


@transactional
def extend_lock(task_id: str, worker_id: str, new_duration_ms: int, now: dt.datetime | None = None) -> dict[str, Any]:
    """Extend the lease the worker holds to `now + new_duration_ms`."""
    now = now or utcnow()
    row = _held(task_id, worker_id, now)
    row.lock_expires_at = now + dt.timedelta(milliseconds=new_duration_ms)
    return view(row, db.session.get(Instance, row.instance_id).variables)


@transactional
def unlock(task_id: str) -> dict[str, Any]:
    """Release the lease, whoever holds it, so that any worker can fetch the task at once (Camunda's unlock)."""
    row = db.session.execute(select(ExternalTask).where(ExternalTask.id == task_id)
                             .execution_options(populate_existing=True)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no external task with id '{task_id}'")
    if row.state != ExternalTaskState.OPEN:
        raise Conflict(f"the external task is {row.state}", state=row.state)
    row.worker_id = row.lock_expires_at = None
    return view(row, db.session.get(Instance, row.instance_id).variables)


@transactional
def release_leases(worker_id: str) -> int:
    """Release every lease `worker_id` holds on open tasks (a worker going away), so that any worker can
    fetch them at once instead of after the leases run out. Returns how many."""
    done = db.session.execute(update(ExternalTask).where(ExternalTask.worker_id == worker_id,
                                                         ExternalTask.state == ExternalTaskState.OPEN,
                                                         ExternalTask.lock_expires_at.is_not(None))
                              .values(worker_id=None, lock_expires_at=None)
                              .execution_options(synchronize_session=False))
    return done.rowcount
