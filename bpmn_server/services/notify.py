"""Who is mailed about which history event, and what the mail says.

Rules (each a `reason`):
- `assigned`: a task assigned to a user by someone else (`task.assigned`), or by the diagram's assignee
  (`task.created` with an assignee);
- `offered`: a new task offered to candidate users and groups, when BPMN_SERVER_MAIL_OFFERED is on, to
  groups of at most BPMN_SERVER_MAIL_GROUP_LIMIT members;
- `escalated`: a task a timer took away (a `task.cancelled` in the same step as a `timer.fired`) mails its
  holder;
- `incident`: an incident mails `incident_recipients(process)`.
Only users with an `email` get mail. The texts are Jinja templates (templates/mail/REASON.txt and .html);
files of the same name in BPMN_SERVER_MAIL_TEMPLATES replace them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jinja2
from flask import current_app
from sqlalchemy import select

from models import Definition, Deployment, Task, User, db

from . import ownership

BUILTIN = Path(__file__).resolve().parent.parent / "templates" / "mail"
SUBJECTS = {"assigned": "Task assigned to you: {name}", "offered": "New task for you: {name}",
            "escalated": "Task escalated: {name}", "incident": "Incident in {process}: {activity}"}


def incident_recipients(process_key: str | None) -> list[str]:
    """Who hears of an incident of `process_key`: its owner (a user, or the members of a group: issue 20's
    services/owners.py); a process nobody owns falls back to the admins and the user who deployed it."""
    owner = ownership.owner_of(process_key) if process_key else None
    if owner:
        user = db.session.execute(select(User.name).where(User.name == owner)).scalar()
        members = {user} if user is not None else _group_members([owner], limit=10**6)
        if members:
            return sorted(members)
    names = set(db.session.execute(select(User.name).where(User.role == "admin")).scalars())
    if process_key:
        deployer = db.session.execute(
            select(Deployment.created_by).join(Definition, Definition.deployment_id == Deployment.id)
            .where(Definition.key == process_key).order_by(Definition.version.desc()).limit(1)).scalar()
        if deployer:
            names.add(deployer)
    return sorted(names)


def _group_members(groups: list[str], limit: int) -> set[str]:
    members: set[str] = set()
    if not groups:
        return members
    users = db.session.execute(select(User.name, User.groups)).all()
    for group in groups:
        in_group = {name for name, user_groups in users if group in (user_groups or [])}
        if len(in_group) <= limit:  # a large group is not mailed: its task list is the place to look
            members |= in_group
    return members


def _recipients(event: dict[str, Any], batch: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    """(user name, reason) pairs for one event of a transaction's `batch`."""
    kind, data, actor = event["type"], event.get("data") or {}, event.get("actor")
    config = current_app.config
    if kind == "task.assigned" and data.get("to") and data["to"] != actor:
        yield data["to"], "assigned"
    elif kind == "task.created" and data.get("assignee"):
        if data["assignee"] != actor:
            yield data["assignee"], "assigned"
    elif kind == "task.created" and config.get("MAIL_OFFERED"):
        for name in set(data.get("candidate_users") or []) | _group_members(
                data.get("candidate_groups") or [], int(config.get("MAIL_GROUP_LIMIT", 20))):
            yield name, "offered"
    elif kind == "task.cancelled" and any(e["type"] == "timer.fired" for e in batch):
        holder = db.session.execute(select(Task.assignee).where(Task.id == event.get("task_id"))).scalar()
        if holder:
            yield holder, "escalated"
    elif kind == "incident.created":
        for name in incident_recipients(event.get("process")):
            yield name, "incident"


def _environment() -> jinja2.Environment:
    folders = [str(BUILTIN)]
    override = current_app.config.get("MAIL_TEMPLATES")
    if override:
        folders.insert(0, str(override))
    return jinja2.Environment(loader=jinja2.FileSystemLoader(folders), autoescape=jinja2.select_autoescape(
        enabled_extensions=("html",), default_for_string=False), undefined=jinja2.ChainableUndefined)


def render(reason: str, event: dict[str, Any], user: Any) -> dict[str, Any]:
    """The mail for `user` about `event`: to, subject, text and html."""
    data = event.get("data") or {}
    task = db.session.get(Task, event["task_id"]) if event.get("task_id") else None
    base = str(current_app.config.get("PUBLIC_URL") or "http://127.0.0.1:8080").rstrip("/")
    context = {"user": user.name, "event": event, "data": data, "task": task, "reason": reason,
               "name": (task.name if task is not None else data.get("name")) or event.get("activity") or "",
               "process": event.get("process") or "", "activity": event.get("activity") or "",
               "task_url": f"{base}/ui/tasks/{event['task_id']}" if event.get("task_id") else None,
               "instance_url": f"{base}/ui/instances/{event['instance_id']}" if event.get("instance_id") else None}
    env = _environment()
    subject = SUBJECTS[reason].format(**{k: context[k] for k in ("name", "process", "activity")})
    return {"to": user.email, "subject": subject,
            "text": env.get_template(f"{reason}.txt").render(context),
            "html": env.get_template(f"{reason}.html").render(context)}


def mails(events: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], str, str, dict[str, Any]]]:
    """(event, recipient, reason, mail) for each mail the events of one transaction cause."""
    wanted = [(event, name, reason) for event in events for name, reason in _recipients(event, events)]
    if not wanted:
        return
    names = {name for _, name, _ in wanted}
    users = {u.name: u for u in db.session.execute(select(User).where(User.name.in_(names))).scalars()}
    seen: set[tuple[str, str]] = set()
    for event, name, reason in wanted:
        user = users.get(name)
        if user is None or not user.email or (event["id"], name) in seen:
            continue
        seen.add((event["id"], name))
        yield event, name, reason, render(reason, event, user)
