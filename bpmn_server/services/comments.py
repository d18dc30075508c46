"""Comments: notes on a task or an instance, and the rationale of a task's completion.

A comment is a `comment.added` history event (who, when, text); the rationale given when completing a task
is `data.comment` of its `task.completed` event (services/task_plan.py checks a required one). Both are
therefore in the history exports and XES like any event, and nothing changes or deletes them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from models import Event, User, db

from ..exceptions import Forbidden, Invalid
from . import history, instances, tasks
from .tx import pending_events, transactional

MAX_TEXT = 4000


def _text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise Invalid("a comment needs text", errors=[{"field": "text", "message": "empty"}])
    return text[:MAX_TEXT]


def _view(event: dict[str, Any] | Any) -> dict[str, Any]:
    get = event.get if isinstance(event, dict) else lambda k: getattr(event, k)
    data = get("data") or {}
    return {"id": get("id"), "at": get("at"), "author": get("actor"), "text": data.get("text"),
            "task_id": get("task_id"), "instance_id": get("instance_id")}


def _may_write(user: User) -> None:
    if user.role not in ("admin", "analyst", "operator"):
        raise Forbidden(f"the {user.role} role may not comment")


@transactional
def on_task(task_id: str, user: User, text: str) -> dict[str, Any]:
    """Add a note to a task the user may see."""
    _may_write(user)
    task = tasks.get(task_id, user)
    instance = instances.get(task.instance_id)
    history.record("comment.added", user.name, instance, activity=task.activity, task_id=task.id,
                   data={"text": _text(text)})
    return _view(pending_events()[-1])


@transactional
def on_instance(instance_id: str, user: User, text: str) -> dict[str, Any]:
    """Add a note to an instance the user may read."""
    _may_write(user)
    instance = instances.get(instance_id, user)
    history.record("comment.added", user.name, instance, data={"text": _text(text)})
    return _view(pending_events()[-1])


def _listed(*where: Any) -> list[dict[str, Any]]:
    rows = db.session.execute(select(Event).where(Event.type == "comment.added", *where).order_by(Event.seq))
    return [_view(row) for row in rows.scalars()]


def of_task(task_id: str, user: User) -> list[dict[str, Any]]:
    task = tasks.get(task_id, user)
    return _listed(Event.instance_id == task.instance_id, Event.task_id == task.id)


def of_instance(instance_id: str, user: User) -> list[dict[str, Any]]:
    instance = instances.get(instance_id, user)
    return _listed(Event.instance_id == instance.id)
