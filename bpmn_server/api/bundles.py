"""Promotion bundles: export deployed files with their notes, import them into another server."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from ..auth import current_user
from ..exceptions import UnsupportedMediaType
from ..services import bundles
from .base import route
from .governance_schemas import BundleQuery, ImportResultSchema

bp = Blueprint("bundles", __name__, url_prefix="/api/bundles")
ZIP_TYPES = {"application/zip", "application/x-zip-compressed", "application/octet-stream"}


@route(bp, "", ["GET"], summary="Export a bundle (zip) of the latest (or all) versions of processes, with notes",
       permission="definitions.read", query=BundleQuery, produces="application/zip")
def export(query: dict[str, Any]) -> Any:
    keys = [k.strip() for k in (query["process"] or "").split(",") if k.strip()]
    data = bundles.export(keys or None, query["all_versions"])
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="bundle.zip"'})


@route(bp, "", ["POST"], summary="Import a bundle (application/zip): its deployments in order, with their notes; "
       "a tampered bundle is refused (422)", permission="definitions.deploy", response=ImportResultSchema,
       status=201, consumes="application/zip")
def import_bundle() -> Any:
    if (request.mimetype or "") not in ZIP_TYPES:
        raise UnsupportedMediaType("send the bundle as application/zip")
    return bundles.import_bundle(request.get_data(), current_user())
