"""User tasks in the Camunda 8 REST API (/v2): search, get, assignment and completion, in Camunda 8's shapes.
The same services and permissions as /api/tasks: taking a task for oneself is a claim (operators), giving it
to someone else or taking it from someone is an assignment (admins, analysts)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response
from marshmallow import fields, validate

from ..auth import allowed, current_user
from ..exceptions import Conflict, Forbidden
from ..services import jobs, task_search, tasks
from .base import route
from .camunda8 import TENANT, LenientBody, bp


class Pagination(LenientBody):
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    after = fields.String(load_default=None, validate=validate.Length(1, 1000))
    from_ = fields.Integer(data_key="from", load_default=0, validate=validate.Equal(0, error="offsets are not "
                                                                                            "supported; use after"))


class SortField(LenientBody):
    field = fields.String(required=True)
    order = fields.String(load_default="ASC", validate=validate.OneOf(["ASC", "DESC", "asc", "desc"]))


class UserTaskSearchBody(LenientBody):
    filter = fields.Dict(keys=fields.String(), load_default=dict)
    sort = fields.List(fields.Nested(SortField), load_default=list)
    page = fields.Nested(Pagination, load_default=lambda: {"limit": 100, "after": None, "from_": 0})


class UserTaskAssignmentBody(LenientBody):
    assignee = fields.String(required=True, validate=validate.Length(1, 200))
    allow_override = fields.Boolean(data_key="allowOverride", load_default=True, allow_none=True)
    action = fields.String(load_default=None, allow_none=True)


class UserTaskCompletionBody(LenientBody):
    variables = fields.Dict(keys=fields.String(), load_default=None, allow_none=True)
    action = fields.String(load_default=None, allow_none=True)


def _when(value: dt.datetime | None) -> str | None:
    """An ISO 8601 UTC date-time with `Z`, as Camunda 8 writes them."""
    if value is None:
        return None
    utc = (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _cursor(value: str | None, to_camunda: bool) -> str | None:
    """Our cursors are URL-safe base64 without padding; Camunda's are base64 with it."""
    if not value:
        return None
    if to_camunda:
        return value.replace("-", "+").replace("_", "/") + "=" * (-len(value) % 4)
    return value.rstrip("=").replace("+", "-").replace("/", "_")


def _user_task(task: Any, inst: Any, process_name: str | None, forms: dict[tuple[str, int], str]) -> dict[str, Any]:
    instance_key = jobs.key_of(task.instance_id)
    linked = forms.get(((task.form or {}).get("form_id"), (task.form or {}).get("form_version")))
    external = task.form_key if task.form_key and not task.form_key.startswith("camunda-forms:") else None
    return {"userTaskKey": jobs.key_of(task.id), "elementInstanceKey": jobs.key_of(task.id), "name": task.name,
            "state": task_search.STATE_OF.get(task.status, "CREATED"), "assignee": task.assignee,
            "elementId": task.activity, "candidateGroups": list(task.candidate_groups or []),
            "candidateUsers": list(task.candidate_users or []), "processDefinitionId": task.process,
            "processDefinitionVersion": inst.version if inst is not None else 0,
            "processDefinitionKey": jobs.key_of(inst.definition_id) if inst is not None else "0",
            "processName": process_name, "processInstanceKey": instance_key, "rootProcessInstanceKey": instance_key,
            "creationDate": _when(task.created_at), "completionDate": _when(task.completed_at),
            "followUpDate": _when(task.follow_up_at), "dueDate": _when(task.due_at), "tenantId": TENANT,
            "externalFormReference": external, "formKey": jobs.key_of(linked), "customHeaders": {}, "tags": [],
            "priority": max(0, min(100, task.priority if task.priority is not None else 50))}


@route(bp, "/user-tasks/search", ["POST"], summary="Camunda 8: search user tasks (filter by state, assignee, "
       "elementId, candidateGroup, candidateUser, processDefinitionId, keys; one sort field; limit and after)",
       permission="tasks.read", body=UserTaskSearchBody)
def v2_search_user_tasks(body: dict[str, Any]) -> Any:
    found = task_search.search(current_user(), body["filter"], body["sort"], body["page"]["limit"],
                               _cursor(body["page"]["after"], False))
    items = [_user_task(t, *found.instances.get(t.instance_id, (None, None)), found.forms) for t in found.page.items]
    return {"items": items, "page": {"totalItems": found.total, "hasMoreTotalItems": False,
                                     "startCursor": None, "endCursor": _cursor(found.page.next, True)}}


@route(bp, "/user-tasks/<user_task_key>", ["GET"], summary="Camunda 8: get a user task", permission="tasks.read")
def v2_get_user_task(user_task_key: str) -> Any:
    return _user_task(*task_search.get(current_user(), user_task_key))


@route(bp, "/user-tasks/<user_task_key>/form", ["GET"], summary="Camunda 8: the deployed form a user task is "
       "linked to (zeebe:formDefinition formId, the version bound when the task was created); 204 when it has none",
       permission="tasks.read", also=[204])
def v2_get_user_task_form(user_task_key: str) -> Any:
    row = task_search.linked_form(current_user(), user_task_key)
    if row is None:
        return Response(status=204)
    return {"formKey": jobs.key_of(row.id), "formId": row.key, "version": row.version, "tenantId": TENANT,
            "schema": row.body.decode("utf-8")}


@route(bp, "/user-tasks/<user_task_key>/assignment", ["POST"], summary="Camunda 8: assign a user task (to oneself: "
       "a claim; to another user: admins and analysts; allowOverride false: 409 when someone holds it)",
       permission="tasks.read", body=UserTaskAssignmentBody, status=204)
def v2_assign_user_task(user_task_key: str, body: dict[str, Any]) -> Any:
    user, task_id = current_user(), task_search.task_id_of(user_task_key)
    held = tasks.get(task_id, user).assignee
    if body["allow_override"] is False and held not in (None, body["assignee"]):
        raise Conflict(f"the task is assigned to {held}", assignee=held)
    if allowed(user, "tasks.assign"):  # the roles that reroute tasks on /api
        tasks.assign(task_id, user, body["assignee"])
    elif body["assignee"] == user.name and allowed(user, "tasks.work"):
        tasks.claim(task_id, user)
    else:
        raise Forbidden("only admins and analysts assign tasks to others; an operator claims a task for themself")
    return Response(status=204)


@route(bp, "/user-tasks/<user_task_key>/assignee", ["DELETE"], summary="Camunda 8: unassign a user task (its "
       "holder gives it back; admins and analysts take it from anyone)", permission="tasks.read", status=204)
def v2_unassign_user_task(user_task_key: str) -> Any:
    user, task_id = current_user(), task_search.task_id_of(user_task_key)
    if allowed(user, "tasks.assign"):
        tasks.assign(task_id, user, None)
    elif allowed(user, "tasks.work"):
        tasks.unclaim(task_id, user)
    else:
        raise Forbidden("only the task's holder, admins and analysts unassign a task")
    return Response(status=204)


@route(bp, "/user-tasks/<user_task_key>/completion", ["POST"], summary="Camunda 8: complete a user task (its form "
       "checks the variables: 422 naming each field)", permission="tasks.work", body=UserTaskCompletionBody, status=204)
def v2_complete_user_task(user_task_key: str, body: dict[str, Any]) -> Any:
    tasks.complete(task_search.task_id_of(user_task_key), current_user(), body["variables"] or {})
    return Response(status=204)
