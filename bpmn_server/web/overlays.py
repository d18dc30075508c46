"""What the diagrams show on top of the drawing (static/diagram.js draws it with bpmn-js overlays).

A diagram block is plain JSON in the page: where to get the XML (or the XML itself), CSS markers per
element, and small badges (counts, messages). Tokens, completed activities and incidents come from
the same rows the API serves; the deadline of a task from its instance's waiting boundary timers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from flask import url_for

from models import Incident, Instance, Task

from ..services import dashboard, deployments, heatmap
from . import diagram, present


def _hosts(definition_id: str) -> dict[str, str]:
    return diagram.definition_hosts(definition_id, lambda: deployments.get_definition(definition_id).xml)


def _block(markers: dict[str, set[str]], badges: list[dict[str, Any]], **source: Any) -> dict[str, Any]:
    return {**source, "markers": {k: sorted(v) for k, v in markers.items()}, "badges": badges}


def for_instance(instance: Instance, tasks: list[Task], incidents: list[Incident],
                 completed: dict[str, int], compensated: dict[str, int] | None = None) -> dict[str, Any]:
    """Active tokens (open tasks, waiting events), completed and compensated activities, open incidents."""
    markers: dict[str, set[str]] = defaultdict(set)
    badges: list[dict[str, Any]] = []
    for activity, n in completed.items():
        markers[activity].add("done")
        if n > 1:
            badges.append({"element": activity, "kind": "done", "text": f"{n}×", "title": f"completed {n} times"})
    for activity, n in (compensated or {}).items():  # undone by its compensation handler
        markers[activity].add("compensated")
        badges.append({"element": activity, "kind": "compensated", "text": "↺" if n == 1 else f"↺{n}",
                       "title": f"compensated {n} times" if n > 1 else "compensated"})
    active: dict[str, list[str]] = defaultdict(list)
    for task in tasks:
        active[task.activity].append(f"task: {task.assignee or 'unclaimed'}")
    for item in instance.waiting or []:
        what = item.get("type", "waiting")
        active[item.get("activity")].append(f"{what} due {item['due_at']}" if item.get("due_at") else what)
    for activity, why in active.items():
        markers[activity].discard("done")
        markers[activity].add("active")
        badges.append({"element": activity, "kind": "active", "text": str(len(why)), "title": "; ".join(why)})
    for incident in incidents:
        if incident.resolved_at is None and incident.activity:
            markers[incident.activity].add("incident")
            badges.append({"element": incident.activity, "kind": "incident", "text": "!",
                           "title": f"{incident.type}: {incident.message}"})
    return _block(markers, badges, xml_url=url_for("web.definition_xml", definition_id=instance.definition_id))


def heat_level(waiting: int, most: int) -> int:
    """0 (nothing waits) to 4 (the most waits here): the heat map's colour step."""
    if waiting <= 0 or most <= 0:
        return 0
    return min(4, 1 + (4 * waiting - 1) // most)


def for_definition(definition_id: str, rows: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The heat map of one version: waiting now, time spent per visit, open incidents; each activity with
    something to show links to the instances waiting (or failed) there."""
    rows = heatmap.statistics(definition_id) if rows is None else rows
    markers: dict[str, set[str]] = defaultdict(set)
    badges: list[dict[str, Any]] = []
    links: dict[str, str] = {}
    key = deployments.get_definition(definition_id).key
    most = max((r["waiting"] for r in rows), default=0)
    for row in rows:
        activity = row["activity"]
        level = heat_level(row["waiting"], most)
        if level:
            markers[activity].update({"active", f"heat-{level}"})
            badges.append({"element": activity, "kind": "active", "text": str(row["waiting"]),
                           "title": f"{row['waiting']} waiting here now"})
        if row["completed"] and row["avg_seconds"]:
            avg, p90 = present.duration(row["avg_seconds"]), present.duration(row["p90_seconds"])
            badges.append({"element": activity, "kind": "heat", "text": f"⌀ {avg} · p90 {p90}",
                           "title": f"{row['completed']} visits completed: average {avg}, p90 {p90}"})
        elif row["completed"]:
            markers[activity].add("done")
        if row["incidents"]:
            markers[activity].add("incident")
            badges.append({"element": activity, "kind": "incident", "text": str(row["incidents"]),
                           "title": f"{row['incidents']} open incidents"})
        if row["instances"]:
            links[activity] = url_for("web.instance_list", process=key, activity=activity)
            markers[activity].add("clickable")
    block = _block(markers, badges, xml_url=url_for("web.definition_xml", definition_id=definition_id))
    block["links"] = links
    return block


def for_errors(xml: bytes, errors: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A rejected upload: its drawing with each problem next to its element (None if it cannot be drawn)."""
    if not diagram.drawable(xml):
        return None
    markers: dict[str, set[str]] = defaultdict(set)
    badges = []
    for error in errors:
        element = error.get("element")
        if element:
            markers[element].add("error")
            line = f"line {error['line']}: " if error.get("line") else ""
            badges.append({"element": element, "kind": "error", "text": f"{line}{error.get('message')}",
                           "title": str(error.get("message"))})
    return _block(markers, badges, xml=xml.decode("utf-8", "replace"))


def for_task(definition_id: str, task: Task) -> dict[str, Any]:
    return _block({task.activity: {"active"}}, [],
                  xml_url=url_for("web.definition_xml", definition_id=definition_id))


def deadlines(tasks: list[Task]) -> dict[str, dict[str, Any]]:
    """Task id -> the soonest waiting boundary timer on it: {"due_at", "activity"}."""
    wanted = {(t.instance_id, t.activity): t.id for t in tasks if t.status == "open"}
    out: dict[str, dict[str, Any]] = {}
    for timer in dashboard.waiting_timers(sorted({t.instance_id for t in tasks if t.status == "open"})):
        host = _hosts(timer.definition_id).get(timer.activity)
        task_id = wanted.get((timer.instance_id, host))
        if task_id and (task_id not in out or timer.due_at < out[task_id]["due_at"]):
            out[task_id] = {"due_at": timer.due_at, "activity": timer.activity}
    return out


def ageing_class(created_at: dt.datetime, now: dt.datetime | None = None) -> str:
    """A CSS class for the age of waiting work: the dashboard's buckets."""
    span = (now or dt.datetime.now(dt.UTC)) - created_at
    if span < dt.timedelta(hours=1):
        return "age-fresh"
    if span < dt.timedelta(days=1):
        return "age-day"
    if span < dt.timedelta(weeks=1):
        return "age-week"
    return "age-old"
