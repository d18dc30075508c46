"""The diagram as a heat map: per activity of one process version, the instances waiting there now,
how long a visit took (average and p90, from the history), how often it completed, and open incidents.
Also the instances waiting at (or failed at) one activity, for the list a click on the map opens.

Time spent at an activity is measured per visit, from the event that marks its arrival to its
`activity.completed`: `task.created` for a user task, `timer.scheduled` for a timer, the external
task's row for a service task that waits for a worker. Whatever finishes in the step that reached it
(scripts, gateways, events thrown) took no time between steps: 0 s. The arrival is the latest such
event before the completion (`seq`), so a task visited again in a loop is measured per visit. The completions are
joined to the arrivals of the same process in one hash join (see bench/bench_charts.py for the figures).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import and_, func, select, union
from sqlalchemy.orm import aliased

from models import Definition, Event, ExternalTask, Incident, Instance, Subscription, Task, Timer, db

from ..exceptions import NotFound
from ..states import ExternalTaskState, InstanceStatus, TaskStatus, TimerState
from . import dashboard

ARRIVALS = ("task.created", "timer.scheduled")


def _definition(definition_id: str) -> Definition:
    definition = db.session.get(Definition, definition_id)
    if definition is None:
        raise NotFound(f"no process definition {definition_id}")
    return definition


def _visit_seconds(definition: Definition, since: dt.datetime | None) -> tuple[Any, Any]:
    """(activity column, seconds per visit) over the completions of one version: the completions joined
    to their arrivals (a hash join, not a probe per row), the latest arrival before each completion."""
    done = aliased(Event)
    arrival = aliased(Event)
    where = [done.process == definition.key, done.version == definition.version,
             done.type == "activity.completed", done.activity.is_not(None)]
    if since is not None:
        where.append(done.at >= since)
    arrived = and_(arrival.instance_id == done.instance_id, arrival.task_id == done.task_id, arrival.seq < done.seq,
                   arrival.type.in_(ARRIVALS), arrival.process == definition.key)
    visits = (select(done.activity.label("activity"), done.at.label("at"), func.max(arrival.at).label("arrived"),
                     func.max(ExternalTask.created_at).label("worker"))
              .select_from(done).outerjoin(arrival, arrived).outerjoin(ExternalTask, ExternalTask.id == done.task_id)
              .where(*where).group_by(done.seq, done.activity, done.at).subquery())
    start = func.coalesce(visits.c.arrived, visits.c.worker, visits.c.at)
    return visits.c.activity, dashboard.seconds_between(visits.c.at, start)


def statistics(definition_id: str, since: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Per activity of a definition (every activity that has something to show), by activity id:
    {"activity", "name", "waiting", "waiting_by_kind", "instances", "completed", "avg_seconds",
    "p90_seconds", "incidents", "incidents_by_type"}. `since`: time spent over visits completed since."""
    definition = _definition(definition_id)
    names = {a: n for a, n in ((definition.meta or {}).get("names") or {}).items() if n}
    rows: dict[str, dict[str, Any]] = defaultdict(lambda: {
        "waiting": 0, "waiting_by_kind": {}, "instances": 0, "completed": 0, "avg_seconds": None,
        "p90_seconds": None, "incidents": 0, "incidents_by_type": {}})
    for (_, activity), kinds in dashboard.tokens(dashboard.open_instance_ids(definition_id)).items():
        rows[activity]["waiting"] += sum(kinds.values())
        rows[activity]["waiting_by_kind"] = dict(kinds)
    for activity, n in db.session.execute(_waiting_instances_per_activity(definition_id)):
        rows[activity]["instances"] = n
    activity, seconds = _visit_seconds(definition, since)
    for item in dashboard.percentiles([activity], seconds, []):  # one pass over the visits
        row = rows[item["group"][0]]
        row["completed"], row["avg_seconds"], row["p90_seconds"] = item["count"], _ms(item["avg"]), _ms(item["p90"])
    failing = select(Incident.activity, Incident.type, func.count()).where(
        Incident.resolved_at.is_(None), Incident.activity.is_not(None),
        Incident.instance_id.in_(select(Instance.id).where(Instance.definition_id == definition_id))
    ).group_by(Incident.activity, Incident.type)
    for act, kind, n in db.session.execute(failing):
        rows[act]["incidents"] += n
        rows[act]["incidents_by_type"][kind] = n
    return [{"activity": a, "name": names.get(a) or a, **row} for a, row in sorted(rows.items())]


def _ms(seconds: Any) -> float | None:
    """Seconds to the millisecond: SQLite's julianday arithmetic leaves noise below it."""
    return round(float(seconds), 3) if seconds is not None else None


def _waiting_at(activity: str | None = None) -> Any:
    """(instance_id, activity) of every token waiting now and every open incident, optionally at one activity."""
    parts = [
        select(Task.instance_id, Task.activity).where(Task.status == TaskStatus.OPEN),
        select(Timer.instance_id, Timer.activity).where(Timer.state == TimerState.WAITING,
                                                        Timer.instance_id.is_not(None)),
        select(ExternalTask.instance_id, ExternalTask.activity).where(ExternalTask.state == ExternalTaskState.OPEN),
        select(Subscription.instance_id, Subscription.activity),
        select(Incident.instance_id, Incident.activity).where(Incident.resolved_at.is_(None)),
    ]
    if activity is not None:
        parts = [p.where(p.selected_columns[1] == activity) for p in parts]
    return union(*parts).subquery()


def _waiting_instances_per_activity(definition_id: str) -> Any:
    here = _waiting_at()
    return (select(here.c.activity, func.count(func.distinct(here.c.instance_id)))
            .where(here.c.instance_id.in_(select(Instance.id).where(Instance.definition_id == definition_id,
                                                                    Instance.status.in_(dashboard.OPEN_STATUSES))))
            .group_by(here.c.activity))


def instances_at(activity: str) -> Any:
    """A condition on Instance: it waits at `activity` now (a task, timer, worker, message or signal) or
    failed there (an open incident). For the instance list's `activity` filter."""
    here = _waiting_at(activity)
    return Instance.id.in_(select(here.c.instance_id)) & Instance.status.in_(
        (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED, InstanceStatus.FAILED))


def camunda_statistics(definition_id: str, failed_jobs: bool, incidents: bool,
                       incidents_for_type: str | None) -> list[dict[str, Any]]:
    """Camunda 7's ActivityStatisticsResultDto list: activities with instances waiting (or, when asked,
    incidents). A failed job is an open incident here (a failed step that waits for a retry)."""
    out = []
    for row in statistics(definition_id):
        kinds = row["incidents_by_type"]
        if incidents_for_type:
            kinds = {k: n for k, n in kinds.items() if k == incidents_for_type}
        shown = incidents or bool(incidents_for_type)
        if not row["waiting"] and not (shown and kinds) and not (failed_jobs and row["incidents"]):
            continue
        out.append({"id": row["activity"], "instances": row["waiting"],
                    "failedJobs": row["incidents"] if failed_jobs else 0,
                    "incidents": [{"incidentType": k, "incidentCount": n} for k, n in sorted(kinds.items())]
                    if shown else []})
    return out
