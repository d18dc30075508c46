"""BPMN errors and escalations reported on a user task (Camunda's `handleBpmnError` and `handleEscalation`).

Whoever may complete the task may report one instead. The report is a step of the instance: its variables
become the instance's, and the nearest catcher takes over (an error or escalation boundary event of the task or
of an enclosing subprocess, or an event subprocess of the process); an interrupting one closes the task row.
An error that nothing catches fails the task: the instance is `failed` with an incident that names the code,
the task row closes, and a retry after the repair opens the task again. An escalation that nothing catches
changes nothing (409): BPMN gives an uncaught escalation no effect, and the caller should know.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from models import Instance, Task, User, db, utcnow

from .. import engine
from ..exceptions import Conflict, Forbidden
from ..states import InstanceStatus, TaskStatus
from . import commands, history, steps, tasks
from . import uow as units
from .instances import check_variables
from .tx import transactional


def _open_task(task_id: str, user: User) -> tuple[Task, Instance]:
    """The open task, locked with its instance, if `user` may work it (as for completing it)."""
    task = tasks.get(task_id)
    if not (user.role == "admin" or (user.role == "operator"
                                      and (tasks.offered(user, task) or task.assignee == user.name))):
        raise Forbidden("you are not a candidate for this task")
    instance = steps.lock(task.instance_id)
    task = db.session.execute(select(Task).where(Task.id == task_id).with_for_update()
                              .execution_options(populate_existing=True)).scalar_one()
    if task.status != TaskStatus.OPEN:
        raise Conflict(f"the task is {task.status}", task_status=task.status)
    if task.assignee is not None and task.assignee != user.name and user.role != "admin":
        raise Conflict(f"the task is claimed by {task.assignee}", assignee=task.assignee)
    steps.require_status(instance, InstanceStatus.RUNNING)
    return task, instance


def _report(task_id: str, user: User, kind: str, code: str, message: str | None,
            variables: dict[str, Any] | None) -> Instance:
    variables = check_variables(variables or {})
    task, instance = _open_task(task_id, user)
    escalation = kind == "escalation"

    cause = history.reserve()  # the report goes before the events of the step it caused
    now = utcnow()
    caught = bool(commands.advance(units.current(), instance, commands.ThrowFromUserTask(
        user.name, task.id, task.name, task.activity, code, variables, escalation, message)).value)
    data: dict[str, Any] = {f"{kind}_code": code, "variables": variables, "caught": caught}
    if not escalation:
        data["error_message"] = message
    history.record(f"task.bpmn_{kind}", user.name, instance, activity=task.activity, task_id=task.id, data=data,
                   at=now, into=cause)
    if task.status != TaskStatus.OPEN:
        task.completed_by, task.completed_at = user.name, task.completed_at or now
    return instance


@transactional
def bpmn_error(task_id: str, user: User, code: str, message: str | None = None,
               variables: dict[str, Any] | None = None) -> Instance:
    """Report BPMN error `code` on an open user task instead of completing it; returns the instance."""
    return _report(task_id, user, "error", code, message, variables)


@transactional
def bpmn_escalation(task_id: str, user: User, code: str, variables: dict[str, Any] | None = None) -> Instance:
    """Report escalation `code` on an open user task; a non-interrupting catcher leaves the task open."""
    return _report(task_id, user, "escalation", code, None, variables)


def reopen_failed(instance: Instance) -> None:
    """Before a retry: task rows closed by an uncaught BPMN error open again (their tasks become ready again,
    and `steps` keeps open rows rather than making new ones)."""
    ids = engine.failed_user_tasks(steps.workflow_of(instance))
    if ids:
        db.session.execute(update(Task).where(Task.id.in_(ids), Task.instance_id == instance.id,
                                              Task.status != TaskStatus.OPEN)
                           .values(status=TaskStatus.OPEN, completed_at=None, completed_by=None)
                           .execution_options(synchronize_session=False))
