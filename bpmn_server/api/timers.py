"""Waiting timers, and firing one by hand."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from ..auth import current_user
from ..services import timers
from .base import route
from .schemas import FiredSchema, TimerQuery, TimerSchema, page_of

bp = Blueprint("timers", __name__, url_prefix="/api/timers")


@route(bp, "", ["GET"], summary="Waiting timers, soonest first (instance timers and start timers)",
       permission="timers.read", query=TimerQuery, response=page_of(TimerSchema))
def list_timers(query: dict[str, Any]) -> Any:
    return timers.list_timers(query["limit"], query["after"], query["due_before"], query["process"])


@route(bp, "/<timer_id>/fire", ["POST"], summary="Fire a waiting timer now (409 if it is not waiting or its "
       "instance is not running)", permission="timers.fire", response=FiredSchema)
def fire(timer_id: str) -> Any:
    return timers.fire_now(timer_id, current_user().name)
