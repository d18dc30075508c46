"""Camunda 7 assignment task listeners when a task gets an assignee through the API (claim, assign), and what a
JavaScript task listener's `task` shows of an open task's row.

The listeners run in the engine, on the instance, in the same unit of work as the claim: what they set
is the instance's, with history, as for any step.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from models import Instance, Task, db

from ..jsonutil import iso
from . import commands, steps
from . import uow as units
from .definitions import info


def assigned(task: Task, actor: str, definition_id: str | None = None) -> None:
    """Run the assignment listeners of `task` (its assignee was just set), if its activity has any.
    `definition_id`: its instance's, when the caller has read it already."""
    if definition_id is None:
        definition_id = db.session.execute(select(Instance.definition_id).where(Instance.id == task.instance_id)
                                           ).scalar_one()
    if not info(definition_id).meta.get("user_tasks", {}).get(task.activity, {}).get("assignment_listeners"):
        return  # the usual case: the claim needs no engine step
    commands.advance(units.current(), steps.lock(task.instance_id), commands.AssignTask(actor, task.id, known(task)))


def known(task: Task) -> dict[str, Any]:
    """The row's values a JavaScript task listener's `task` shows (engine/camunda_task.py)."""
    return {"assignee": task.assignee, "name": task.name, "priority": task.priority,
            "due": iso(task.due_at) if task.due_at else None,
            "follow_up": iso(task.follow_up_at) if task.follow_up_at else None,
            "groups": list(task.candidate_groups or []), "users": list(task.candidate_users or [])}
