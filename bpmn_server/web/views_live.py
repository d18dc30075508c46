"""The pages' polling endpoints (static/live.js): JSON with an ETag, 304 while nothing changed. Short
polling rather than server-sent events: it holds no connection or worker open, which matters under
gunicorn's sync workers, and works through every proxy."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import jsonify, request

from models import User

from ..services import live
from . import bp
from .session import page


def _conditional(data: dict[str, Any]) -> Any:
    response = jsonify(data)
    response.set_etag(hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:32])
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)


@bp.route("/live/tasks")
@page("tasks.read")
def live_tasks(user: User) -> Any:
    return _conditional(live.task_state(user))


@bp.route("/live/events")
@page("instances.read")
def live_events(user: User) -> Any:
    return _conditional({"seq": live.event_mark()})
