"""Incidents: what failed, where, and whether it has been repaired."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from ..services import incidents
from .base import route
from .schemas import IncidentQuery, IncidentSchema, page_of

bp = Blueprint("incidents", __name__, url_prefix="/api/incidents")


@route(bp, "", ["GET"], summary="Incidents, newest first (open=true: unresolved only)", permission="incidents.read",
       query=IncidentQuery, response=page_of(IncidentSchema))
def list_incidents(query: dict[str, Any]) -> Any:
    return incidents.list_incidents(query["limit"], query["after"], query["process"], query["open"])
