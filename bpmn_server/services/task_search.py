"""User task search as the Camunda 8 REST API (`POST /v2/user-tasks/search`) asks it: filters by state, assignee,
element, candidates, process and keys, one sort field, a limit and a cursor. The same tasks, and the same
visibility, as the task list of /api (services/tasks.py: task_query); keys are those of services/jobs.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import false, func, select
from sqlalchemy.orm import load_only

from models import Definition, FormDefinition, Instance, Task, TaskCandidate, User, db

from ..exceptions import BadRequest, NotFound
from ..states import TaskStatus
from . import jobs, tasks
from .pagination import Page, page

# Camunda 8's user task states; the transient ones (CREATING, ASSIGNING, ...) no task here is ever in.
STATES = {"CREATED": TaskStatus.OPEN, "COMPLETED": TaskStatus.COMPLETED, "CANCELED": TaskStatus.CANCELLED}
TRANSIENT = {"CREATING", "ASSIGNING", "UPDATING", "COMPLETING", "CANCELING", "FAILED"}
STATE_OF = {v: k for k, v in STATES.items()}
# Sort fields and the columns of their keyset (the last two make it unique and stable).
SORTS: dict[str, tuple[list[Any], list[type]]] = {
    "creationDate": ([Task.created_at, Task.id], [dt.datetime, str]),
    "dueDate": ([Task.due_sort, Task.created_at, Task.id], [dt.datetime, dt.datetime, str]),
    "priority": ([Task.priority, Task.created_at, Task.id], [int, dt.datetime, str]),
    "name": ([Task.name, Task.created_at, Task.id], [str, dt.datetime, str]),
}
# The instance without its (large) serialized state, and its process's name.
_WITH_NAME = (select(Instance, Definition.name).join(Definition, Definition.id == Instance.definition_id)
              .options(load_only(Instance.id, Instance.version, Instance.definition_id)))


@dataclass
class Found:
    page: Page
    total: int
    instances: dict[str, tuple[Instance, str | None]]  # by id: the instance and its process's name
    forms: dict[tuple[str, int], str]  # by (form id, version): the id of the linked form's definition row


def task_id_of(key: str) -> str:
    """The task a Camunda 8 user task key stands for (404 when none)."""
    return jobs.id_of(key, Task.id, "user task")


def _exact(field: str, value: Any) -> Any:
    """A filter's value: itself, or `{"$eq": value}`; other operators are not served (400 naming the field)."""
    if isinstance(value, dict):
        if set(value) != {"$eq"}:
            raise BadRequest(f"filter.{field}: only an exact value (or $eq) is supported",
                             errors=[{"field": f"filter.{field}", "message": "unsupported operator"}])
        value = value["$eq"]
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise BadRequest(f"filter.{field} must be a string", errors=[{"field": f"filter.{field}",
                                                                       "message": "not a string"}])
    return str(value)


def _filtered(user: User, spec: dict[str, Any]) -> Any:
    unknown = set(spec) - {"state", "assignee", "elementId", "candidateGroup", "candidateUser", "tenantId",
                           "processDefinitionId", "processInstanceKey", "userTaskKey", "elementInstanceKey"}
    if unknown:
        raise BadRequest(f"filter.{sorted(unknown)[0]} is not supported",
                         errors=[{"field": f"filter.{name}", "message": "not supported"} for name in sorted(unknown)])
    state = _exact("state", spec["state"]) if "state" in spec else None
    if state is not None and state not in STATES and state not in TRANSIENT:
        raise BadRequest(f"filter.state must be one of {', '.join(sorted(STATES) + sorted(TRANSIENT))}",
                         errors=[{"field": "filter.state", "message": "unknown state"}])
    q = tasks.task_query(user, assignee=_exact("assignee", spec["assignee"]) if "assignee" in spec else None,
                         candidate_group=_exact("candidateGroup", spec["candidateGroup"])
                         if "candidateGroup" in spec else None,
                         process=_exact("processDefinitionId", spec["processDefinitionId"])
                         if "processDefinitionId" in spec else None, status=STATES.get(state) if state else None)
    if state in TRANSIENT or ("tenantId" in spec and _exact("tenantId", spec["tenantId"]) != "<default>"):
        q = q.where(false())
    if "elementId" in spec:
        q = q.where(Task.activity == _exact("elementId", spec["elementId"]))
    if "candidateUser" in spec:
        q = q.where(Task.id.in_(select(TaskCandidate.task_id).where(
            TaskCandidate.kind == "user", TaskCandidate.value == _exact("candidateUser", spec["candidateUser"]))))
    try:  # a key that names nothing matches nothing (a search, not a lookup: no 404)
        if "processInstanceKey" in spec:
            q = q.where(Task.instance_id == jobs.instance_id_of(_exact("processInstanceKey",
                                                                      spec["processInstanceKey"])))
        for name in ("userTaskKey", "elementInstanceKey"):  # the same key here: a task is its element instance
            if name in spec:
                q = q.where(Task.id == task_id_of(_exact(name, spec[name])))
    except NotFound:
        q = q.where(false())
    return q


def search(user: User, spec: dict[str, Any], sort: list[dict[str, Any]], limit: int, after: str | None) -> Found:
    """One page of the tasks `user` may see that match `spec`, the number of all that match, and their instances."""
    if len(sort) > 1:
        raise BadRequest("sort by one field at most", errors=[{"field": "sort", "message": "more than one field"}])
    field = sort[0].get("field") if sort else "creationDate"
    if field not in SORTS:
        raise BadRequest(f"sort field must be one of {', '.join(SORTS)}",
                         errors=[{"field": "sort.field", "message": "not supported"}])
    descending = bool(sort) and str(sort[0].get("order") or "ASC").upper() == "DESC"
    q = _filtered(user, spec)
    total = db.session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
    columns, kinds = SORTS[field]
    found = page(q, columns, kinds, limit, after, descending=descending)
    ids = {t.instance_id for t in found.items}
    rows = db.session.execute(_WITH_NAME.where(Instance.id.in_(ids))).all() if ids else []
    return Found(found, total, {inst.id: (inst, name) for inst, name in rows}, linked_forms(found.items))


def _linked(task: Task) -> tuple[str, int] | None:
    """The deployed form a task bound when it was created (zeebe:formDefinition formId), as (form id, version)."""
    form = task.form or {}
    return (form["form_id"], form["form_version"]) if form.get("form_id") and form.get("form_version") else None


def linked_forms(items: list[Task]) -> dict[tuple[str, int], str]:
    """The definition row ids of the forms these tasks are linked to (Camunda 8's formKey is that row's key)."""
    pairs = {pair for pair in map(_linked, items) if pair}
    if not pairs:
        return {}
    rows = db.session.execute(select(FormDefinition.id, FormDefinition.key, FormDefinition.version).where(
        FormDefinition.key.in_({key for key, _ in pairs}))).all()
    return {(key, version): row_id for row_id, key, version in rows if (key, version) in pairs}


def linked_form(user: User, key: str) -> FormDefinition | None:
    """The deployed form the task `key` is linked to (404 when the task is not visible to `user`); None when the
    task has no linked form (an embedded form, a generated one, or none)."""
    pair = _linked(tasks.get(task_id_of(key), user))
    if pair is None:
        return None
    return db.session.execute(select(FormDefinition).where(FormDefinition.key == pair[0],
                                                           FormDefinition.version == pair[1])).scalar_one_or_none()


def get(user: User, key: str) -> tuple[Task, Instance, str | None, dict[tuple[str, int], str]]:
    """One task by its key, as the search shows it (404 when none or not visible to `user`)."""
    task = tasks.get(task_id_of(key), user)
    row = db.session.execute(_WITH_NAME.where(Instance.id == task.instance_id)).one()
    return task, row[0], row[1], linked_forms([task])
