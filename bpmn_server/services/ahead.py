"""Steps computed ahead of their write transaction (SQLite: outside its one-writer lock).

`compute(instance, command)` runs the engine's part of a step (restore, apply, run, encode) on an instance read
without the write lock, and returns it unless the step recorded or threw anything on the way (a decision
evaluated: then it runs where that is kept). Put in a unit of work's `prepared`, `commands.advance` writes it
only when it re-reads the instance at the same revision and applies an equal command; otherwise it runs the
step again under the lock. Nothing is written here, so a step computed ahead can be dropped at any point.
Used by services/timers_ahead.py (a chunk of timer firings). A task's completion computed ahead this way
was measured slower (its second read of the task and instance cost more than the short step it moved).
"""

from __future__ import annotations

import logging

from models import Instance

from . import commands, steps
from . import uow as units

log = logging.getLogger(__name__)


def compute(instance: Instance, command: commands.Command) -> steps.Computed | None:
    """The step `command` would make on `instance` as read now; None if it must run under the lock."""
    try:
        with units.scratch() as scratch:
            done = commands.compute(instance, command)
    except Exception:  # noqa: BLE001 - the write transaction runs it again and reports what fails
        log.debug("instance %s: step not computed ahead", instance.id, exc_info=True)
        return None
    return None if scratch.events or scratch.outbox else done
