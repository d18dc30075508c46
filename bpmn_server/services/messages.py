"""Messages: correlate `POST /api/messages` to the one waiting instance, or start one at a message start event.

Correlation reads indexed rows only: `subscriptions` (kind, name, business key) and, for each
correlation variable, `correlation_keys` (name, value). No instance is loaded until the match is known.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import func, select

from models import CorrelationKey, Definition, Instance, Subscription, db

from .. import engine
from ..exceptions import Conflict, Invalid, NotFound
from . import deployments, history, steps, waiting_rows
from .instances import check_variables
from .tx import pending_events, transactional


class _StartIndex:
    """Which latest definitions start on which message or signal name.

    Definitions never change, so what each one starts on is cached by id; only the list of latest
    versions is read per lookup.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_id: dict[str, dict[str, list[str]]] = {}

    def lookup(self, kind: str, name: str) -> list[str]:
        newest = (select(Definition.key, func.max(Definition.version).label("v"))
                  .group_by(Definition.key).subquery())
        ids = list(db.session.execute(select(Definition.id).join(
            newest, (Definition.key == newest.c.key) & (Definition.version == newest.c.v))).scalars())
        with self.lock:
            missing = [i for i in ids if i not in self.by_id]
        if missing:
            loaded = {definition_id: {k: list((meta or {}).get(f"{k}_starts", [])) for k in ("message", "signal")}
                      for definition_id, meta in db.session.execute(
                          select(Definition.id, Definition.meta).where(Definition.id.in_(missing))).all()}
            with self.lock:
                self.by_id.update(loaded)
        with self.lock:
            return sorted(i for i in ids if name in self.by_id.get(i, {}).get(kind, []))


START_INDEX = _StartIndex()


def _matches(name: str, business_key: str | None, correlation: dict[str, Any]) -> list[tuple[str, str]]:
    q = (select(Subscription.instance_id, Subscription.activity)
         .join(Instance, Instance.id == Subscription.instance_id)
         .where(Subscription.kind == "message", Subscription.name == name, Instance.status == "running"))
    if business_key is not None:
        q = q.where(Subscription.business_key == business_key)
    for var, value in correlation.items():
        text = waiting_rows.correlation_value(value)
        if text is None:
            raise Invalid("correlation values must be strings, numbers, booleans or null",
                          errors=[{"field": f"correlation.{var}", "message": "not a scalar value"}])
        q = q.where(Subscription.instance_id.in_(
            select(CorrelationKey.instance_id).where(CorrelationKey.name == var, CorrelationKey.value == text)))
    return list(db.session.execute(q.order_by(Subscription.instance_id).limit(20)).all())


def deliver_to(instance_id: str, kind: str, name: str, variables: dict[str, Any], actor: str,
               activity: str | None, data: dict[str, Any]) -> bool:
    """Deliver to one locked, running instance through the normal step; False if it no longer waits."""
    instance = steps.lock(instance_id)
    if instance.status != "running":
        return False
    delivered: list[bool] = []
    mark = len(pending_events())
    steps.advance(instance, actor, lambda wf: delivered.append(engine.deliver(wf, kind, name, variables)))
    if not delivered or not delivered[0]:
        return False
    event = "message.correlated" if kind == "message" else "signal.delivered"
    history.record(event, actor, instance, activity=activity, data=data)
    # The event that caused the step goes before the step's own events (activity.completed, ...).
    events = pending_events()
    events.insert(mark, events.pop())
    return True


def start_at_event(definition_id: str, kind: str, name: str, variables: dict[str, Any], actor: str,
                   business_key: str | None, data: dict[str, Any]) -> Instance:
    """Start an instance whose start event waits for `name`, then deliver it."""
    instance = steps.begin(deployments.info(definition_id), variables, actor, business_key)
    if instance.status != "running" or not deliver_to(instance.id, kind, name, variables, actor, None,
                                                      {**data, "started": True}):
        raise Conflict(f"the process does not start on {kind} '{name}'")
    return instance


@transactional
def correlate(name: str, actor: str, business_key: str | None = None, correlation: dict[str, Any] | None = None,
              variables: dict[str, Any] | None = None) -> tuple[str, bool]:
    """Deliver message `name` to the one matching waiting instance, or start one. (instance id, started)."""
    variables = check_variables(variables or {})
    correlation = dict(correlation or {})
    matches = _matches(name, business_key, correlation)
    instances = sorted({instance_id for instance_id, _ in matches})
    data = {"name": name, "business_key": business_key, "correlation": correlation, "variables": variables}
    if len(instances) > 1:
        raise Conflict(f"message '{name}' matches more than one waiting instance; correlate by business key "
                       "or variables", instances=instances[:10])
    if instances:
        activity = next(a for i, a in matches if i == instances[0])
        if not deliver_to(instances[0], "message", name, variables, actor, activity, data):
            raise Conflict("the instance stopped waiting for this message; send it again")
        return instances[0], False
    starts = START_INDEX.lookup("message", name)
    if len(starts) > 1:
        raise Conflict(f"message '{name}' starts more than one process")
    if not starts:
        raise NotFound(f"no instance waits for message '{name}' with this correlation, and no process starts "
                       "on it")
    return start_at_event(starts[0], "message", name, variables, actor, business_key, data).id, True


@transactional
def correlate_instance(name: str, actor: str, business_key: str | None = None,
                       correlation: dict[str, Any] | None = None, variables: dict[str, Any] | None = None,
                       instance_id: str | None = None) -> tuple[Instance, bool]:
    """`correlate`, returning the instance itself; with `instance_id`, deliver to that instance only
    (404 if it does not wait for the message). (instance, started)."""
    if instance_id is None:
        found, started = correlate(name, actor, business_key, correlation, variables)
        return db.session.get(Instance, found), started
    if business_key is not None or correlation:
        raise Invalid("correlate to one instance by its id alone, without a business key or correlation",
                      errors=[{"field": "instance_id", "message": "not combinable with business_key or correlation"}])
    variables = check_variables(variables or {})
    activity = db.session.execute(select(Subscription.activity).where(
        Subscription.instance_id == instance_id, Subscription.kind == "message", Subscription.name == name)
        .limit(1)).scalar_one_or_none()
    if activity is None:
        raise NotFound(f"instance '{instance_id}' does not wait for message '{name}'")
    data = {"name": name, "business_key": None, "correlation": {}, "variables": variables}
    if not deliver_to(instance_id, "message", name, variables, actor, activity, data):
        raise Conflict("the instance stopped waiting for this message; send it again")
    return db.session.get(Instance, instance_id), False
