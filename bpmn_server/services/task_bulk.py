"""Bulk task actions (issue 23): claim, unclaim, assign or complete several tasks in one request, each task in
its own unit of work, so that one refused task (held by someone else meanwhile, completed already) costs
only itself; the answer says what happened to each. Completing several at once is allowed only when every
task has the same form (the same activity of the same definition, or identical forms), so that one set of
values means the same for all of them; the values are validated for each task as a single completion is."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from models import User

from ..exceptions import BpmnServerError, Invalid
from . import tasks

MAX_TASKS = 200


class BulkAction(StrEnum):
    CLAIM = "claim"
    UNCLAIM = "unclaim"
    ASSIGN = "assign"
    COMPLETE = "complete"


@dataclass
class Outcome:
    task_id: str
    ok: bool
    status: int
    detail: str | None = None


def _same_form(ids: list[str], user: User) -> None:
    forms = {json.dumps(tasks.get(i, user).form or {}, sort_keys=True) for i in ids}
    if len(forms) > 1:
        raise Invalid("tasks with different forms cannot be completed with one set of values",
                      errors=[{"field": "tasks", "message": "the tasks do not share one form"}])


def run(user: User, action: BulkAction, ids: list[str], assignee: str | None = None,
        variables: dict[str, Any] | None = None) -> list[Outcome]:
    """Each task in turn, in its own transaction; an unexpected failure (5xx) stops the batch."""
    ids = list(dict.fromkeys(ids))  # once each, in the order given
    if not ids or len(ids) > MAX_TASKS:
        raise Invalid(f"give between 1 and {MAX_TASKS} tasks",
                      errors=[{"field": "tasks", "message": f"between 1 and {MAX_TASKS} task ids"}])
    if action is BulkAction.COMPLETE:
        _same_form(ids, user)
    step: dict[BulkAction, Callable[[str], Any]] = {
        BulkAction.CLAIM: lambda i: tasks.claim(i, user),
        BulkAction.UNCLAIM: lambda i: tasks.unclaim(i, user),
        BulkAction.ASSIGN: lambda i: tasks.assign(i, user, assignee),
        BulkAction.COMPLETE: lambda i: tasks.complete(i, user, dict(variables or {})),
    }
    out = []
    for task_id in ids:
        try:
            step[action](task_id)
            out.append(Outcome(task_id, True, 200))
        except BpmnServerError as exc:
            if exc.status >= 500:
                raise
            out.append(Outcome(task_id, False, exc.status, exc.detail))
    return out
