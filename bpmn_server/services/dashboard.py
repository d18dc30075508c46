"""Read-side queries for the web pages: the dashboard of work in progress, and per-activity counts
that the diagrams show as overlays.

Everything is computed from the derived rows (tasks, timers, external tasks, subscriptions,
incidents, instances) and, for what already happened, from the history: no workflow is loaded.
Percentiles are computed by PostgreSQL (`percentile_cont`) or, on SQLite, in Python over the
durations of the chosen window, with the same linear interpolation.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import case, func, select

from models import Definition, Deployment, Event, ExternalTask, Incident, Instance, Subscription, Task, Timer, db

from ..db import is_postgres
from ..states import ExternalTaskState, InstanceStatus, TaskStatus, TimerState

OPEN_STATUSES = (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED, InstanceStatus.FAILED)
AGE_BUCKETS = (("< 1 h", dt.timedelta(hours=1)), ("< 1 day", dt.timedelta(days=1)),
               ("< 1 week", dt.timedelta(weeks=1)), ("older", None))
PERCENTILES = (0.5, 0.9, 0.95)


def seconds_between(later: Any, earlier: Any) -> Any:
    """`later - earlier` in seconds, as SQL on either database."""
    if is_postgres():
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (what PostgreSQL's percentile_cont computes)."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def percentiles(groups: list[Any], value: Any, where: list[Any]) -> list[dict[str, Any]]:
    """Count, average and percentiles of `value` per group: [{"group": (..), "count": n, "avg": s,
    "p50": s, ...}], in one pass over the rows."""
    out: list[dict[str, Any]] = []
    if is_postgres():
        # `value` is computed once per row in a materialized CTE, then aggregated: inlined, PostgreSQL
        # would compute it again for each aggregate (it may be costly: a join, a subquery).
        rows = (select(*[g.label(f"g{i}") for i, g in enumerate(groups)], value.label("v")).where(*where)
                .cte().prefix_with("MATERIALIZED"))
        keys = [rows.c[f"g{i}"] for i in range(len(groups))]
        cols = [*keys, func.count(rows.c.v).label("n"), func.avg(rows.c.v).label("avg")]
        cols += [func.percentile_cont(q).within_group(rows.c.v).label(f"p{int(q * 100)}") for q in PERCENTILES]
        for row in db.session.execute(select(*cols).where(rows.c.v.is_not(None)).group_by(*keys).order_by(*keys)):
            item = {"group": tuple(row[: len(groups)]), "count": row.n, "avg": _float(row.avg)}
            item.update({f"p{int(q * 100)}": _float(getattr(row, f"p{int(q * 100)}")) for q in PERCENTILES})
            out.append(item)
        return out
    values: dict[tuple, list[float]] = defaultdict(list)
    for row in db.session.execute(select(*groups, value.label("v")).where(*where)):
        if row.v is not None:
            values[tuple(row[: len(groups)])].append(float(row.v))
    for group in sorted(values):
        item = {"group": group, "count": len(values[group]), "avg": sum(values[group]) / len(values[group])}
        item.update({f"p{int(q * 100)}": percentile(values[group], q) for q in PERCENTILES})
        out.append(item)
    return out


def _float(value: Any) -> float | None:
    return float(value) if value is not None else None


def _ageing(column: Any, where: list[Any], now: dt.datetime) -> dict[str, int]:
    """How many rows are younger than each bound (by `column`), and how many are older than a week."""
    cols = []
    for i, (_, span) in enumerate(AGE_BUCKETS):
        lower = now - span if span is not None else None
        upper = now - AGE_BUCKETS[i - 1][1] if i > 0 else None
        cond = [c for c in ((column > lower) if lower is not None else None,
                            (column <= upper) if upper is not None else None) if c is not None]
        test = cond[0] if len(cond) == 1 else cond[0] & cond[1]
        cols.append(func.coalesce(func.sum(case((test, 1), else_=0)), 0).label(f"b{i}"))
    row = db.session.execute(select(*cols).where(*where)).one()
    return {label: int(row[i]) for i, (label, _) in enumerate(AGE_BUCKETS)}


def activity_names() -> dict[tuple[str, str], str]:
    """Activity names of the latest version of every process (for labels)."""
    newest = select(Definition.key, func.max(Definition.version).label("v")).group_by(Definition.key).subquery()
    rows = db.session.execute(select(Definition.key, Definition.meta).join(
        newest, (Definition.key == newest.c.key) & (Definition.version == newest.c.v)))
    return {(key, activity): name for key, meta in rows for activity, name in ((meta or {}).get("names") or {}).items()
            if name}


def open_instance_ids(definition_id: str | None = None) -> Any:
    q = select(Instance.id).where(Instance.status.in_(OPEN_STATUSES))
    return q.where(Instance.definition_id == definition_id) if definition_id else q


def tokens(instance_ids: Any) -> dict[tuple[str, str], dict[str, int]]:
    """Waiting tokens per (process, activity) and kind: open tasks, timers, external tasks, catchers."""
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    queries = [
        ("tasks", select(Task.process, Task.activity, func.count()).where(
            Task.status == TaskStatus.OPEN, Task.instance_id.in_(instance_ids)).group_by(Task.process, Task.activity)),
        ("timers", select(Timer.process, Timer.activity, func.count()).where(
            Timer.state == TimerState.WAITING, Timer.instance_id.in_(instance_ids))
            .group_by(Timer.process, Timer.activity)),
        ("external", select(ExternalTask.process, ExternalTask.activity, func.count()).where(
            ExternalTask.state == ExternalTaskState.OPEN, ExternalTask.instance_id.in_(instance_ids))
            .group_by(ExternalTask.process, ExternalTask.activity)),
        ("events", select(Subscription.process, Subscription.activity, func.count()).where(
            Subscription.instance_id.in_(instance_ids)).group_by(Subscription.process, Subscription.activity)),
    ]
    for kind, query in queries:
        for process, activity, n in db.session.execute(query):
            counts[(process, activity)][kind] += n
    return counts


def work_in_progress(now: dt.datetime | None = None, days: int = 7) -> dict[str, Any]:
    """The weekly review: what is open where, how old it is, and how long finished work took."""
    now = now or dt.datetime.now(dt.UTC)
    since = now - dt.timedelta(days=days)
    names = activity_names()
    statuses: dict[str, dict[str, int]] = defaultdict(dict)
    for process, status, n in db.session.execute(select(Instance.process, Instance.status, func.count())
                                                 .group_by(Instance.process, Instance.status)):
        statuses[process][status] = n
    activities = [{"process": p, "activity": a, "name": names.get((p, a)) or a, **dict(kinds),
                   "total": sum(kinds.values())}
                  for (p, a), kinds in sorted(tokens(open_instance_ids()).items())]
    cycle = percentiles([Instance.process], seconds_between(Instance.ended_at, Instance.started_at),
                         [Instance.status == InstanceStatus.COMPLETED, Instance.ended_at >= since])
    latency = percentiles([Task.process, Task.activity], seconds_between(Task.completed_at, Task.created_at),
                           [Task.status == TaskStatus.COMPLETED, Task.completed_at >= since])
    claim = {row["group"]: row for row in percentiles(
        [Task.process, Task.activity], seconds_between(Task.claimed_at, Task.created_at),
        [Task.status == TaskStatus.COMPLETED, Task.completed_at >= since, Task.claimed_at.is_not(None)])}
    for row in latency:
        row["claim_p50"] = claim.get(row["group"], {}).get("p50")
        row["name"] = names.get(row["group"]) or row["group"][1]
    with_incident = Instance.id.in_(select(Incident.instance_id))
    rates = [{"process": p, "started": n, "with_incident": int(k or 0), "rate": (k or 0) / n if n else 0.0}
             for p, n, k in db.session.execute(
                 select(Instance.process, func.count(), func.sum(case((with_incident, 1), else_=0)))
                 .where(Instance.started_at >= since).group_by(Instance.process).order_by(Instance.process))]
    return {
        "now": now, "days": days, "since": since,
        "instances": [{"process": p, "by_status": s, "open": sum(s.get(x, 0) for x in OPEN_STATUSES)}
                      for p, s in sorted(statuses.items())],
        "activities": activities,
        "ageing": {"tasks": _ageing(Task.created_at, [Task.status == TaskStatus.OPEN], now),
                   "instances": _ageing(Instance.started_at, [Instance.status.in_(OPEN_STATUSES)], now)},
        "cycle": cycle, "latency": latency, "incidents": rates,
        "open_incidents": db.session.execute(select(func.count()).select_from(Incident)
                                             .where(Incident.resolved_at.is_(None))).scalar_one(),
    }


def completed_activities(instance_id: str, event: str = "activity.completed") -> dict[str, int]:
    """How often each activity of an instance completed (from its history); with `event`
    "activity.compensated", how often it was compensated."""
    rows = db.session.execute(select(Event.activity, func.count()).where(
        Event.instance_id == instance_id, Event.type == event, Event.activity.is_not(None))
        .group_by(Event.activity))
    return {activity: n for activity, n in rows}


def waiting_timers(instance_ids: list[str]) -> list[Any]:
    """Waiting timers of some instances, soonest first: (id, instance_id, activity, due_at, definition_id)."""
    if not instance_ids:
        return []
    return list(db.session.execute(
        select(Timer.id, Timer.instance_id, Timer.activity, Timer.due_at, Instance.definition_id)
        .join(Instance, Instance.id == Timer.instance_id)
        .where(Timer.state == TimerState.WAITING, Timer.instance_id.in_(instance_ids)).order_by(Timer.due_at)).all())


def versions(key: str) -> list[Any]:
    """Every version of a process with its deployment (who, when, the change note), newest first."""
    return list(db.session.execute(
        select(Definition.id, Definition.key, Definition.name, Definition.version, Definition.created_at,
               Definition.filename, Deployment.created_by, Deployment.note)
        .join(Deployment, Deployment.id == Definition.deployment_id)
        .where(Definition.key == key).order_by(Definition.version.desc())).all())
