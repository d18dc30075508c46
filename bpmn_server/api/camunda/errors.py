"""Camunda's error body, `{"type", "message"}`, with Camunda's status codes, on the /engine-rest routes only.

The native routes keep RFC 9457 problem details (bpmn_server/errors.py). Domain errors map by status
(a 409 becomes Camunda's 500, a 422 its 400); an endpoint may map its own errors first (base.endpoint).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, current_app, g, request
from marshmallow import ValidationError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from ...exceptions import BpmnServerError
from ...jsonutil import dumps
from .base import ERROR_MAPS

log = logging.getLogger(__name__)

# Our status -> Camunda's (status, exception type) for errors no endpoint maps itself.
DEFAULTS: dict[int, tuple[int, str]] = {
    400: (400, "InvalidRequestException"),
    401: (401, "AuthenticationException"),
    403: (403, "AuthorizationException"),
    404: (404, "InvalidRequestException"),
    409: (500, "ProcessEngineException"),
    413: (413, "InvalidRequestException"),
    415: (415, "InvalidRequestException"),
    422: (400, "InvalidRequestException"),
    503: (503, "ProcessEngineException"),
}


def body(status: int, type_: str, message: str, **extra: Any) -> Response:
    resp = Response(dumps({"type": type_, "message": message, **extra}), status=status, mimetype="application/json")
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Basic realm="bpmn-server"'
    return resp


def details(exc: BpmnServerError) -> str:
    """The detail with the field errors folded in: Camunda's body has no separate list."""
    parts = []
    for e in exc.errors or []:
        if isinstance(e, dict) and e.get("message"):
            where = e.get("field") or e.get("element")
            parts.append(f"{where}: {e['message']}" if where else str(e["message"]))
    return exc.detail + (f" ({'; '.join(parts)})" if parts else "")


def _domain(exc: BpmnServerError) -> Response:
    mapper = ERROR_MAPS.get(request.endpoint or "")
    mapped = mapper(exc) if mapper else None
    if mapped is not None:
        status, type_, message, *more = mapped
        return body(status, type_, message, **(more[0] if more else {}))
    status, type_ = DEFAULTS.get(exc.status, (500, "ProcessEngineException"))
    if status == 401 and not request.headers.get("Authorization"):
        return body(401, type_, "send HTTP Basic credentials (your user name, and your token as the password) "
                                "or 'Authorization: Bearer TOKEN'")
    extra: dict[str, Any] = {}
    if status == 403:
        user = g.get("user")
        extra = {"userId": user.name if user is not None else None, "missingAuthorizations": []}
    return body(status, type_, details(exc), **extra)


def _validation(exc: ValidationError) -> Response:
    fields = exc.messages if isinstance(exc.messages, dict) else {"body": exc.messages}
    text = "; ".join(f"{k}: {v if isinstance(v, str) else ' '.join(map(str, v))}" for k, v in fields.items())
    return body(400, "InvalidRequestException", f"the request does not match the expected format ({text})")


def _http(exc: HTTPException) -> Response:
    message = exc.description or exc.name
    if exc.code == 413:
        message = f"the request body is larger than the limit of {current_app.config['MAX_CONTENT_LENGTH']} bytes"
    resp = body(exc.code or 500, "RestException", message)
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            resp.headers[name] = value
    return resp


def _unexpected(exc: Exception) -> Response:
    if isinstance(exc, StaleDataError):
        return body(500, "OptimisticLockingException", "the instance was changed concurrently; try again")
    log.exception("unhandled error on %s", request.path)
    return body(500, "ProcessEngineException", "the server failed to handle the request; it has been logged")


def install(bp: Blueprint) -> None:
    """Blueprint error handlers: Flask consults them before the app's for requests routed to `bp`."""
    bp.register_error_handler(BpmnServerError, _domain)
    bp.register_error_handler(ValidationError, _validation)
    bp.register_error_handler(HTTPException, _http)
    bp.register_error_handler(Exception, _unexpected)
