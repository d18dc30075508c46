"""Planning a task: its due date, follow-up date and priority, changed by hand; and the rationale a task
may require on completion.

`PATCH /api/tasks/{id}`: analysts and admins for any open task, an operator for the task they hold. The
change is one guarded UPDATE of the open row (a task that ended meanwhile is a 409) and a `task.updated`
event with what changed, from and to.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import load_only
from sqlalchemy.orm.attributes import set_committed_value

from models import Instance, Task, User, db

from ..exceptions import Conflict, Forbidden, Invalid, NotFound
from ..jsonutil import iso
from . import deployments, history
from .tx import transactional

FAR_FUTURE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)  # as services/assignment.py: no due date sorts last
FIELDS = ("due_at", "follow_up_at", "priority")


def comment_required(definition_id: str, activity: str) -> bool:
    """The task asks for a comment on completion (camunda:property commentRequired="true")."""
    return bool(deployments.info(definition_id).meta.get("user_tasks", {}).get(activity, {}).get("comment_required"))


def check_rationale(definition_id: str, activity: str, comment: str | None) -> None:
    """422 naming `comment` when the task asks for one."""
    if comment_required(definition_id, activity) and not comment:
        raise Invalid("this task needs a comment that says why", errors=[
            {"field": "comment", "message": "required by the task (commentRequired)"}])


def _shown(value: Any) -> Any:
    return iso(value) if isinstance(value, dt.datetime) else value


@transactional
def plan(task_id: str, user: User, changes: dict[str, Any]) -> Task:
    """Change the due date, follow-up date or priority of an open task; recorded as `task.updated`."""
    task = db.session.get(Task, task_id)
    if task is None:
        raise NotFound(f"no task with id '{task_id}'")
    if user.role not in ("admin", "analyst") and not (user.role == "operator" and task.assignee == user.name):
        raise Forbidden("only an analyst or the task's assignee may change its dates and priority")
    if task.status != "open":
        raise Conflict(f"the task is {task.status}", task_status=task.status)
    values = {k: v for k, v in changes.items() if k in FIELDS and v != getattr(task, k)}
    if not values:
        return task
    if "due_at" in values:
        values["due_sort"] = values["due_at"] or FAR_FUTURE
    done = db.session.execute(update(Task).where(Task.id == task.id, Task.status == "open").values(**values)
                              .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise Conflict("the task ended meanwhile")
    diff = {k: {"from": _shown(getattr(task, k)), "to": _shown(v)} for k, v in values.items() if k != "due_sort"}
    for key, value in values.items():
        set_committed_value(task, key, value)
    instance = db.session.execute(select(Instance).where(Instance.id == task.instance_id).options(
        load_only(Instance.id, Instance.process, Instance.version))).scalar_one()  # not its (large) state
    history.record("task.updated", user.name, instance, activity=task.activity, task_id=task.id, data=diff)
    return task
