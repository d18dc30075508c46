"""What the pages poll to refresh by themselves (issue 23): a small summary of a user's task list (open
tasks they see, those nobody holds, the newest, the count of each saved filter) and the newest history
event's number for the dashboard. The pages send it with an ETag: while nothing changed, a poll is a 304."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from models import Event, User, db

from ..jsonutil import iso
from . import task_filters
from .tasks import task_query


def task_state(user: User) -> dict[str, Any]:
    visible = task_query(user).subquery()
    total, free, newest = db.session.execute(select(
        func.count(), func.count().filter(visible.c.assignee.is_(None)), func.max(visible.c.created_at))).one()
    return {"open": total, "unassigned": free, "newest": iso(newest) if newest else None,
            "filters": [{"id": f["id"], "name": f["name"], "count": f["count"]}
                        for f in task_filters.with_counts(user)]}


def event_mark() -> int:
    """The number of the newest history event: any change to what the dashboard shows records one."""
    return int(db.session.execute(select(func.coalesce(func.max(Event.seq), 0))).scalar_one())


