"""Messages and signals thrown by one instance reach other instances and message/signal start events.

A step puts what it threw and no catcher of the same instance took (throw events, end events, send tasks)
into the outbox of its unit of work (services/uow.py). Before the unit of work commits, `drain` delivers
the outbox in a bounded loop, through services/catchers.py: a message goes to one waiting instance (the
oldest subscription), or else starts the one process with a message start event on it (when several have
one, the one deployed with the thrower); a signal goes to every waiting instance and starts every process
with a signal start event on it, as `POST /api/signals` does.

Each delivery is the receiving instance's own step (lock, advance, persist) in a savepoint: a receiver that
is busy or gone is skipped, and its half-done step, its history and what it threw are rolled back without
undoing the thrower's. A receiver may throw in turn, so both the depth of a cascade and the deliveries per
unit of work are bounded: a ping-pong between two processes cannot loop for ever. Thrown events carry no
variables (the thrower's data are not the receiver's business), except a message whose payload expression gave
an object (spiff-arena's messagePayload) and a signal whose camunda:in chose variables (Camunda 7): the receivers
get them as a POST /api/messages or /api/signals gets variables.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from models import Definition, db

from ..exceptions import BpmnServerError
from . import catchers
from . import uow as units
from .uow import Thrown, UnitOfWork

log = logging.getLogger(__name__)
MAX_DEPTH = 8  # relays inside relays
MAX_DELIVERIES = 100  # per cascade (what one step threw, and the receivers' throws in turn)


def drain(uow: UnitOfWork) -> None:
    """Deliver the outbox, oldest first, including what the deliveries throw in turn (bounded)."""
    budgets: dict[int, list[int]] = {}  # per cascade: what one step threw, and its receivers in turn
    while uow.outbox:
        item = uow.outbox.pop(0)
        if item.depth >= MAX_DEPTH:
            log.warning("%s %r thrown by instance %s not relayed: cascade deeper than %d",
                        item.kind, item.name, item.source_id, MAX_DEPTH)
            continue
        budget = budgets.setdefault(item.cascade, [MAX_DELIVERIES])
        outer = uow.depth, uow.cascade
        uow.depth, uow.cascade = item.depth + 1, item.cascade  # what the receivers throw is one level deeper
        try:
            if item.kind == "message":
                _message(uow, item, budget)
            else:
                _signal(uow, item, budget)
        finally:
            uow.depth, uow.cascade = outer


units.before_commit(drain)


def _isolated(uow: UnitOfWork, budget: list[int], what: str, fn: Callable[..., Any], *args: Any) -> bool:
    """Run one delivery in a savepoint; on failure it (with its history and outbox) is rolled back: False."""
    if budget[0] <= 0:
        log.warning("%s not relayed: more than %d deliveries in one request", what, MAX_DELIVERIES)
        return False
    budget[0] -= 1
    try:
        with uow.savepoint():
            return bool(fn(*args))
    except (BpmnServerError, SQLAlchemyError) as exc:
        log.info("%s not relayed: %s", what, exc)
        return False


def _data(item: Thrown) -> dict[str, object]:
    return {"name": item.name, "business_key": None, "correlation": {}, "variables": item.variables,
            "thrown_by": item.source_id}


def _message(uow: UnitOfWork, item: Thrown, budget: list[int]) -> None:
    """To the oldest waiting instance other than the thrower, else a start event of exactly one process."""
    what = f"message {item.name!r}"
    for instance_id, activity in catchers.waiting_for_message(item.name, None, {}, item.variables):
        if instance_id == item.source_id:
            continue
        if _isolated(uow, budget, what, catchers.deliver, instance_id, "message", item.name, item.variables,
                     item.actor, activity, _data(item)):
            return
    starts = catchers.starting_on("message", item.name)
    if len(starts) > 1:
        # Several processes start on the name: the message flow is meant for the one deployed with the thrower.
        mine = select(Definition.deployment_id).where(Definition.id == item.source_definition_id).scalar_subquery()
        starts = list(db.session.execute(select(Definition.id).where(
            Definition.id.in_(starts), Definition.deployment_id == mine)).scalars())
    if len(starts) != 1:
        log.info("message %r thrown by instance %s: %s", item.name, item.source_id,
                 "no receiver" if not starts else "several processes start on it; none started")
        return
    _isolated(uow, budget, what, catchers.start_at_event, starts[0], "message", item.name, item.variables,
              item.actor, None, {**_data(item), "started": True})


def _signal(uow: UnitOfWork, item: Thrown, budget: list[int]) -> None:
    """To every waiting instance other than the thrower, and every process with a signal start event."""
    data = {"name": item.name, "variables": item.variables, "thrown_by": item.source_id}
    what = f"signal {item.name!r}"
    for instance_id, activity in catchers.waiting_for_signal(item.name):
        if instance_id != item.source_id:
            _isolated(uow, budget, what, catchers.deliver, instance_id, "signal", item.name, item.variables,
                      item.actor, activity, data)
    for definition_id in catchers.starting_on("signal", item.name):
        _isolated(uow, budget, what, catchers.start_at_event, definition_id, "signal", item.name, item.variables,
                  item.actor, None, data)
