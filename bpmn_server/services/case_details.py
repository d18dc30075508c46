"""What the task page shows about the case a task belongs to (issue 23): its business key, the variables the
process (or the task) marks as visible (engine/case_view.py; all of them by default), the earlier decisions
taken on it (each completed task with what was submitted and its comment, and the comments written on it),
and the current values of the form's fields, so that a "revise" step shows what was sent back (Camunda 7
prefills a form field from the variable of the same name)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from models import Event, Instance, Task, db

from .deployments import info

DECISION_TYPES = ("task.completed", "comment.added")


@dataclass
class Decision:
    at: Any
    actor: str
    activity: str | None
    name: str
    variables: dict[str, Any] = field(default_factory=dict)
    comment: str | None = None


@dataclass
class CaseDetails:
    business_key: str | None
    variables: list[tuple[str, Any]]
    decisions: list[Decision]
    prefill: dict[str, str]


def _chosen(meta: dict[str, Any], activity: str) -> list[str] | None:
    """The names the task or else the process marks visible; None: all."""
    by_task = meta.get("user_tasks", {}).get(activity, {}).get("visible_variables")
    return by_task if by_task is not None else meta.get("visible_variables")


def _shown(variables: dict[str, Any], chosen: list[str] | None) -> list[tuple[str, Any]]:
    names = sorted(variables) if chosen is None else [n for n in chosen if n in variables]
    return [(n, variables[n]) for n in names]


def as_text(value: Any) -> str:
    """A value as a form input holds it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def prefill(form: dict[str, Any] | None, variables: dict[str, Any]) -> dict[str, str]:
    """The form's fields whose variable has a value (read-only fields too: they show it)."""
    return {f["id"]: as_text(variables[f["id"]]) for f in (form or {}).get("fields") or []
            if variables.get(f["id"]) is not None}


def decisions(instance: Instance, names: dict[str, str]) -> list[Decision]:
    """Completed tasks and comments of the instance, oldest first."""
    rows = db.session.execute(select(Event).where(Event.instance_id == instance.id, Event.type.in_(DECISION_TYPES))
                              .order_by(Event.seq)).scalars()
    out = []
    for e in rows:
        data = e.data or {}
        done = e.type == "task.completed"
        out.append(Decision(e.at, e.actor, e.activity, names.get(e.activity or "", e.activity or "") if done
                            else "comment", data.get("variables") or {} if done else {},
                            data.get("comment") if done else data.get("text")))
    return out


def of_task(task: Task, instance: Instance) -> CaseDetails:
    meta = info(instance.definition_id).meta or {}
    variables = instance.variables or {}
    chosen = _chosen(meta, task.activity)
    earlier = decisions(instance, meta.get("names", {}))
    for d in earlier:  # what was submitted, within what the process shows
        d.variables = dict(_shown(d.variables, chosen))
    return CaseDetails(instance.business_key, _shown(variables, chosen), earlier, prefill(task.form, variables))
