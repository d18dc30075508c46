"""Feedback from the point of work: "this step is wrong", on an activity of a process, for its owner.

Anyone who works with a process (operators at a task, analysts) can leave it; the owner, analysts and
admins read it. Each is a `process.feedback` history event too.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from models import Definition, ProcessFeedback, User, db, utcnow

from .. import engine
from ..exceptions import Forbidden, Invalid
from . import history, owners
from .pagination import Page, page
from .tx import transactional

MAX_TEXT = 4000


@transactional
def give(key: str, user: User, activity: str | None, text: str | None) -> ProcessFeedback:
    """Record feedback on `activity` (an id of the latest version, or None for the whole process)."""
    info = owners.get(key)  # 404 for an unknown key
    text = (text or "").strip()
    problems = []
    if not text or len(text) > MAX_TEXT:
        problems.append({"field": "text", "message": f"1 to {MAX_TEXT} characters"})
    if activity:
        latest = db.session.execute(select(Definition.xml).where(Definition.key == key,
                                                                 Definition.version == info.version)).scalar_one()
        if activity not in engine.activity_ids(latest, key):
            problems.append({"field": "activity", "element": activity,
                             "message": f"no activity '{activity}' in process '{key}'"})
    if problems:
        raise Invalid("the feedback cannot be recorded", errors=problems)
    item = ProcessFeedback(process=key, activity=activity or None, text=text, author=user.name, created_at=utcnow())
    db.session.add(item)
    db.session.flush()
    history.record("process.feedback", user.name, process=key, version=info.version, activity=activity or None,
                   data={"feedback_id": item.id, "text": text, "owner": info.owner})
    return item


def list_feedback(key: str, user: User, limit: int, after: str | None) -> Page:
    """Feedback on a process, newest first: for its owner, analysts and admins."""
    info = owners.get(key)
    if user.role not in ("admin", "analyst") and not owners.is_owner(user, info):
        raise Forbidden(f"feedback on '{key}' is read by its owner ({info.owner or 'nobody'}) and analysts")
    q = select(ProcessFeedback).where(ProcessFeedback.process == key)
    return page(q, [ProcessFeedback.created_at, ProcessFeedback.id], [dt.datetime, str], limit, after,
                descending=True)
