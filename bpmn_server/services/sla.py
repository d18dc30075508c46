"""Service levels from the rows: SLA adherence, overdue work, rework and exception categories.

- adherence: of the tasks with a due date completed in the window, the share completed by their due date,
  per process and activity;
- overdue: open tasks past their due date, per process and activity;
- rework: activities completed more than once in one instance (loops back, retries), per activity: how
  many instances did so and how many extra runs there were (from `activity.completed` events in the window;
  a multi-instance activity's runs count too);
- exceptions: incidents created in the window per process and type, and their rate per instance started.
The dashboard (web) and /metrics read the same figures.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case, func, select

from models import Event, Incident, Instance, Task, db


def adherence(since: dt.datetime) -> list[dict[str, Any]]:
    met = func.sum(case((Task.completed_at <= Task.due_at, 1), else_=0))
    rows = db.session.execute(
        select(Task.process, Task.activity, func.count(), met)
        .where(Task.status == "completed", Task.completed_at >= since, Task.due_at.is_not(None))
        .group_by(Task.process, Task.activity).order_by(Task.process, Task.activity))
    return [{"process": p, "activity": a, "completed": n, "met": int(m or 0), "missed": n - int(m or 0),
             "adherence": int(m or 0) / n if n else None} for p, a, n, m in rows]


def overdue(now: dt.datetime) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(Task.process, Task.activity, func.count(), func.min(Task.due_at))
        .where(Task.status == "open", Task.due_at < now)
        .group_by(Task.process, Task.activity).order_by(Task.process, Task.activity))
    return [{"process": p, "activity": a, "open": n, "oldest_due_at": d} for p, a, n, d in rows]


def rework(since: dt.datetime) -> list[dict[str, Any]]:
    runs = (select(Event.process.label("process"), Event.activity.label("activity"),
                   func.count().label("n"))
            .where(Event.type == "activity.completed", Event.at >= since, Event.activity.is_not(None))
            .group_by(Event.process, Event.activity, Event.instance_id).having(func.count() > 1).subquery())
    rows = db.session.execute(select(runs.c.process, runs.c.activity, func.count(), func.sum(runs.c.n - 1))
                              .group_by(runs.c.process, runs.c.activity).order_by(runs.c.process, runs.c.activity))
    return [{"process": p, "activity": a, "instances": n, "extra_runs": int(x or 0)} for p, a, n, x in rows]


def exceptions(since: dt.datetime) -> list[dict[str, Any]]:
    started = dict(db.session.execute(select(Instance.process, func.count()).where(Instance.started_at >= since)
                                      .group_by(Instance.process)).all())
    rows = db.session.execute(select(Incident.process, Incident.type, func.count())
                              .where(Incident.created_at >= since)
                              .group_by(Incident.process, Incident.type).order_by(Incident.process, Incident.type))
    return [{"process": p, "type": t, "incidents": n, "started": started.get(p, 0),
             "rate": n / started[p] if started.get(p) else None} for p, t, n in rows]


def figures(now: dt.datetime | None = None, days: float = 30) -> dict[str, Any]:
    """Every service-level figure over the last `days`."""
    now = now or dt.datetime.now(dt.UTC)
    since = now - dt.timedelta(days=days)
    return {"days": days, "since": since, "adherence": adherence(since), "overdue": overdue(now),
            "rework": rework(since), "exceptions": exceptions(since)}
