"""The task list: read, claim, unclaim, complete (operators); assign and reassign (admins, analysts).

Who may act on which task (candidate groups and users, the assignee) is decided in services/tasks.py;
the role table in auth.py only says who may work tasks at all.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from ..auth import current_user
from ..services import task_events, task_plan, tasks
from .base import route
from .instances import view
from .notify_schemas import TaskPlanSchema
from .schemas import (
    AssignSchema,
    BpmnErrorSchema,
    BpmnEscalationSchema,
    CompleteSchema,
    InstanceSchema,
    ReassignResultSchema,
    ReassignSchema,
    TaskQuery,
    TaskSchema,
    page_of,
)

bp = Blueprint("tasks", __name__, url_prefix="/api/tasks")


@route(bp, "", ["GET"], summary="The task list: oldest due first, then oldest created", permission="tasks.read",
       query=TaskQuery, response=page_of(TaskSchema))
def list_tasks(query: dict[str, Any]) -> Any:
    args = {k: v for k, v in query.items() if k not in ("limit", "after")}
    return tasks.list_tasks(current_user(), query["limit"], query["after"], **args)


@route(bp, "/<task_id>", ["GET"], summary="Get a task", permission="tasks.read", response=TaskSchema)
def get_task(task_id: str) -> Any:
    return tasks.get(task_id, current_user())


@route(bp, "/<task_id>", ["PATCH"], summary="Change a task's due date, follow-up date or priority (analysts, "
       "the assignee); recorded as task.updated", permission="tasks.plan", body=TaskPlanSchema, response=TaskSchema)
def plan_task(task_id: str, body: dict[str, Any]) -> Any:
    return task_plan.plan(task_id, current_user(), body)


@route(bp, "/<task_id>/claim", ["POST"], summary="Claim a task", permission="tasks.work", response=TaskSchema)
def claim(task_id: str) -> Any:
    return tasks.claim(task_id, current_user())


@route(bp, "/<task_id>/unclaim", ["POST"], summary="Give a claimed task back", permission="tasks.work",
       response=TaskSchema)
def unclaim(task_id: str) -> Any:
    return tasks.unclaim(task_id, current_user())


@route(bp, "/<task_id>/assign", ["POST"], summary="Assign a task to a user (rerouting)",
       permission="tasks.assign", body=AssignSchema, response=TaskSchema)
def assign(task_id: str, body: dict[str, Any]) -> Any:
    return tasks.assign(task_id, current_user(), body["user"])


@route(bp, "/reassign", ["POST"], summary="Move every open task of one user to another",
       permission="tasks.assign", body=ReassignSchema, response=ReassignResultSchema)
def reassign(body: dict[str, Any]) -> Any:
    return {"reassigned": tasks.reassign_all(current_user(), body["from_"], body["to"])}


@route(bp, "/<task_id>/complete", ["POST"], summary="Complete a task; returns the instance",
       permission="tasks.work", body=CompleteSchema, response=InstanceSchema)
def complete(task_id: str, body: dict[str, Any]) -> Any:
    return view(tasks.complete(task_id, current_user(), body["variables"], body["comment"]))


@route(bp, "/<task_id>/bpmn-error", ["POST"], summary="Report a BPMN error instead of completing the task: a matching "
       "error boundary event or event subprocess takes over; uncaught, the instance fails with an incident",
       permission="tasks.work", body=BpmnErrorSchema, response=InstanceSchema)
def bpmn_error(task_id: str, body: dict[str, Any]) -> Any:
    return view(task_events.bpmn_error(task_id, current_user(), body["error_code"], body["error_message"],
                                       body["variables"]))


@route(bp, "/<task_id>/bpmn-escalation", ["POST"], summary="Report an escalation on the task: a matching escalation "
       "boundary event or event subprocess takes over (409 when nothing catches it)", permission="tasks.work",
       body=BpmnEscalationSchema, response=InstanceSchema)
def bpmn_escalation(task_id: str, body: dict[str, Any]) -> Any:
    return view(task_events.bpmn_escalation(task_id, current_user(), body["escalation_code"], body["variables"]))
