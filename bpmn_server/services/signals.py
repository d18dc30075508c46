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

from ..exceptions import Conflict
from . import catchers
from . import uow as units
from .instances import check_variables
from .tx import transactional

log = logging.getLogger(__name__)
ATTEMPTS = 3


_targets = catchers.waiting_for_signal  # the name this had before services/catchers.py


@transactional
def _deliver_one(instance_id: str, activity: str, name: str, variables: dict[str, Any], actor: str) -> bool:
    return catchers.deliver(instance_id, "signal", name, variables, actor, activity,
                            {"name": name, "variables": variables})


@transactional
def _start_one(definition_id: str, name: str, variables: dict[str, Any], actor: str) -> None:
    catchers.start_at_event(definition_id, "signal", name, variables, actor, None,
                            {"name": name, "variables": variables})


def broadcast(name: str, actor: str, variables: dict[str, Any] | None = None) -> tuple[int, int]:
    """Deliver signal `name` to every waiting catcher and start every process with a signal start on it.

    Returns (instances reached, of which newly started).
    """
    variables = check_variables(variables or {})
    targets = catchers.waiting_for_signal(name)
    starts = catchers.starting_on("signal", name)
    units.end_read()  # end the read; each delivery below is its own transaction
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
