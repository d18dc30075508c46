"""Who catches a message or signal: the waiting instances, delivery to one of them, and starting a process at
its message or signal start event. Shared by `POST /api/messages`, `POST /api/signals` and the relay of what
steps throw (services/relay.py), so that all three deliver the same way.

Matching reads indexed rows only: `subscriptions` (kind, name, business key) and, for each correlation
variable, `correlation_keys` (name, value). No instance is loaded until the match is known.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import and_, false, func, or_, select

from models import CorrelationKey, Definition, Instance, Subscription, db

from .. import engine
from ..exceptions import Conflict, Invalid
from ..states import InstanceStatus
from . import commands, definitions, history, steps, waiting_rows
from . import uow as units


class StartIndex:
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


START_INDEX = StartIndex()


def starting_on(kind: str, name: str) -> list[str]:
    """Ids of the latest definitions with a `kind` ("message"/"signal") start event named `name`."""
    return START_INDEX.lookup(kind, name)


def waiting_for_message(name: str, business_key: str | None, correlation: dict[str, Any],
                        payload: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """(instance id, activity) of running instances waiting for message `name` with this correlation. With the
    message's `payload`, an instance of a process that correlates the message by properties of its payload
    (spiff-arena's processVariableCorrelation) matches only when its variables equal them."""
    q = (select(Subscription.instance_id, Subscription.activity)
         .join(Instance, Instance.id == Subscription.instance_id)
         .where(Subscription.kind == "message", Subscription.name == name,
                Instance.status == InstanceStatus.RUNNING))
    if payload is not None:
        q = _by_payload(q, name, payload)
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


def _key_matches(var: str, value: Any) -> Any:
    return Subscription.instance_id.in_(select(CorrelationKey.instance_id).where(
        CorrelationKey.name == var, CorrelationKey.value == waiting_rows.correlation_value(value)))


def _by_payload(q: Any, name: str, payload: dict[str, Any]) -> Any:
    """`q` narrowed, per process that correlates message `name` by payload properties (the definition's
    `message_correlations`: {variable: retrieval expression}), to the instances whose variables equal them; a
    property the payload cannot give matches no instance of that process."""
    waiting = db.session.execute(select(Instance.definition_id).distinct().join(
        Subscription, Subscription.instance_id == Instance.id).where(
        Subscription.kind == "message", Subscription.name == name, Instance.status == InstanceStatus.RUNNING)
    ).scalars().all()
    clauses, correlating = [], []
    for definition_id in waiting:
        spec = definitions.info(definition_id).meta.get("message_correlations", {}).get(name)
        if not spec:
            continue
        correlating.append(definition_id)
        condition = Instance.definition_id == definition_id
        for var, source in spec.items():
            try:
                value = engine.evaluate(source, dict(payload))
            except Exception:  # noqa: BLE001 - the sender's payload lacks the property: no instance matches
                condition = false()
                break
            condition = and_(condition, _key_matches(var, value)) if waiting_rows.correlation_value(value) \
                is not None else false()
        clauses.append(condition)
    if not correlating:
        return q
    return q.where(or_(Instance.definition_id.notin_(correlating), *clauses))


def waiting_for_signal(name: str) -> list[tuple[str, str]]:
    """(instance id, first waiting activity) of every running instance waiting for signal `name`, by id."""
    q = (select(Subscription.instance_id, Subscription.activity)
         .join(Instance, Instance.id == Subscription.instance_id)
         .where(Subscription.kind == "signal", Subscription.name == name, Instance.status == InstanceStatus.RUNNING)
         .order_by(Subscription.instance_id))
    found: dict[str, str] = {}
    for instance_id, activity in db.session.execute(q).all():
        found.setdefault(instance_id, activity)
    return list(found.items())


def deliver(instance_id: str, kind: str, name: str, variables: dict[str, Any], actor: str,
            activity: str | None, data: dict[str, Any]) -> bool:
    """Deliver to one locked, running instance through the normal step; False if it no longer waits."""
    instance = steps.lock(instance_id)
    if instance.status != InstanceStatus.RUNNING:
        return False
    # The event that caused the step goes before the step's own events (activity.completed, ...).
    cause = history.reserve()
    if not commands.advance(units.current(), instance, commands.Correlate(actor, kind, name, variables)).value:
        return False
    event = "message.correlated" if kind == "message" else "signal.delivered"
    history.record(event, actor, instance, activity=activity, data=data, into=cause)
    return True


def start_at_event(definition_id: str, kind: str, name: str, variables: dict[str, Any], actor: str,
                   business_key: str | None, data: dict[str, Any]) -> Instance:
    """Start an instance whose start event waits for `name`, then deliver it. A start event that keeps the
    message in one variable (spiff-arena's messageVariable) gets it there only, not also as the variables."""
    info = definitions.info(definition_id)
    kept = kind == "message" and name in info.meta.get("message_start_variables", {})
    instance = steps.begin(info, {} if kept else variables, actor, business_key)
    if instance.status != InstanceStatus.RUNNING or not deliver(instance.id, kind, name, variables, actor, None,
                                                                {**data, "started": True}):
        raise Conflict(f"the process does not start on {kind} '{name}'")
    return instance
