"""The task list: who sees which user task, and claim, unclaim, assign, complete."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, exists, or_, select, update

from models import Instance, Task, TaskCandidate, User, db, utcnow

from .. import engine
from ..exceptions import Conflict, Forbidden, Invalid, NotFound
from . import forms, history, steps
from .instances import check_variables
from .pagination import Page, page
from .tx import transactional

READ_ALL = ("admin", "analyst", "auditor")


def _candidate_clause(user: User) -> Any:
    cand = exists().where(TaskCandidate.task_id == Task.id).where(or_(
        and_(TaskCandidate.kind == "group", TaskCandidate.value.in_(user.groups or ["\x00"])),
        and_(TaskCandidate.kind == "user", TaskCandidate.value == user.name)))
    return or_(Task.assignee == user.name, and_(Task.assignee.is_(None), or_(Task.open_to_all, cand)))


def may_act(user: User, task: Task) -> bool:
    """Operators act on tasks assigned to them or offered to them; admins on every task."""
    if user.role == "admin":
        return True
    if user.role != "operator":
        return False
    if task.assignee is not None:
        return task.assignee == user.name
    return (task.open_to_all or user.name in (task.candidate_users or [])
            or bool(set(task.candidate_groups or []) & set(user.groups or [])))


def list_tasks(user: User, limit: int, after: str | None, assignee: str | None = None,
               candidate_group: str | None = None, process: str | None = None, instance: str | None = None,
               status: str | None = "open", due_before: dt.datetime | None = None) -> Page:
    q = select(Task)
    if status:
        if status not in ("open", "completed", "cancelled"):
            raise Invalid("status must be open, completed or cancelled",
                          errors=[{"field": "status", "message": "unknown status"}])
        q = q.where(Task.status == status)
    if user.role == "operator":
        q = q.where(_candidate_clause(user))
    if assignee:
        q = q.where(Task.assignee == (user.name if assignee == "me" else assignee))
    if candidate_group:
        q = q.where(exists().where(TaskCandidate.task_id == Task.id, TaskCandidate.kind == "group",
                                   TaskCandidate.value == candidate_group))
    if process:
        q = q.where(Task.process == process)
    if instance:
        q = q.where(Task.instance_id == instance)
    if due_before:
        q = q.where(Task.due_at < due_before)
    return page(q, [Task.due_sort, Task.created_at, Task.id], [dt.datetime, dt.datetime, str], limit, after,
                descending=False)


def get(task_id: str, user: User | None = None) -> Task:
    task = db.session.get(Task, task_id)
    if task is None:
        raise NotFound(f"no task with id '{task_id}'")
    if user is not None and user.role not in READ_ALL and not may_act(user, task):
        raise Forbidden("you are not a candidate for this task")
    return task


def _checked(task_id: str, user: User) -> Task:
    task = get(task_id)
    if not may_act(user, task) and not (user.role == "admin"):
        if user.role == "operator" and task.assignee and task.assignee != user.name and _offered(user, task):
            raise Conflict(f"the task is claimed by {task.assignee}")
        raise Forbidden("you are not a candidate for this task")
    return task


def _offered(user: User, task: Task) -> bool:
    return (task.open_to_all or user.name in (task.candidate_users or [])
            or bool(set(task.candidate_groups or []) & set(user.groups or [])))


@transactional
def claim(task_id: str, user: User) -> Task:
    task = _checked(task_id, user)
    # One guarded UPDATE: of two concurrent claims exactly one changes the row.
    done = db.session.execute(update(Task).where(Task.id == task_id, Task.status == "open",
                                                 or_(Task.assignee.is_(None), Task.assignee == user.name))
                              .values(assignee=user.name, claimed_at=utcnow())
                              .execution_options(synchronize_session=False))
    db.session.refresh(task)
    if done.rowcount != 1:
        if task.status != "open":
            raise Conflict(f"the task is {task.status}")
        raise Conflict(f"the task is claimed by {task.assignee}")
    history.record("task.claimed", user.name, _instance(task), activity=task.activity, task_id=task.id)
    return task


@transactional
def unclaim(task_id: str, user: User) -> Task:
    task = _checked(task_id, user)
    if task.status != "open":
        raise Conflict(f"the task is {task.status}")
    if task.assignee is None:
        return task
    if task.assignee != user.name and user.role != "admin":
        raise Conflict(f"the task is claimed by {task.assignee}")
    task.assignee = None
    task.claimed_at = None
    history.record("task.unclaimed", user.name, _instance(task), activity=task.activity, task_id=task.id)
    return task


@transactional
def assign(task_id: str, actor: User, to: str | None) -> Task:
    task = get(task_id)
    if task.status != "open":
        raise Conflict(f"the task is {task.status}")
    if to is not None:
        from .users import get_user

        get_user(to)
    previous = task.assignee
    task.assignee = to
    task.claimed_at = utcnow() if to else None
    history.record("task.assigned", actor.name, _instance(task), activity=task.activity, task_id=task.id,
                   data={"from": previous, "to": to})
    return task


@transactional
def reassign_all(actor: User, from_user: str, to_user: str) -> int:
    from .users import get_user

    get_user(to_user)
    rows = db.session.execute(select(Task).where(Task.assignee == from_user, Task.status == "open")).scalars().all()
    for task in rows:
        task.assignee = to_user
        task.claimed_at = utcnow()
        history.record("task.assigned", actor.name, _instance(task), activity=task.activity, task_id=task.id,
                       data={"from": from_user, "to": to_user})
    return len(rows)


def _instance(task: Task) -> Instance:
    return db.session.get(Instance, task.instance_id)


@transactional
def complete(task_id: str, user: User, variables: dict[str, Any] | None) -> Instance:
    """Complete an open user task and run its instance to the next wait. Of two at once, one wins."""
    variables = check_variables(variables or {})
    task = _checked(task_id, user)
    instance = steps.lock(task.instance_id)
    # Read the task again under the instance lock: a concurrent complete may have just committed.
    task = db.session.execute(select(Task).where(Task.id == task_id).execution_options(populate_existing=True)
                              ).scalar_one()
    if task.status != "open":
        raise Conflict(f"the task is {task.status}")
    if task.assignee and task.assignee != user.name and user.role != "admin":
        raise Conflict(f"the task is claimed by {task.assignee}")
    steps.require_status(instance, "running")
    data = forms.validate_submission(instance.definition_id, task.activity, task.form, variables)

    def run(wf: Any) -> None:
        if not engine.complete_task(wf, task.id, data):
            raise Conflict("the task is no longer waiting for completion")

    task.completed_by = user.name
    task.completed_at = utcnow()
    history.record("task.completed", user.name, instance, activity=task.activity, task_id=task.id,
                   data={"variables": variables})
    steps.advance(instance, user.name, run)
    return instance
