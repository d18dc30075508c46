"""One service call, one transaction: `@transactional` runs a service function as one unit of work
(services/uow.py), so state, derived rows, history and the outbox commit together or not at all."""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from models import db

from ..db import WRITING, write_queue
from ..exceptions import BpmnServerError, Conflict, Unavailable
from . import generations
from . import uow as units
from .uow import HISTORY_LOCK, UnitOfWork

__all__ = ["HISTORY_LOCK", "UnitOfWork", "pending_events", "transactional", "transactional_late"]

F = TypeVar("F", bound=Callable[..., Any])
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("tx_depth", default=0)


def pending_events() -> list[dict[str, Any]]:
    """The history rows of the current unit of work, in order (services/history.py `record` adds them)."""
    return units.current().events


def _run(fn: Callable[..., Any], args: Any, kwargs: Any, write_lock: Callable[[], None] | None = None) -> Any:
    """Call `fn` in a new unit of work: commit if it returns, roll everything back on any error.

    A connection found dead before COMMIT was sent (the database restarted, a pooled connection was cut)
    lost only an uncommitted transaction: the call runs once more, on a fresh connection (the pool drops
    every connection older than the failure). This replaces a ping before every checkout."""
    for attempt in (1, 2):
        uow: list[UnitOfWork] = []
        try:
            with units.unit_of_work(write_lock) as current:
                uow.append(current)
                return fn(*args, **kwargs)
        except BaseException as exc:
            if attempt == 1 and (_lost_before_commit(exc, uow[0] if uow else None)
                                 or isinstance(exc, generations.Stale)):
                continue  # Stale: a cached definition was replaced by a deploy meanwhile (generations.py)
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
    return _transactional(fn, lock_late=False)


def transactional_late(fn: F) -> F:
    """As `transactional`, for a call whose reads need no lock (a start: nothing exists yet that another
    writer could change under it). On SQLite it computes (the engine's run, the state's encoding) without
    the database's write lock and takes it at its first write (`UnitOfWork.begin_writes`), so writers queue
    only for their writes: the one-writer-at-a-time section of a start is a fraction of the start."""
    return _transactional(fn, lock_late=True)


def _transactional(fn: F, lock_late: bool) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _depth.get() > 0:
            return fn(*args, **kwargs)  # the outermost call commits
        token = _depth.set(1)
        sqlite = db.session.get_bind().dialect.name == "sqlite"
        late = lock_late and sqlite
        writing = WRITING.set(not late)
        try:
            if db.session().in_transaction() and (sqlite or lock_late):
                # End the request's read transaction (authentication, lookups) so that this service
                # starts its own with the write lock (BEGIN IMMEDIATE); nothing was written, so this
                # commits nothing. PostgreSQL reads committed data per statement: its read carries on,
                # except for a start, which then takes its definition from the cache without a read
                # (generations.cached, settled_later) and reads the tokens with the history lock.
                units.commit_read()
            if late:
                with contextlib.ExitStack() as held:
                    def take() -> None:
                        # The reads so far were of what does not change (definitions, decisions): end
                        # their snapshot, queue, and begin again with BEGIN IMMEDIATE.
                        if WRITING.get():
                            return  # held already (a unit of work run again: _run)
                        if db.session().in_transaction():
                            units.commit_read()
                        held.enter_context(write_queue())
                        WRITING.set(True)

                    return _run(fn, args, kwargs, take)
            with write_queue():
                return _run(fn, args, kwargs)
        finally:
            _depth.reset(token)
            WRITING.reset(writing)

    return wrapper  # type: ignore[return-value]
