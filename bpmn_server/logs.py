"""Log lines as JSON (or text) carrying the request id, the user and the instance of the work in hand.

The context lives in contextvars: the request hook (observability.py) sets the request id, the user is
the one authenticated for the request (or `system` for the clock), `services.steps` sets the instance
when it locks or creates one, and every line logged meanwhile in that thread carries them. Log messages
name ids, never token or variable values: nothing here adds any.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import sys
from typing import Any

import orjson
from flask import g, has_request_context

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
USER: contextvars.ContextVar[str | None] = contextvars.ContextVar("user", default=None)
INSTANCE_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("instance_id", default=None)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Attributes every LogRecord has: the rest were passed with `extra=` and are logged as fields.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
# Extra fields that hold process data in libraries (SpiffWorkflow's task logs): never written out.
_NEVER = {"data", "variables"}


def bind_instance(instance_id: str | None) -> None:
    """The instance the current thread works on, until the next request or step."""
    INSTANCE_ID.set(instance_id)


def _user() -> str | None:
    user = USER.get()
    if user is None and has_request_context():
        # auth.current_user keeps the authenticated user in `g` (its attributes stay loaded after commits).
        user = getattr(g.get("user"), "__dict__", {}).get("name")
    return user


def context() -> dict[str, str]:
    """The known context fields of the current thread (unknown ones are left out)."""
    found = {"request_id": REQUEST_ID.get(), "user": _user(), "instance_id": INSTANCE_ID.get()}
    return {k: v for k, v in found.items() if v}


def clear() -> None:
    REQUEST_ID.set(None)
    USER.set(None)
    INSTANCE_ID.set(None)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, context, extra fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
            "pid": record.process, **context()}
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in _NEVER and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class TextFormatter(logging.Formatter):
    """The classic line, with the context appended in brackets when known."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        ctx = context()
        return f"{text} [{' '.join(f'{k}={v}' for k, v in ctx.items())}]" if ctx else text


def formatter(kind: str) -> logging.Formatter:
    if kind not in ("json", "text"):
        raise ValueError(f"BPMN_SERVER_LOG_FORMAT must be json or text, not {kind!r}")
    return JsonFormatter() if kind == "json" else TextFormatter()


def configure(kind: str) -> None:
    """Format the console log (the root logger's plain stream handlers) as `kind`.

    Handlers that others attached (pytest's capture, files) are left as they are; when the root logger
    has no handler at all, a console handler on stderr is added.
    """
    root = logging.getLogger()
    orm = logging.getLogger("sqlalchemy")
    if orm.level == logging.NOTSET:
        # At DEBUG SQLAlchemy logs result rows: variables and token hashes. Only an explicit setting shows them.
        orm.setLevel(logging.WARNING)
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stderr))
    for handler in root.handlers:
        if type(handler) is logging.StreamHandler and getattr(handler, "stream", None) in (sys.stderr, sys.stdout):
            handler.setFormatter(formatter(kind))
