"""Who may work a user task: assignee, candidates, lane, due date, priority, from deploy-time metadata."""

from __future__ import annotations

import datetime as dt
from typing import Any

from models import Instance, Task, TaskCandidate

from .. import engine

FAR_FUTURE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


def _value(source: str | None, data: dict[str, Any], activity: str, what: str) -> Any:
    if source is None:
        return None
    try:
        return engine.evaluate(source, data)
    except Exception as exc:  # noqa: BLE001 - any failure of user code becomes an incident
        raise engine.StepFailed(activity, "expression", f"{what} expression failed: {exc}") from None


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple, set)) else str(value).split(",")
    return sorted({str(v).strip() for v in items if str(v).strip()})


def _due(value: Any, now: dt.datetime) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    text = str(value).strip()
    if text.upper().startswith("P"):
        from ..engine.expressions import is_iso_literal

        if is_iso_literal(text):
            return now + _duration(text)
    parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _duration(text: str) -> dt.timedelta:
    import re

    m = re.match(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$", text.upper())
    if not m:
        raise ValueError(f"unsupported duration {text}")
    d, h, mi, s = m.groups()
    return dt.timedelta(days=int(d or 0), hours=int(h or 0), minutes=int(mi or 0), seconds=float(s or 0))


def task_row(instance: Instance, meta: dict[str, Any], item: engine.OpenTask,
             now: dt.datetime) -> tuple[Task, list[TaskCandidate]]:
    spec = meta.get("user_tasks", {}).get(item.activity, {})
    data = item.data
    assignee = _value(spec.get("assignee"), data, item.activity, "assignee")
    groups = _names(_value(spec.get("candidate_groups"), data, item.activity, "candidateGroups"))
    users = _names(_value(spec.get("candidate_users"), data, item.activity, "candidateUsers"))
    if not groups and not users and not assignee and spec.get("lane"):
        groups = [spec["lane"]]
    try:
        due = _due(_value(spec.get("due_date"), data, item.activity, "dueDate"), now)
    except ValueError as exc:
        raise engine.StepFailed(item.activity, "expression", f"dueDate is not a date: {exc}") from None
    priority_raw = _value(spec.get("priority"), data, item.activity, "priority")
    try:
        priority = int(priority_raw) if priority_raw not in (None, "") else 50
    except (TypeError, ValueError):
        raise engine.StepFailed(item.activity, "expression", f"priority is not a number: {priority_raw!r}") from None
    row = Task(id=item.id, instance_id=instance.id, process=instance.process, business_key=instance.business_key,
               activity=item.activity, name=spec.get("name") or item.name, status="open",
               assignee=str(assignee) if assignee else None, candidate_groups=groups, candidate_users=users,
               open_to_all=not (groups or users or assignee), due_at=due, due_sort=due or FAR_FUTURE,
               priority=priority, form=spec.get("form"), created_at=now)
    candidates = [TaskCandidate(task_id=item.id, kind="group", value=g) for g in groups]
    candidates += [TaskCandidate(task_id=item.id, kind="user", value=u) for u in users]
    return row, candidates
