"""Camunda's DelegateTask and DelegateExecution as JavaScript task listeners see them (js_engine.py), Python ones
too (`DelegateTask`), and what such a listener changes of its task (`task.setAssignee(...)`,
`task.addCandidateGroup(...)`, ...).

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
from .juel_execution import ExecutionInfo

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


def execution_info(my_task: Any) -> ExecutionInfo:
    """The instance a Python listener's `execution` tells of."""
    top = getattr(my_task.workflow, "top_workflow", my_task.workflow)
    instance_id, business_key = getattr(top, "server_execution", (None, None))
    return ExecutionInfo(instance_id, business_key, getattr(my_task.task_spec, "bpmn_id", None))


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
    if changed:
        record_into(my_task.internal_data.setdefault(CHANGES, {}), changed)


def record_into(pending: dict[str, Any], changed: dict[str, Any]) -> None:
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


class DelegateTask:
    """Camunda's DelegateTask as a Python task listener sees it (`task`): the methods of JavaScript's `task`
    (js_engine.OFFERED) over the same view; what the setters change is `changes`, recorded like JavaScript's."""

    __slots__ = ("_view", "_execution", "changes")

    def __init__(self, view: dict[str, Any], execution: Any):
        self._view, self._execution = view, execution
        self.changes: dict[str, Any] = {}

    # The variables are the execution's, as in Camunda.
    def getVariable(self, name: str) -> Any:  # noqa: N802 - Camunda's names
        return self._execution.getVariable(name)

    def setVariable(self, name: str, value: Any) -> None:  # noqa: N802
        self._execution.setVariable(name, value)

    def hasVariable(self, name: str) -> bool:  # noqa: N802
        return self._execution.hasVariable(name)

    def getVariables(self) -> dict[str, Any]:  # noqa: N802
        return self._execution.getVariables()

    def removeVariable(self, name: str) -> None:  # noqa: N802
        self._execution.removeVariable(name)

    getVariableLocal, setVariableLocal = getVariable, setVariable  # noqa: N815

    def getExecution(self) -> Any:  # noqa: N802
        return self._execution

    def getId(self) -> str:  # noqa: N802
        return self._view["id"]

    def getName(self) -> str | None:  # noqa: N802
        return self._view.get("name")

    def setName(self, value: Any) -> None:  # noqa: N802
        self._set("name", "name", None if value is None else str(value))

    def getAssignee(self) -> str | None:  # noqa: N802
        return self._view.get("assignee")

    def setAssignee(self, value: Any) -> None:  # noqa: N802
        self._set("assignee", "assignee", None if value is None else str(value))

    def getPriority(self) -> Any:  # noqa: N802
        return self._view.get("priority")

    def setPriority(self, value: Any) -> None:  # noqa: N802
        self._set("priority", "priority", value)

    def getDueDate(self) -> str | None:  # noqa: N802
        return self._view.get("dueDate")

    def setDueDate(self, value: Any) -> None:  # noqa: N802
        self._set("dueDate", "due", _date(value))

    def getFollowUpDate(self) -> str | None:  # noqa: N802
        return self._view.get("followUpDate")

    def setFollowUpDate(self, value: Any) -> None:  # noqa: N802
        self._set("followUpDate", "follow_up", _date(value))

    def addCandidateGroup(self, group: Any) -> None:  # noqa: N802
        self._candidates("groups", [group], True)

    def addCandidateGroups(self, groups: Any) -> None:  # noqa: N802
        self._candidates("groups", list(groups), True)

    def addCandidateUser(self, user: Any) -> None:  # noqa: N802
        self._candidates("users", [user], True)

    def addCandidateUsers(self, users: Any) -> None:  # noqa: N802
        self._candidates("users", list(users), True)

    def deleteCandidateGroup(self, group: Any) -> None:  # noqa: N802
        self._candidates("groups", [group], False)

    def deleteCandidateUser(self, user: Any) -> None:  # noqa: N802
        self._candidates("users", [user], False)

    def getCandidates(self) -> list[dict[str, Any]]:  # noqa: N802
        return [{"type": "candidate", "groupId": g, "userId": None} for g in self._view.get("groups", [])] + \
            [{"type": "candidate", "groupId": None, "userId": u} for u in self._view.get("users", [])]

    def getEventName(self) -> str | None:  # noqa: N802
        return self._view.get("eventName")

    def getTaskDefinitionKey(self) -> str | None:  # noqa: N802
        return self._view.get("taskDefinitionKey")

    def getProcessInstanceId(self) -> str | None:  # noqa: N802
        return self._execution.getProcessInstanceId()

    def _set(self, shown: str, key: str, value: Any) -> None:
        self._view[shown] = self.changes[key] = value

    def _candidates(self, kind: str, names: list[Any], add: bool) -> None:
        names = [str(n) for n in names]
        record_into(self.changes, {f"{kind}_{'add' if add else 'del'}": names})
        kept = [n for n in self._view.get(kind, []) if n not in names]
        self._view[kind] = kept + names if add else kept


def _date(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
