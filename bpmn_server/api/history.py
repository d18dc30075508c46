"""The audit history."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from ..services import history
from .base import route
from .schemas import EventQuery, EventSchema, page_of

bp = Blueprint("history", __name__, url_prefix="/api/history")


@route(bp, "/events", ["GET"], summary="History events, oldest first", permission="history.read",
       query=EventQuery, response=page_of(EventSchema))
def list_events(query: dict[str, Any]) -> Any:
    return history.list_events(query["limit"], query["after"], instance=query["instance"],
                               process=query["process"], type_=query["type"], actor=query["actor"],
                               from_=query["from_"], to=query["to"])
