"""Prometheus metrics: this server's own counters (prometheus-client) plus figures read from the database.

Request latency and engine step time are measured in each process (observability.py); with several
gunicorn workers prometheus-client's multiprocess mode sums them across processes at scrape time.
Instance, task, incident and timer figures are derived from rows by a custom collector at scrape time,
so every process reports the same truth however many there are.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from prometheus_client import generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from sqlalchemy import case, func, select

from models import Incident, Instance, Task, Timer, db

from .. import observability
from ..db import is_postgres
from ..states import ENDED, InstanceStatus, TaskStatus, TimerState
from . import people_metrics
from . import uow as units

log = logging.getLogger(__name__)
BUCKETS = (0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 86400, 7 * 86400)


def _seconds(later: Any, earlier: Any) -> Any:
    if is_postgres():
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _histogram(name: str, help_: str, group_col: Any, value: Any, where: Any) -> HistogramMetricFamily:
    cols = [group_col.label("g"), func.count().label("n"), func.coalesce(func.sum(value), 0).label("s")]
    cols += [func.sum(case((value <= b, 1), else_=0)).label(f"b{i}") for i, b in enumerate(BUCKETS)]
    family = HistogramMetricFamily(name, help_, labels=["process"])
    for row in db.session.execute(select(*cols).where(where).group_by(group_col)).all():
        buckets = [(f"{b:g}", int(getattr(row, f"b{i}") or 0)) for i, b in enumerate(BUCKETS)]
        family.add_metric([str(row.g)], buckets + [("+Inf", row.n)], float(row.s))
    return family


def _database_figures() -> Iterator[Metric]:
    started = CounterMetricFamily("bpmn_instances_started", "Process instances started (kept in the database).",
                                  labels=["process"])
    for process, n in db.session.execute(select(Instance.process, func.count()).group_by(Instance.process)):
        started.add_metric([process], n)
    yield started
    by_status = db.session.execute(select(Instance.process, Instance.status, func.count())
                                   .group_by(Instance.process, Instance.status)).all()
    current = GaugeMetricFamily("bpmn_instances", "Process instances by current status.",
                                labels=["process", "status"])
    ended = CounterMetricFamily("bpmn_instances_ended", "Process instances ended, by final status.",
                                labels=["process", "status"])
    for process, status, n in by_status:
        current.add_metric([process, status], n)
        if status in ENDED:
            ended.add_metric([process, status], n)
    yield current
    yield ended
    open_tasks = GaugeMetricFamily("bpmn_tasks_open", "Open user tasks.", labels=["process"])
    for process, n in db.session.execute(select(Task.process, func.count()).where(Task.status == TaskStatus.OPEN)
                                         .group_by(Task.process)):
        open_tasks.add_metric([process], n)
    yield open_tasks
    incidents = GaugeMetricFamily("bpmn_incidents_open", "Unresolved incidents.", labels=["process"])
    for process, n in db.session.execute(select(Incident.process, func.count())
                                         .where(Incident.resolved_at.is_(None)).group_by(Incident.process)):
        incidents.add_metric([process], n)
    yield incidents
    yield _histogram("bpmn_task_claim_seconds", "Time from task creation to claim.", Task.process,
                     _seconds(Task.claimed_at, Task.created_at), Task.claimed_at.is_not(None))
    yield _histogram("bpmn_task_completion_seconds", "Time from task creation to completion.", Task.process,
                     _seconds(Task.completed_at, Task.created_at),
                     (Task.status == TaskStatus.COMPLETED) & Task.completed_at.is_not(None))
    yield _histogram("bpmn_instance_cycle_seconds", "Time from instance start to completion.", Instance.process,
                     _seconds(Instance.ended_at, Instance.started_at),
                     (Instance.status == InstanceStatus.COMPLETED) & Instance.ended_at.is_not(None))
    yield _histogram("bpmn_timer_lag_seconds", "How late timers fired after their due time.", Timer.process,
                     _seconds(Timer.fired_at, Timer.due_at),
                     (Timer.state == TimerState.FIRED) & Timer.fired_at.is_not(None))
    waiting = db.session.execute(select(func.count()).select_from(Timer)
                                 .where(Timer.state == TimerState.WAITING)).scalar_one()
    yield GaugeMetricFamily("bpmn_timers_waiting", "Timers waiting to fire.", value=waiting)
    yield from people_metrics.figures()  # notifications and service levels


class DatabaseCollector:
    """A prometheus-client collector that reads the figures from the database at scrape time."""

    def collect(self) -> Iterator[Metric]:
        try:
            families = list(_database_figures())
        except Exception:  # noqa: BLE001 - a scrape must still answer (and say the database is down)
            log.warning("metrics: the database could not be read", exc_info=True)
            units.end_read()
            yield GaugeMetricFamily("bpmn_database_up", "1 when the database answered this scrape.", value=0)
            return
        units.end_read()  # a read: end the transaction now, do not hold a snapshot open
        yield GaugeMetricFamily("bpmn_database_up", "1 when the database answered this scrape.", value=1)
        yield from families


class _Scrape:
    def __init__(self, *collectors: Any):
        self.collectors = collectors

    def collect(self) -> Iterator[Metric]:
        for collector in self.collectors:
            yield from collector.collect()


def render() -> bytes:
    """The Prometheus text exposition of every metric (this server's processes, then the database's)."""
    return generate_latest(_Scrape(observability.process_metrics(), DatabaseCollector()))  # type: ignore[arg-type]
