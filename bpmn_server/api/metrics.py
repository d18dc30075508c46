"""Prometheus metrics at /metrics (no token: scrape it from inside your network)."""

from __future__ import annotations

from flask import Blueprint, Response

from ..services import metrics
from .base import route

bp = Blueprint("metrics", __name__)


@route(bp, "/metrics", ["GET"], summary="Prometheus metrics", public=True, produces="text/plain")
def get_metrics() -> Response:
    return Response(metrics.render(), mimetype="text/plain; version=0.0.4")
