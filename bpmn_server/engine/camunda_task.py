"""Camunda's DelegateTask and DelegateExecution as JavaScript task listeners see them (js_engine.py), and what
such a listener changes of its task (`task.setAssignee(...)`, `task.addCandidateGroup(...)`, ...).

A listener runs in the engine; the task's row is the services' (services/assignment.py creates it, and
services/steps.py keeps it). So the listener's changes are kept in the task's internal data, merged in order,
and `take_changes` hands them to the step's facts, once: a new task's row is created with them, an open task's
row is changed by them (with history), exactly as if the diagram's attributes or the API had set them.

What a getter shows is what the engine knows: the diagram's attributes evaluated on the task's variables
(camunda:assignee, priority, dueDate, followUpDate, candidateGroups, candidateUsers), or, when the API
assigned an open task, the row's values; then what this task's listeners set.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from . import feel_conditions
from .expressions import ExpressionError, translate_assignment

CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
CHANGES = "c7ext_task"  # internal_data: what listeners changed, not yet on the row
KNOWN = "c7ext_task_known"  # internal_data while the API's assignment runs its listeners: the row's values
_ATTRIBUTES = {"assignee": "assignee", "priority": "priority", "due": "dueDate", "follow_up": "followUpDate",
               "groups": "candidateGroups", "users": "candidateUsers"}
_LIST_PART = re.compile(r"\s*((?:[$#]\{[^}]*\}|[^,])+)")  # as services/assignment.py splits candidate lists


def diagram_attributes(el: etree._Element) -> dict[str, Any]:
    """The task attributes of a user task as Python sources (a candidate list: one per comma part, since a part
    may be an expression: "management, ${dept}"), for `task_view` before the task's row exists."""
    found: dict[str, Any] = {}
    for key, attr in _ATTRIBUTES.items():
        text = (el.get(f"{{{CAMUNDA}}}{attr}") or "").strip()
        if not text or feel_conditions.is_feel(text):
            continue
        try:
            found[key] = [translate_assignment(p) for p in _LIST_PART.findall(text)] \
                if key in ("groups", "users") else translate_assignment(text)
        except ExpressionError:
            continue  # refused with its reason by the parser's own reading of the attribute
    return found


def execution_view(my_task: Any, event: str | None = None) -> dict[str, Any]:
    top = getattr(my_task.workflow, "top_workflow", my_task.workflow)
    instance_id, business_key = getattr(top, "server_execution", (None, None))  # engine/runtime.py `bind`
    activity = getattr(my_task.task_spec, "bpmn_id", None)
    return {"processInstanceId": instance_id, "processBusinessKey": business_key, "currentActivityId": activity,
            "currentActivityName": getattr(my_task.task_spec, "bpmn_name", None) or activity, "eventName": event}


def _names(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple | set):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def _from_diagram(my_task: Any, sources: dict[str, str], environment: Any) -> dict[str, Any]:
    """The task attributes of the diagram evaluated on the task's variables; one that fails shows as unset (the
    services report it when they create the row)."""
    def value(source: str) -> Any:
        try:
            return environment.evaluate(source, my_task.data)
        except Exception:  # noqa: BLE001 - shown as unset; services/assignment.py fails the task with the reason
            return None

    found: dict[str, Any] = {}
    for key, source in sources.items():
        found[key] = [n for part in source for n in _names(value(part))] if isinstance(source, list) \
            else value(source)
    return found


def _priority(value: Any) -> Any:
    if value in (None, ""):
        return 50  # Camunda's default
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def task_view(my_task: Any, settings: dict[str, Any], event: str, environment: Any) -> dict[str, Any]:
    """What `task` shows: the known values with this task's listener changes over them."""
    known = my_task.internal_data.get(KNOWN)
    if known is None:
        known = _from_diagram(my_task, settings.get("task_attributes", {}), environment)
    view = {"assignee": known.get("assignee"), "priority": known.get("priority"), "dueDate": known.get("due"),
            "followUpDate": known.get("follow_up"), "groups": _names(known.get("groups")),
            "users": _names(known.get("users"))}
    view["assignee"] = None if view["assignee"] in (None, "") else str(view["assignee"])
    view["priority"] = _priority(view["priority"])
    changes = my_task.internal_data.get(CHANGES, {})
    for key, shown in (("assignee", "assignee"), ("priority", "priority"), ("due", "dueDate"),
                       ("follow_up", "followUpDate"), ("name", "name")):
        if key in changes:
            view[shown] = changes[key]
    for kind in ("groups", "users"):
        view[kind] = [n for n in view[kind] if n not in changes.get(f"{kind}_del", [])]
        view[kind] += [n for n in changes.get(f"{kind}_add", []) if n not in view[kind]]
    view.setdefault("name", known.get("name") or getattr(my_task.task_spec, "bpmn_name", None)
                    or my_task.task_spec.bpmn_id)
    view.update(id=str(my_task.id), eventName=event, taskDefinitionKey=my_task.task_spec.bpmn_id)
    return view


def record(my_task: Any, changed: dict[str, Any]) -> None:
    """Merge what one listener changed into the task's pending changes (later wins; an add undoes a delete)."""
    if not changed:
        return
    pending = my_task.internal_data.setdefault(CHANGES, {})
    for key, value in changed.items():
        if key.endswith(("_add", "_del")):
            other = key[:-4] + ("_del" if key.endswith("_add") else "_add")
            pending[other] = [n for n in pending.get(other, []) if n not in value]
            pending[key] = pending.get(key, []) + [n for n in value if n not in pending.get(key, [])]
            for emptied in (other, key):
                if not pending[emptied]:
                    pending.pop(emptied)
        else:
            pending[key] = value


def take_changes(my_task: Any) -> dict[str, Any]:
    """The task's pending listener changes, taken out (each reaches the row once)."""
    return my_task.internal_data.pop(CHANGES, None) or {}
