"""Per-day series for the dashboard's charts: instances started and completed (throughput) and the
cycle time of those completed, per UTC day over a window; SLA adherence and exception rate per process.

Each series is one grouped query over an index range (instances by status and end time, by start time),
so its cost follows the window, not the whole history. Days without any row are filled with zero
(throughput) or None (cycle time: nothing to measure), so that a line has one point per day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import func, literal_column, select

from models import Instance, db

from ..db import is_postgres
from ..states import InstanceStatus
from . import dashboard, sla


def day_of(column: Any) -> Any:
    """The UTC day of a timestamp column as 'YYYY-MM-DD' text (timestamps are stored in UTC)."""
    # The format is inlined, not bound: PostgreSQL matches a grouped expression to the selected one
    # textually, and two bind parameters would be two different expressions to it.
    if is_postgres():
        return func.to_char(column, literal_column("'YYYY-MM-DD'"))
    return func.strftime(literal_column("'%Y-%m-%d'"), column)


def days_of(now: dt.datetime, days: int) -> list[str]:
    """The `days` UTC days up to and including today's, oldest first."""
    today = now.astimezone(dt.UTC).date()
    return [(today - dt.timedelta(days=n)).isoformat() for n in range(days - 1, -1, -1)]


def window_start(now: dt.datetime, days: int) -> dt.datetime:
    """Midnight UTC of the first day of the window (whole days, so the first bar is not a partial day)."""
    first = now.astimezone(dt.UTC).date() - dt.timedelta(days=days - 1)
    return dt.datetime(first.year, first.month, first.day, tzinfo=dt.UTC)


def daily(now: dt.datetime | None = None, days: int = 7, process: str | None = None) -> dict[str, Any]:
    """{"days": [...], "started": [n], "completed": [n], "cycle_avg": [s|None], "cycle_p50": [...],
    "cycle_p90": [...]}: one entry per day of the window, oldest first."""
    now = now or dt.datetime.now(dt.UTC)
    labels = days_of(now, days)
    since = window_start(now, days)
    only = [Instance.process == process] if process else []
    day = day_of(Instance.started_at)
    started = dict(db.session.execute(select(day, func.count()).where(Instance.started_at >= since, *only)
                                      .group_by(day)).all())
    ended = day_of(Instance.ended_at)
    seconds = dashboard.seconds_between(Instance.ended_at, Instance.started_at)
    finished = [Instance.status == InstanceStatus.COMPLETED, Instance.ended_at >= since, *only]
    spread = {row["group"][0]: row for row in dashboard.percentiles([ended], seconds, finished)}
    out: dict[str, Any] = defaultdict(list)
    out["days"] = labels
    for label in labels:
        day_row = spread.get(label, {})
        out["started"].append(int(started.get(label, 0)))
        out["completed"].append(int(day_row.get("count", 0)))
        out["cycle_avg"].append(_ms(day_row.get("avg")))
        out["cycle_p50"].append(_ms(day_row.get("p50")))
        out["cycle_p90"].append(_ms(day_row.get("p90")))
    return dict(out)


def _ms(seconds: Any) -> float | None:
    """Seconds to the millisecond: SQLite's julianday arithmetic leaves noise below it."""
    return round(float(seconds), 3) if seconds is not None else None


def adherence_by_process(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """sla.figures' adherence (per process and activity) summed per process."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in figures["adherence"]:
        totals[row["process"]][0] += row["completed"]
        totals[row["process"]][1] += row["met"]
    return [{"process": p, "completed": n, "met": m, "missed": n - m, "adherence": m / n if n else None}
            for p, (n, m) in sorted(totals.items())]


def charts(now: dt.datetime | None = None, days: int = 7) -> dict[str, Any]:
    """What the dashboard draws: ageing of open tasks, the daily series, adherence and exception rate."""
    now = now or dt.datetime.now(dt.UTC)
    work = dashboard.work_in_progress(now=now, days=days)
    levels = sla.figures(now=now, days=days)
    return {"work": work, "sla": levels, "daily": daily(now, days),
            "adherence": adherence_by_process(levels), "exceptions": work["incidents"]}
