"""One service call, one transaction: state, derived rows and history commit together or not at all."""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from models import Event, db, new_id

from ..db import WRITING
from ..exceptions import Conflict, Unavailable

F = TypeVar("F", bound=Callable[..., Any])
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("tx_depth", default=0)
HISTORY_LOCK = 7312002  # PostgreSQL advisory lock id: one history writer at a time, in commit order


def pending_events() -> list[Event]:
    return db.session.info.setdefault("pending_events", [])


def _flush_history() -> None:
    events = db.session.info.pop("pending_events", [])
    if not events:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        # Held until commit: sequence values are then handed out in commit order, so readers that
        # page by `seq` never miss an event committed later with a smaller number.
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": HISTORY_LOCK})
    # One multi-row INSERT instead of one statement per event.
    db.session.flush()
    # Core, not the ORM's bulk path: the rows are plain dicts and nothing needs them back.
    db.session.connection().execute(insert(Event.__table__), [_row(e) for e in events])


def _row(event: Event) -> dict[str, Any]:
    return {"id": event.id or new_id(), "at": event.at, "type": event.type, "instance_id": event.instance_id,
            "process": event.process, "version": event.version, "activity": event.activity,
            "task_id": event.task_id, "actor": event.actor, "data": event.data or {}}


def transactional(fn: F) -> F:
    """Commit when the outermost service call returns; roll back on any error."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        depth = _depth.get()
        token = _depth.set(depth + 1)
        writing = None
        if depth == 0:
            if db.session().in_transaction():
                # End the request's read transaction (authentication, lookups) so that this service
                # starts its own write transaction; nothing was written, so this commits nothing.
                db.session.commit()
            writing = WRITING.set(True)
        try:
            result = fn(*args, **kwargs)
            if depth == 0:
                _flush_history()
                db.session.commit()
            return result
        except StaleDataError:
            if depth == 0:
                db.session.rollback()
                db.session.info.pop("pending_events", None)
            raise Conflict("the instance was changed concurrently; reload and try again") from None
        except IntegrityError:
            if depth == 0:
                db.session.rollback()
                db.session.info.pop("pending_events", None)
            raise Conflict("a concurrent change made this one conflict; try again") from None
        except OperationalError as exc:
            if depth == 0:
                db.session.rollback()
                db.session.info.pop("pending_events", None)
            if "deadlock" in str(exc).lower() or "could not serialize" in str(exc).lower():
                raise Conflict("a concurrent change conflicted with this one; try again") from None
            if "locked" in str(exc).lower():
                raise Unavailable("the database is busy; try again") from None
            raise
        except BaseException:
            if depth == 0:
                db.session.rollback()
                db.session.info.pop("pending_events", None)
            raise
        finally:
            _depth.reset(token)
            if writing is not None:
                WRITING.reset(writing)

    return wrapper  # type: ignore[return-value]
