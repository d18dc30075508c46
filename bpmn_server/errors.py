"""The one place where errors become RFC 9457 problem details. No trace or SQL text reaches a client."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response
from marshmallow import ValidationError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from .dberrors import unavailable
from .exceptions import BpmnServerError, TooManyRequests, Unavailable
from .jsonutil import dumps

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str | None = None, errors: list[Any] | None = None,
            **extra: Any) -> Response:
    body: dict[str, Any] = {"type": f"https://bpmn-server.dev/problems/{status}", "title": title,
                            "status": status, "detail": detail or title}
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    resp = Response(dumps(body), status=status, mimetype=PROBLEM)
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="bpmn-server"'
    return resp


def _field_errors(messages: Any, prefix: str = "") -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            out.extend(_field_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        out.append({"field": prefix or None, "message": "; ".join(messages)})
    elif isinstance(messages, list):
        for i, m in enumerate(messages):
            out.extend(_field_errors(m, f"{prefix}[{i}]"))
    else:
        out.append({"field": prefix or None, "message": str(messages)})
    return out


def init_app(app: Flask) -> None:
    @app.errorhandler(BpmnServerError)
    def _domain(exc: BpmnServerError) -> Response:
        resp = problem(exc.status, exc.title, exc.detail, exc.errors, **exc.extra)
        if isinstance(exc, Unavailable | TooManyRequests):
            resp.headers["Retry-After"] = str(exc.retry_after)
        return resp

    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError) -> Response:
        return problem(400, "Invalid request", "the request body or query does not match the schema",
                       _field_errors(exc.messages))

    @app.errorhandler(StaleDataError)
    def _stale(exc: StaleDataError) -> Response:
        return problem(409, "Conflict", "the instance was changed concurrently; reload and try again")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        detail = exc.description
        if exc.code == 413:
            detail = f"the request body is larger than the limit of {app.config['MAX_CONTENT_LENGTH']} bytes"
        resp = problem(exc.code or 500, exc.name, detail)
        # Keep what the exception says beyond the body, e.g. `Allow` on a 405.
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                resp.headers[name] = value
        return resp

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        outage = unavailable(exc)
        if outage is not None:
            log.warning("database unavailable: %s", type(exc).__name__)
            return _domain(outage)
        log.exception("unhandled error")
        return problem(500, "Internal error", "the server failed to handle the request; it has been logged")
