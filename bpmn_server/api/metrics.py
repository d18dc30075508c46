"""Prometheus metrics at /metrics (no token: scrape it from inside your network)."""

from __future__ import annotations

from flask import Blueprint, Response
from prometheus_client import CONTENT_TYPE_LATEST

from ..services import metrics
from .base import route

bp = Blueprint("metrics", __name__)


@route(bp, "/metrics", ["GET"], summary="Prometheus metrics", public=True, produces="text/plain")
def get_metrics() -> Response:
    return Response(metrics.render(), content_type=CONTENT_TYPE_LATEST)
