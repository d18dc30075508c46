"""Rows for what an instance waits on besides tasks and timers: message and signal subscriptions, the
correlation keys of instances waiting for a message, and external tasks waiting for a worker.

`services/steps.py` calls these after every step; a new instance's row is written before them.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from models import CorrelationKey, ExternalTask, Instance, Subscription, db, new_id, utcnow

from .. import engine
from ..states import ExternalTaskState
from .assignment import external_priority


def subscribes(facts: engine.Facts) -> bool:
    """Whether the step left a message or signal catcher waiting (it then needs subscription rows)."""
    return any(w.type in ("message", "signal") and w.name for w in facts.waiting)


def has_external_tasks(meta: dict[str, Any], facts: engine.Facts) -> bool:
    return bool(meta.get("external_tasks")) and bool(facts.external_tasks)


def sync_subscriptions(instance: Instance, facts: engine.Facts, new: bool = False) -> None:
    """Subscription rows for the waiting message and signal catchers, and the correlation keys."""
    wanted = {(w.type, w.name, w.id): w for w in facts.waiting if w.type in ("message", "signal") and w.name}
    rows = {} if new else {(r.kind, r.name, r.task_id): r for r in db.session.execute(
        select(Subscription).where(Subscription.instance_id == instance.id)).scalars()}
    for key, w in wanted.items():
        if key not in rows:
            db.session.add(Subscription(id=new_id(), instance_id=instance.id, process=instance.process, kind=w.type,
                                        name=w.name, activity=w.activity, task_id=w.id,
                                        business_key=instance.business_key))
    for key, row in rows.items():
        if key not in wanted:
            db.session.delete(row)
    if any(kind == "message" for kind, _, _ in wanted) or any(kind == "message" for kind, _, _ in rows):
        _sync_correlation_keys(instance, any(kind == "message" for kind, _, _ in wanted), new)


def correlation_value(value: Any) -> str | None:
    """A variable as correlation key text (canonical JSON), or None when it cannot be one."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        text = json.dumps(value)
    elif isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        text = str(int(value))
    elif isinstance(value, float):
        text = repr(value)
    else:
        return None
    return text if len(text) <= 255 else None


def _sync_correlation_keys(instance: Instance, waiting: bool, new: bool) -> None:
    """One row per scalar variable while the instance waits for a message: correlation looks these up."""
    wanted: dict[str, str] = {}
    if waiting:
        for name, value in (instance.variables or {}).items():
            text = correlation_value(value)
            if text is not None and len(name) <= 100:
                wanted[name] = text
    rows = {} if new else {r.name: r for r in db.session.execute(
        select(CorrelationKey).where(CorrelationKey.instance_id == instance.id)).scalars()}
    for name, text in wanted.items():
        if name not in rows:
            db.session.add(CorrelationKey(instance_id=instance.id, name=name, value=text))
        elif rows[name].value != text:
            rows[name].value = text
    for name, row in rows.items():
        if name not in wanted:
            db.session.delete(row)


def sync_external_tasks(instance: Instance, meta: dict[str, Any], facts: engine.Facts,
                        new: bool = False) -> engine.StepFailed | None:
    """Rows for external service tasks waiting for a worker; finished ones are closed. A taskPriority
    expression that fails is returned (the instance fails; the row is made when a retry runs this again)."""
    if not meta.get("external_tasks"):
        return None
    failure = None
    rows = {} if new else {r.id: r for r in db.session.execute(
        select(ExternalTask).where(ExternalTask.instance_id == instance.id,
                                   ExternalTask.state == ExternalTaskState.OPEN)).scalars()}
    now = utcnow()
    ready = {item.id for item in facts.external_tasks}
    for item in facts.external_tasks:
        if item.id not in rows:
            try:
                priority = external_priority(meta, item.activity, item.data)
            except engine.StepFailed as exc:
                failure = failure or exc
                continue
            db.session.add(ExternalTask(id=item.id, instance_id=instance.id, process=instance.process,
                                        business_key=instance.business_key, activity=item.activity,
                                        topic=item.topic, state=ExternalTaskState.OPEN, created_at=now,
                                        priority=priority))
    for task_id, row in rows.items():
        if task_id not in ready:
            row.state = ExternalTaskState.COMPLETED if task_id in facts.finished else ExternalTaskState.CANCELLED
            row.completed_at = now
    return failure
