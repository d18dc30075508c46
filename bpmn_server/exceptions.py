"""The one exception base. Every error a client may see is a subclass; `errors.py` renders them."""

from __future__ import annotations

from typing import Any


class BpmnServerError(Exception):
    """Base of every domain error: carries an HTTP status, a title and optional details."""

    status = 500
    title = "Internal error"

    def __init__(self, detail: str | None = None, errors: list[Any] | None = None, **extra: Any):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors
        self.extra = extra


class BadRequest(BpmnServerError):
    status = 400
    title = "Bad request"


class Unauthorized(BpmnServerError):
    status = 401
    title = "Unauthorized"


class Forbidden(BpmnServerError):
    status = 403
    title = "Forbidden"


class NotFound(BpmnServerError):
    status = 404
    title = "Not found"


class Conflict(BpmnServerError):
    status = 409
    title = "Conflict"


class PayloadTooLarge(BpmnServerError):
    status = 413
    title = "Payload too large"


class UnsupportedMediaType(BpmnServerError):
    status = 415
    title = "Unsupported media type"


class Invalid(BpmnServerError):
    status = 422
    title = "Unprocessable content"


class TooManyRequests(BpmnServerError):
    status = 429
    title = "Too many requests"

    def __init__(self, detail: str | None = None, retry_after: int = 60, **extra: Any):
        super().__init__(detail, **extra)
        self.retry_after = retry_after


class Unavailable(BpmnServerError):
    """The server cannot serve this now (database down, busy or slow): the client should retry."""

    status = 503
    title = "Service unavailable"

    def __init__(self, detail: str | None = None, retry_after: int = 5, **extra: Any):
        super().__init__(detail, **extra)
        self.retry_after = retry_after


def as_problem(exc: BpmnServerError) -> dict[str, Any]:
    """The RFC 9457 problem detail of an error, as the API would answer it (kept where an outcome is stored:
    a batch's instance that failed)."""
    body: dict[str, Any] = {"type": f"https://bpmn-server.dev/problems/{exc.status}", "title": exc.title,
                            "status": exc.status, "detail": exc.detail}
    if exc.errors is not None:
        body["errors"] = exc.errors
    return body
