"""One service call, one transaction: state, derived rows and history commit together or not at all."""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from models import Event, db

from ..db import WRITING, write_queue
from ..exceptions import BpmnServerError, Conflict, Unavailable
from . import outbox

F = TypeVar("F", bound=Callable[..., Any])
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("tx_depth", default=0)
HISTORY_LOCK = 7312002  # PostgreSQL advisory lock id: one history writer at a time, in commit order
_INSERT_EVENTS = insert(Event.__table__)


def pending_events() -> list[dict[str, Any]]:
    """The history rows of the current transaction, in order (services/history.py `record` adds them)."""
    return db.session.info.setdefault("pending_events", [])


def _flush_history() -> None:
    events = db.session.info.pop("pending_events", [])
    if not events:
        return
    outbox.stage(events)  # mails and webhook deliveries commit with the events that cause them
    if db.session.get_bind().dialect.name == "postgresql":
        # Held until commit: sequence values are then handed out in commit order, so readers that
        # page by `seq` never miss an event committed later with a smaller number.
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": HISTORY_LOCK})
    # One multi-row INSERT instead of one statement per event.
    db.session.flush()
    # Core, not the ORM's bulk path: the rows are plain dicts and nothing needs them back.
    db.session.connection().execute(_INSERT_EVENTS, events)


def _run(fn: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    """Call `fn`, then write its history and commit; on any error roll everything back."""
    try:
        result = fn(*args, **kwargs)
        _flush_history()
        db.session.commit()
        return result
    except BaseException as exc:
        db.session.rollback()
        db.session.info.pop("pending_events", None)
        mapped = _domain_error(exc)
        if mapped is None:
            raise
        raise mapped from None


def _domain_error(exc: BaseException) -> BpmnServerError | None:
    """What a lost race or a busy database means to the caller (409 or 503); None: not one of those."""
    if isinstance(exc, StaleDataError):
        return Conflict("the instance was changed concurrently; reload and try again")
    if isinstance(exc, IntegrityError):
        return Conflict("a concurrent change made this one conflict; try again")
    if isinstance(exc, OperationalError):
        text = str(exc).lower()
        if "deadlock" in text or "could not serialize" in text:
            return Conflict("a concurrent change conflicted with this one; try again")
        if "locked" in text:
            return Unavailable("the database is busy; try again")
    return None


def transactional(fn: F) -> F:
    """Commit when the outermost service call returns; roll back on any error."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _depth.get() > 0:
            return fn(*args, **kwargs)  # the outermost call commits
        token = _depth.set(1)
        writing = WRITING.set(True)
        try:
            if db.session().in_transaction() and db.session.get_bind().dialect.name == "sqlite":
                # End the request's read transaction (authentication, lookups) so that this service
                # starts its own with the write lock (BEGIN IMMEDIATE); nothing was written, so this
                # commits nothing. PostgreSQL reads committed data per statement: its read carries on.
                db.session.commit()
            with write_queue():
                return _run(fn, args, kwargs)
        finally:
            _depth.reset(token)
            WRITING.reset(writing)

    return wrapper  # type: ignore[return-value]
