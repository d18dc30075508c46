"""Prometheus metrics, computed from the database so that every process reports the same truth.

Counters and histograms are derived from rows (instances, tasks, incidents, timers) at scrape time:
with several server processes there is no in-memory registry to merge.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select

from models import Incident, Instance, Task, Timer, db

from ..db import is_postgres

BUCKETS = (0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 86400, 7 * 86400)


def _seconds(later: Any, earlier: Any) -> Any:
    if is_postgres():
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _histogram(name: str, help_: str, label: str, group_col: Any, value: Any, where: Any) -> list[str]:
    cols = [group_col.label("g"), func.count().label("n"), func.coalesce(func.sum(value), 0).label("s")]
    cols += [func.sum(case((value <= b, 1), else_=0)).label(f"b{i}") for i, b in enumerate(BUCKETS)]
    rows = db.session.execute(select(*cols).where(where).group_by(group_col)).all()
    lines = [f"# HELP {name} {help_}", f"# TYPE {name} histogram"]
    for row in rows:
        tag = f'{label}="{_esc(row.g)}"'
        for i, b in enumerate(BUCKETS):
            lines.append(f'{name}_bucket{{{tag},le="{b:g}"}} {int(getattr(row, f"b{i}") or 0)}')
        lines.append(f'{name}_bucket{{{tag},le="+Inf"}} {row.n}')
        lines.append(f"{name}_sum{{{tag}}} {float(row.s):.3f}")
        lines.append(f"{name}_count{{{tag}}} {row.n}")
    return lines


def _esc(value: Any) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def render() -> str:
    out: list[str] = []
    started = db.session.execute(select(Instance.process, func.count()).group_by(Instance.process)).all()
    out += ["# HELP bpmn_instances_started_total Process instances started.",
            "# TYPE bpmn_instances_started_total counter"]
    out += [f'bpmn_instances_started_total{{process="{_esc(p)}"}} {n}' for p, n in started]
    by_status = db.session.execute(select(Instance.process, Instance.status, func.count())
                                   .group_by(Instance.process, Instance.status)).all()
    out += ["# HELP bpmn_instances Process instances by current status.", "# TYPE bpmn_instances gauge"]
    out += [f'bpmn_instances{{process="{_esc(p)}",status="{s}"}} {n}' for p, s, n in by_status]
    out += ["# HELP bpmn_instances_ended_total Process instances ended, by final status.",
            "# TYPE bpmn_instances_ended_total counter"]
    out += [f'bpmn_instances_ended_total{{process="{_esc(p)}",status="{s}"}} {n}' for p, s, n in by_status
            if s in ("completed", "cancelled")]
    open_tasks = db.session.execute(select(Task.process, func.count()).where(Task.status == "open")
                                    .group_by(Task.process)).all()
    out += ["# HELP bpmn_tasks_open Open user tasks.", "# TYPE bpmn_tasks_open gauge"]
    out += [f'bpmn_tasks_open{{process="{_esc(p)}"}} {n}' for p, n in open_tasks]
    incidents = db.session.execute(select(Incident.process, func.count()).where(Incident.resolved_at.is_(None))
                                   .group_by(Incident.process)).all()
    out += ["# HELP bpmn_incidents_open Unresolved incidents.", "# TYPE bpmn_incidents_open gauge"]
    out += [f'bpmn_incidents_open{{process="{_esc(p)}"}} {n}' for p, n in incidents]
    out += _histogram("bpmn_task_claim_seconds", "Time from task creation to claim.", "process", Task.process,
                      _seconds(Task.claimed_at, Task.created_at), Task.claimed_at.is_not(None))
    out += _histogram("bpmn_task_completion_seconds", "Time from task creation to completion.", "process",
                      Task.process, _seconds(Task.completed_at, Task.created_at),
                      (Task.status == "completed") & Task.completed_at.is_not(None))
    out += _histogram("bpmn_instance_cycle_seconds", "Time from instance start to completion.", "process",
                      Instance.process, _seconds(Instance.ended_at, Instance.started_at),
                      (Instance.status == "completed") & Instance.ended_at.is_not(None))
    out += _histogram("bpmn_timer_lag_seconds", "How late timers fired after their due time.", "process",
                      Timer.process, _seconds(Timer.fired_at, Timer.due_at),
                      (Timer.state == "fired") & Timer.fired_at.is_not(None))
    waiting = db.session.execute(select(func.count()).select_from(Timer).where(Timer.state == "waiting")
                                 ).scalar_one()
    out += ["# HELP bpmn_timers_waiting Timers waiting to fire.", "# TYPE bpmn_timers_waiting gauge",
            f"bpmn_timers_waiting {waiting}"]
    return "\n".join(out) + "\n"
