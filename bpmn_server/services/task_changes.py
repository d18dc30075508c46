"""What a JavaScript task listener changed of its task (`task.setAssignee(...)`, `task.setPriority(...)`,
`task.addCandidateGroup(...)`, ...: engine/camunda_task.py), applied to the task's row by the step that ran it.

A task created in the step gets them before its row is written (its `task.created` event shows the result); an
open task's row is changed in place, with the history the API's own change would write: `task.assigned` for a
new assignee, `task.updated` for dates and priority. Candidates and holders follow (services/visibility.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete

from models import Instance, Task, TaskCandidate, db

from .. import engine
from ..jsonutil import iso
from . import history, visibility
from .assignment import FAR_FUTURE, due

_LISTENER = {"by": "task listener"}


def _values(changes: dict[str, Any], row: Task, now: dt.datetime) -> dict[str, Any]:
    """The row's columns the changes set, checked as the diagram's attributes are (an incident otherwise)."""
    found: dict[str, Any] = {}
    if "assignee" in changes:
        found["assignee"] = ("" if changes["assignee"] is None else str(changes["assignee"]).strip())[:200] or None
    if changes.get("name"):
        found["name"] = str(changes["name"])[:255]
    if "priority" in changes:
        try:
            found["priority"] = int(changes["priority"])
        except (TypeError, ValueError):
            raise _fail(row, f"task.setPriority({changes['priority']!r}): not a whole number") from None
    for key, column, what in (("due", "due_at", "setDueDate"), ("follow_up", "follow_up_at", "setFollowUpDate")):
        if key in changes:
            try:
                found[column] = due(changes[key], now)
            except (ValueError, OverflowError):
                raise _fail(row, f"task.{what}({changes[key]!r}): not an ISO 8601 date, date-time or duration"
                            ) from None
    if "due_at" in found:
        found["due_sort"] = found["due_at"] or FAR_FUTURE
    for kind, column in (("groups", "candidate_groups"), ("users", "candidate_users")):
        added, removed = changes.get(f"{kind}_add", []), changes.get(f"{kind}_del", [])
        if added or removed:
            kept = [n for n in getattr(row, column) or [] if n not in removed]
            found[column] = kept + [n[:200] for n in added if n not in kept]
    return {k: v for k, v in found.items() if v != getattr(row, k)}


def _fail(row: Task, message: str) -> engine.StepFailed:
    return engine.StepFailed(row.activity, "script", message)


def _candidates(row: Task) -> list[TaskCandidate]:
    named = [("group", g) for g in row.candidate_groups or []] + [("user", u) for u in row.candidate_users or []]
    if row.assignee:
        named.append(("holder", row.assignee))
    return [TaskCandidate(task_id=row.id, instance_id=row.instance_id, kind=kind, value=value[:200])
            for kind, value in named]


def onto_new(row: Task, candidates: list[TaskCandidate], changes: dict[str, Any],
             now: dt.datetime) -> list[TaskCandidate]:
    """A task row not yet written, with its listeners' changes; returns its candidate rows."""
    values = _values(changes, row, now) if changes else {}
    if not values:
        return candidates
    for key, value in values.items():
        setattr(row, key, value)
    row.open_to_all = not (row.candidate_groups or row.candidate_users or row.assignee)
    return _candidates(row)


def onto_open(instance: Instance, row: Task, changes: dict[str, Any], actor: str, now: dt.datetime) -> None:
    """An open task's row changed by its listeners (an assignment listener after a claim, a timeout listener)."""
    values = _values(changes, row, now) if changes else {}
    if not values:
        return
    before = {k: getattr(row, k) for k in values}
    for key, value in values.items():
        setattr(row, key, value)
    if "assignee" in values:
        row.claimed_at = now if row.assignee else None
        history.record("task.assigned", actor, instance, activity=row.activity, task_id=row.id,
                       data={"from": before["assignee"], "to": row.assignee, **_LISTENER})
    planned = {k: {"from": _shown(before[k]), "to": _shown(values[k])}
               for k in ("due_at", "follow_up_at", "priority") if k in values}
    if planned:
        history.record("task.updated", actor, instance, activity=row.activity, task_id=row.id,
                       data={**planned, **_LISTENER})
    if {"assignee", "candidate_groups", "candidate_users"} & set(values):
        row.open_to_all = not (row.candidate_groups or row.candidate_users or row.assignee)
        db.session.execute(delete(TaskCandidate).where(TaskCandidate.task_id == row.id,
                                                       TaskCandidate.kind.in_(("group", "user"))))
        db.session.add_all(c for c in _candidates(row) if c.kind != "holder")
        if row.assignee:
            visibility.record_holders([(row.id, row.instance_id, row.assignee)])


def _shown(value: Any) -> Any:
    return iso(value) if isinstance(value, dt.datetime) else value
