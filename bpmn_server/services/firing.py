"""Firing a timer, whatever it starts or continues: the outcome, the lease check and the `timer.fired` event
(shared by services/timers.py for instance timers and services/timer_starts.py for start timers)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from models import Instance, Timer

from ..exceptions import Conflict
from ..jsonutil import iso
from ..states import TimerState
from . import history

__all__ = ["Fired", "fired_event", "iso", "may_fire"]


@dataclass
class Fired:
    fired: bool
    instance_id: str | None



def may_fire(timer: Timer, owner: str | None) -> bool:
    """Still waiting and, for the clock, still leased to it. A request (no owner) gets 409 instead."""
    if timer.state == TimerState.WAITING and (owner is None or timer.locked_by == owner):
        return True
    if owner is None:
        raise Conflict(f"the timer is {timer.state}", timer_state=timer.state)
    return False


def fired_event(timer: Timer, actor: str, instance: Instance, now: dt.datetime, owner: str | None,
                cause: dict[str, Any]) -> None:
    """Record `timer.fired` (due time, fire time, lag) before the events of the step it caused."""
    data = {"timer_id": timer.id, "kind": timer.kind, "due_at": iso(timer.due_at), "fired_at": iso(now),
            "lag_ms": round((now - timer.due_at).total_seconds() * 1000)}
    if owner is not None:
        data["owner"] = owner
    history.record("timer.fired", actor, instance, activity=timer.activity, task_id=timer.task_id, data=data,
                   into=cause)


