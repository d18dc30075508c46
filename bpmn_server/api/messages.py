"""Messages and signals sent to the engine by other systems."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from ..auth import current_user
from ..services import messages, signals
from .base import route
from .integration_schemas import MessageResultSchema, MessageSchema, SignalResultSchema, SignalSchema

bp = Blueprint("messages", __name__, url_prefix="/api")


@route(bp, "/messages", ["POST"], summary="Correlate a message to the one waiting instance, or start one at a "
       "message start event (404: nothing matches, 409: more than one)", permission="messages.send",
       body=MessageSchema, response=MessageResultSchema)
def correlate(body: dict[str, Any]) -> Any:
    instance_id, started = messages.correlate(body["name"], current_user().name, body["business_key"],
                                              body["correlation"], body["variables"])
    return {"instance_id": instance_id, "started": started}


@route(bp, "/signals", ["POST"], summary="Broadcast a signal to every waiting catcher and signal start event; "
       "`delivered` counts the instances reached, `started` the new ones among them", permission="signals.send",
       body=SignalSchema, response=SignalResultSchema)
def broadcast(body: dict[str, Any]) -> Any:
    delivered, started = signals.broadcast(body["name"], current_user().name, body["variables"])
    return {"delivered": delivered, "started": started}
