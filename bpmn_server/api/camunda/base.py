"""The Camunda 7 compatibility blueprint and what its routes share: the route helper, dates, paging.

Routes here are clients of the same services as the native API; they only translate Camunda's
dialect (field names, typed variables, dates, status codes) in and out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response
from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from ...exceptions import BadRequest
from ..base import route

bp = Blueprint("camunda", __name__, url_prefix="/engine-rest")

# What `GET /engine-rest/version` reports: the Camunda 7 REST API level this layer follows.
COMPAT_VERSION = "7.22.0"
# Camunda pages with firstResult/maxResults; the services page with cursors. Offsets are served by reading
# firstResult + maxResults rows, so the depth is bounded (deeper lists: the native API's cursors).
MAX_ROWS = 1000

# Per-endpoint translation of domain errors (see errors.py): exception -> None (not mapped here), or
# (status, type, message) or (status, type, message, {more fields of the body}).
ErrorMap = Callable[[Exception], "tuple[Any, ...] | None"]
ERROR_MAPS: dict[str, ErrorMap] = {}


def endpoint(rule: str, methods: list[str], *, summary: str, errors: ErrorMap | None = None,
             **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`api.base.route` on the Camunda blueprint (so the route is in the OpenAPI document), plus the
    endpoint's own mapping of domain errors to Camunda's status codes and exception types."""
    decorate = route(bp, rule, methods, summary=f"Camunda 7 REST: {summary}", **kwargs)

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        if errors is not None:
            ERROR_MAPS[f"{bp.name}.{view.__name__}"] = errors
        return decorate(view)

    return decorator


def no_content() -> Response:
    return Response(status=204)


def camunda_time(value: dt.datetime | None) -> str | None:
    """Camunda's date format, `yyyy-MM-dd'T'HH:mm:ss.SSSZ`, in UTC: 2026-01-31T09:00:00.000+0000."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def parse_camunda_time(text: str) -> dt.datetime:
    """Camunda's date format (or ISO 8601 with a zone); naive times are taken as UTC. ValueError if neither."""
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    elif len(value) > 5 and value[-5] in "+-" and value[-4:].isdigit():
        value = value[:-2] + ":" + value[-2:]  # +0200 -> +02:00 (fromisoformat wants the colon before 3.11.x)
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


class Lenient(Schema):
    """A request body: Camunda clients send fields that change nothing here (skipCustomListeners, tenant
    ids): they are ignored. Fields that would change the outcome are declared and refused when set."""

    class Meta:
        unknown = EXCLUDE


class Query(Schema):
    """Query parameters: a filter this layer does not apply is refused (400), never silently ignored, so
    that a client never acts on a list it believes filtered. Sorting and tenant parameters are accepted:
    there are no tenants, and lists come in a fixed order."""

    class Meta:
        unknown = RAISE

    sort_by = fields.String(data_key="sortBy", load_default=None)
    sort_order = fields.String(data_key="sortOrder", load_default=None)
    tenant_id_in = fields.String(data_key="tenantIdIn", load_default=None)
    without_tenant_id = fields.String(data_key="withoutTenantId", load_default=None)


class ListQuery(Query):
    first_result = fields.Integer(data_key="firstResult", load_default=0, validate=validate.Range(0, MAX_ROWS))
    max_results = fields.Integer(data_key="maxResults", load_default=100, validate=validate.Range(0, MAX_ROWS))


def window(query: dict[str, Any]) -> tuple[int, int]:
    """(first, how many rows to read) of a Camunda list query."""
    first, count = query["first_result"], query["max_results"]
    if first + count > MAX_ROWS:
        raise BadRequest(f"firstResult + maxResults may not exceed {MAX_ROWS} here; page deeper with the "
                         "native API's cursors")
    return first, count


def boolean(text: Any) -> bool:
    """A Camunda form or query flag: `true`/`false` in any case (an absent value is false)."""
    return str(text).strip().lower() == "true" if text is not None else False
