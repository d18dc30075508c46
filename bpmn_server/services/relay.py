"""Messages and signals thrown by one instance reach other instances and message/signal start events.

`services/steps.py` hands over what a step threw and no catcher of the same instance took (throw events,
end events, send tasks), after the step is persisted. A message goes to one waiting instance (the oldest
subscription), or else starts the one process with a message start event on it (when several have one,
the one deployed with the thrower); a signal goes to every waiting instance and starts every process with a
signal start event on it, as `POST /api/signals` does.

Each delivery is the receiving instance's own step (`messages.deliver_to`: lock, advance, persist) in a
savepoint of the request's transaction: a receiver that is busy or gone is skipped, and its half-done step
is rolled back without undoing the thrower's. Relays nest (a receiver may throw in turn), so both the depth
of a cascade and the deliveries per request are bounded: a ping-pong between two processes cannot loop for
ever. Thrown events carry no variables: the thrower's data are not the receiver's business.
"""

from __future__ import annotations

import contextvars
import logging

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from models import Definition, Instance, db

from ..exceptions import BpmnServerError
from . import messages, signals
from .tx import pending_events

log = logging.getLogger(__name__)
MAX_DEPTH = 8  # relays inside relays
MAX_DELIVERIES = 100  # per outermost step
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("relay_depth", default=0)
_budget: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("relay_budget", default=None)


def relay(source: Instance, thrown: list[tuple[str, str]], actor: str) -> None:
    """Deliver each (kind, name) that `source` threw to the other instances and start events."""
    if not thrown:
        return
    depth = _depth.get()
    budget = _budget.get()
    token = _budget.set([MAX_DELIVERIES]) if budget is None else None
    depth_token = _depth.set(depth + 1)
    try:
        for kind, name in thrown:
            if depth >= MAX_DEPTH:
                log.warning("%s %r thrown by instance %s not relayed: cascade deeper than %d",
                            kind, name, source.id, MAX_DEPTH)
                continue
            if kind == "message":
                _message(source, name, actor)
            else:
                _signal(source, name, actor)
    finally:
        _depth.reset(depth_token)
        if token is not None:
            _budget.reset(token)


def _spend() -> bool:
    budget = _budget.get()
    if budget is None or budget[0] <= 0:
        return False
    budget[0] -= 1
    return True


def _isolated(what: str, fn: object, *args: object) -> bool:
    """Run one delivery in a savepoint; on failure roll it (and its history) back and say False."""
    if not _spend():
        log.warning("%s not relayed: more than %d deliveries in one request", what, MAX_DELIVERIES)
        return False
    events = pending_events()
    mark = len(events)
    try:
        with db.session.begin_nested():
            return bool(fn(*args))  # type: ignore[operator]
    except (BpmnServerError, SQLAlchemyError) as exc:
        del events[mark:]
        log.info("%s not relayed: %s", what, exc)
        return False


def _data(source: Instance, name: str) -> dict[str, object]:
    return {"name": name, "business_key": None, "correlation": {}, "variables": {}, "thrown_by": source.id}


def _message(source: Instance, name: str, actor: str) -> None:
    """To the oldest waiting instance other than the thrower, else a start event of exactly one process."""
    for instance_id, activity in messages._matches(name, None, {}):
        if instance_id == source.id:
            continue
        if _isolated(f"message {name!r}", messages.deliver_to, instance_id, "message", name, {}, actor, activity,
                     _data(source, name)):
            return
    starts = messages.START_INDEX.lookup("message", name)
    if len(starts) > 1:
        # Several processes start on the name: the message flow is meant for the one deployed with the thrower.
        mine = select(Definition.deployment_id).where(Definition.id == source.definition_id).scalar_subquery()
        starts = list(db.session.execute(select(Definition.id).where(
            Definition.id.in_(starts), Definition.deployment_id == mine)).scalars())
    if len(starts) != 1:
        log.info("message %r thrown by instance %s: %s", name, source.id,
                 "no receiver" if not starts else "several processes start on it; none started")
        return
    _isolated(f"message {name!r}", messages.start_at_event, starts[0], "message", name, {}, actor, None,
              {**_data(source, name), "started": True})


def _signal(source: Instance, name: str, actor: str) -> None:
    """To every waiting instance other than the thrower, and every process with a signal start event."""
    data = {"name": name, "variables": {}, "thrown_by": source.id}
    for instance_id, activity in signals._targets(name):
        if instance_id != source.id:
            _isolated(f"signal {name!r}", messages.deliver_to, instance_id, "signal", name, {}, actor, activity,
                      data)
    for definition_id in messages.START_INDEX.lookup("signal", name):
        _isolated(f"signal {name!r}", messages.start_at_event, definition_id, "signal", name, {}, actor, None,
                  data)
