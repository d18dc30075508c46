"""Signals: `POST /api/signals` reaches every instance waiting for the signal, and starts signal-started processes.

A broadcast is not one transaction: each instance takes its signal in its own step and transaction,
in instance id order, the way the timer service fires timers. A large broadcast then never holds many
instance locks at once, and one instance that fails (an incident) or is busy does not undo the
others. An instance changed concurrently is retried a few times; one that stopped waiting meanwhile
is skipped. Instances that start waiting after the broadcast began do not get it.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from models import Instance, Subscription, db

from ..exceptions import Conflict
from . import messages
from .instances import check_variables
from .tx import transactional

log = logging.getLogger(__name__)
ATTEMPTS = 3


def _targets(name: str) -> list[tuple[str, str]]:
    q = (select(Subscription.instance_id, Subscription.activity)
         .join(Instance, Instance.id == Subscription.instance_id)
         .where(Subscription.kind == "signal", Subscription.name == name, Instance.status == "running")
         .order_by(Subscription.instance_id))
    found: dict[str, str] = {}
    for instance_id, activity in db.session.execute(q).all():
        found.setdefault(instance_id, activity)
    return list(found.items())


@transactional
def _deliver_one(instance_id: str, activity: str, name: str, variables: dict[str, Any], actor: str) -> bool:
    return messages.deliver_to(instance_id, "signal", name, variables, actor, activity,
                               {"name": name, "variables": variables})


@transactional
def _start_one(definition_id: str, name: str, variables: dict[str, Any], actor: str) -> None:
    messages.start_at_event(definition_id, "signal", name, variables, actor, None,
                            {"name": name, "variables": variables})


def broadcast(name: str, actor: str, variables: dict[str, Any] | None = None) -> tuple[int, int]:
    """Deliver signal `name` to every waiting catcher and start every process with a signal start on it.

    Returns (instances reached, of which newly started).
    """
    variables = check_variables(variables or {})
    targets = _targets(name)
    starts = messages.START_INDEX.lookup("signal", name)
    db.session.rollback()  # end the read; each delivery below is its own transaction
    delivered = 0
    for instance_id, activity in targets:
        for attempt in range(ATTEMPTS):
            try:
                delivered += 1 if _deliver_one(instance_id, activity, name, variables, actor) else 0
                break
            except Conflict:
                log.info("signal %s: instance %s changed concurrently (attempt %d)", name, instance_id, attempt + 1)
    for definition_id in starts:
        _start_one(definition_id, name, variables, actor)
    return delivered + len(starts), len(starts)
