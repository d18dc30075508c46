"""The audit history: events, and exports of them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, stream_with_context

from ..services import export, history
from .base import route
from .history_schemas import EventQuery, ExportQuery, event_filters
from .limits import limit_json_body
from .schemas import EventSchema, page_of

bp = Blueprint("history", __name__, url_prefix="/api/history")
# App-wide: every JSON body is limited by the variables limit (api/limits.py). Registered here, with the
# rest of the governance rules, because a blueprint is the registration point that api/ offers.
bp.before_app_request(limit_json_body)


@route(bp, "/events", ["GET"], summary="History events, oldest first; search by business key, a variable's value, "
       "text in comments", permission="history.read",
       query=EventQuery, response=page_of(EventSchema))
def list_events(query: dict[str, Any]) -> Any:
    return history.list_events(query["limit"], query["after"], **event_filters(query))


@route(bp, "/export", ["GET"], summary="Download the history as NDJSON (json), CSV or IEEE 1849 XES (streamed)",
       permission="history.export", query=ExportQuery, produces=["application/x-ndjson", "text/csv", "application/xml"])
def export_events(query: dict[str, Any]) -> Any:
    download = export.export(query["format"], **event_filters(query))
    return Response(stream_with_context(download.body), content_type=download.mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{download.filename}"',
                             "X-Content-Type-Options": "nosniff"})
