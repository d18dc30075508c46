"""User tasks: Camunda's task query, claim, unclaim and complete, on the same task list as /api/tasks.

An operator sees and works the tasks offered to them, exactly as on the native task list.
"""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import fields

from ...auth import current_user
from ...exceptions import Conflict, Forbidden, Invalid, NotFound
from ...services import task_events, tasks
from .base import Lenient, ListQuery, boolean, camunda_time, endpoint, no_content, window
from .errors import details
from .variables import declared_types, from_typed, to_typed


def task_dto(task: Any, definition_id: str | None, instance_status: str | None) -> dict[str, Any]:
    """Camunda's TaskDto; the execution is the instance (no separate executions here)."""
    return {"id": task.id, "name": task.name, "assignee": task.assignee, "owner": None,
            "created": camunda_time(task.created_at), "lastUpdated": camunda_time(task.claimed_at),
            "due": camunda_time(task.due_at), "followUp": camunda_time(task.follow_up_at),
            "delegationState": None, "description": None,
            "executionId": task.instance_id, "parentTaskId": None, "priority": task.priority,
            "processDefinitionId": definition_id, "processInstanceId": task.instance_id,
            "taskDefinitionKey": task.activity, "caseExecutionId": None, "caseInstanceId": None,
            "caseDefinitionId": None, "suspended": instance_status == "suspended", "formKey": task.form_key,
            "camundaFormRef": None, "tenantId": None}


class TaskQuery(ListQuery):
    task_id = fields.String(data_key="taskId", load_default=None)
    process_instance_id = fields.String(data_key="processInstanceId", load_default=None)
    business_key = fields.String(data_key="processInstanceBusinessKey", load_default=None)
    process_definition_key = fields.String(data_key="processDefinitionKey", load_default=None)
    task_definition_key = fields.String(data_key="taskDefinitionKey", load_default=None)
    name = fields.String(load_default=None)
    assignee = fields.String(load_default=None)
    candidate_group = fields.String(data_key="candidateGroup", load_default=None)
    candidate_user = fields.String(data_key="candidateUser", load_default=None)
    assigned = fields.String(load_default=None)
    unassigned = fields.String(load_default=None)


class ClaimBody(Lenient):
    user_id = fields.String(data_key="userId", load_default=None, allow_none=True)


class CompleteBody(Lenient):
    variables = fields.Raw(load_default=None)
    with_variables = fields.Boolean(data_key="withVariablesInReturn", load_default=False)


class TaskBpmnErrorBody(Lenient):
    error_code = fields.String(data_key="errorCode", required=True)
    error_message = fields.String(data_key="errorMessage", load_default=None, allow_none=True)
    variables = fields.Raw(load_default=None)


class TaskBpmnEscalationBody(Lenient):
    escalation_code = fields.String(data_key="escalationCode", required=True)
    variables = fields.Raw(load_default=None)


def _task_id() -> str:
    return (request.view_args or {}).get("task_id", "")


def _claim_errors(exc: Exception) -> tuple[int, str, str] | None:
    if isinstance(exc, NotFound):
        return 500, "NullValueException", f"Cannot find task with id {_task_id()}: task is null"
    if isinstance(exc, Conflict) and exc.extra.get("instance_status") == "suspended":
        return 500, "SuspendedEntityInteractionException", f"Task '{_task_id()}' is suspended."
    if isinstance(exc, Conflict):
        holder = exc.extra.get("assignee")
        return 500, "TaskAlreadyClaimedException", (
            f"Task '{_task_id()}' is already claimed by someone else." if holder else str(exc))
    return None


def _complete_errors(exc: Exception) -> tuple[int, str, str] | None:
    if isinstance(exc, NotFound):
        return 500, "RestException", f"Cannot complete task {_task_id()}: Cannot find task with id {_task_id()}"
    if isinstance(exc, Conflict):
        return 500, "RestException", f"Cannot complete task {_task_id()}: {exc}"
    if isinstance(exc, Invalid):
        return 400, "RestException", f"Cannot complete task {_task_id()}: {details(exc)}"
    return None


@endpoint("/task", ["GET"], summary="open tasks by Camunda's filters (processInstanceId, processInstanceBusinessKey,"
          " processDefinitionKey, taskDefinitionKey, name, assignee, candidateGroup, candidateUser, assigned, "
          "unassigned), oldest first", permission="tasks.read", query=TaskQuery)
def task_list(query: dict[str, Any]) -> Any:
    first, count = window(query)
    assigned = True if boolean(query["assigned"]) else False if boolean(query["unassigned"]) else None
    rows = tasks.query(current_user(), first, count, task_id=query["task_id"],
                       instance=query["process_instance_id"], business_key=query["business_key"],
                       process=query["process_definition_key"], activity=query["task_definition_key"],
                       name=query["name"], assignee=query["assignee"], candidate_group=query["candidate_group"],
                       candidate_user=query["candidate_user"], assigned=assigned)
    return [task_dto(*row) for row in rows]


@endpoint("/task/<task_id>", ["GET"], summary="an open task", permission="tasks.read")
def task_get(task_id: str) -> Any:
    rows = tasks.query(current_user(), 0, 1, task_id=task_id)
    if not rows:
        raise NotFound(f"No matching task with id {task_id}")
    return task_dto(*rows[0])


@endpoint("/task/<task_id>/claim", ["POST"], summary="claim a task for yourself (userId, if sent, must be you)",
          permission="tasks.work", body=ClaimBody, errors=_claim_errors, status=204)
def task_claim(task_id: str, body: dict[str, Any]) -> Any:
    user = current_user()
    if body["user_id"] not in (None, user.name):
        raise Forbidden(f"'{user.name}' may claim tasks only for themself, not for '{body['user_id']}'; an admin or "
                        "analyst reroutes tasks with POST /api/tasks/{id}/assign")
    tasks.claim(task_id, user)
    return no_content()


@endpoint("/task/<task_id>/unclaim", ["POST"], summary="give a claimed task back to its candidates",
          permission="tasks.work", errors=_claim_errors, status=204)
def task_unclaim(task_id: str) -> Any:
    tasks.unclaim(task_id, current_user())
    return no_content()


@endpoint("/task/<task_id>/complete", ["POST"], summary="complete a task with typed variables "
          "(withVariablesInReturn: 200 with the instance's variables, otherwise 204)", permission="tasks.work",
          body=CompleteBody, errors=_complete_errors, also=[204])
def task_complete(task_id: str, body: dict[str, Any]) -> Any:
    instance = tasks.complete(task_id, current_user(), from_typed(body["variables"]),
                              types=declared_types(body["variables"]))
    return to_typed(instance.variables, types=instance.variable_types) if body["with_variables"] else no_content()


def _report_errors(exc: Exception) -> tuple[int, str, str] | None:
    if isinstance(exc, NotFound):
        return 404, "InvalidRequestException", f"Cannot find task with id {_task_id()}"
    if isinstance(exc, Conflict):
        return 400, "RestException", str(exc)
    if isinstance(exc, Invalid):
        return 400, "RestException", details(exc)
    return None


@endpoint("/task/<task_id>/bpmnError", ["POST"], summary="report a BPMN error (errorCode, errorMessage, typed "
          "variables) on a task: an error boundary event or event subprocess takes over; 204",
          permission="tasks.work", body=TaskBpmnErrorBody, errors=_report_errors, status=204)
def task_bpmn_error(task_id: str, body: dict[str, Any]) -> Any:
    task_events.bpmn_error(task_id, current_user(), body["error_code"], body["error_message"],
                           from_typed(body["variables"]))
    return no_content()


@endpoint("/task/<task_id>/bpmnEscalation", ["POST"], summary="report an escalation (escalationCode, typed "
          "variables) on a task: an escalation boundary event or event subprocess takes over; 204",
          permission="tasks.work", body=TaskBpmnEscalationBody, errors=_report_errors, status=204)
def task_bpmn_escalation(task_id: str, body: dict[str, Any]) -> Any:
    task_events.bpmn_escalation(task_id, current_user(), body["escalation_code"], from_typed(body["variables"]))
    return no_content()
