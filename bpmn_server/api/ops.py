"""Health and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app

from ..services import health
from .base import route
from .openapi import build_spec
from .schemas import HealthSchema

bp = Blueprint("ops", __name__, url_prefix="/api")


@route(bp, "/health", ["GET"], summary="Liveness of the server, its database and its clock", public=True,
       response=HealthSchema)
def get_health() -> Any:
    report = health.check(current_app)
    return report, 200 if report["status"] == "ok" else 503


@route(bp, "/openapi.json", ["GET"], summary="This API's OpenAPI 3 document", public=True)
def openapi() -> Any:
    return build_spec(current_app)
