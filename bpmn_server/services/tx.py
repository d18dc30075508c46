"""One service call, one transaction: `@transactional` runs a service function as one unit of work
(services/uow.py), so state, derived rows, history and the outbox commit together or not at all."""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from models import db

from ..db import WRITING, write_queue
from ..exceptions import BpmnServerError, Conflict, Unavailable
from . import uow as units
from .uow import HISTORY_LOCK, UnitOfWork

__all__ = ["HISTORY_LOCK", "UnitOfWork", "pending_events", "transactional"]

F = TypeVar("F", bound=Callable[..., Any])
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("tx_depth", default=0)


def pending_events() -> list[dict[str, Any]]:
    """The history rows of the current unit of work, in order (services/history.py `record` adds them)."""
    return units.current().events


def _run(fn: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    """Call `fn` in a new unit of work: commit if it returns, roll everything back on any error.

    A connection found dead before COMMIT was sent (the database restarted, a pooled connection was cut)
    lost only an uncommitted transaction: the call runs once more, on a fresh connection (the pool drops
    every connection older than the failure). This replaces a ping before every checkout."""
    for attempt in (1, 2):
        uow: list[UnitOfWork] = []
        try:
            with units.unit_of_work() as current:
                uow.append(current)
                return fn(*args, **kwargs)
        except BaseException as exc:
            if attempt == 1 and _lost_before_commit(exc, uow[0] if uow else None):
                continue
            mapped = _domain_error(exc)
            if mapped is None:
                raise
            raise mapped from None
    raise AssertionError("unreachable")


def _lost_before_commit(exc: BaseException, uow: UnitOfWork | None) -> bool:
    return (isinstance(exc, DBAPIError) and exc.connection_invalidated
            and (uow is None or not uow.committing))


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
                units.commit_read()
            with write_queue():
                return _run(fn, args, kwargs)
        finally:
            _depth.reset(token)
            WRITING.reset(writing)

    return wrapper  # type: ignore[return-value]
