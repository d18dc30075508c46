"""The unit of work: one service call's session, history events, outbox and savepoints.

A service function runs inside exactly one `UnitOfWork` (entered by `@transactional`, services/tx.py).
It buffers what the call records (history rows) and what it throws for others (the outbox: messages and
signals thrown by a step, drained by services/relay.py before commit). A savepoint marks both buffers, so
what a rolled-back savepoint recorded or threw is dropped with its rows: nobody trims them by hand.
Only `commit` and `rollback` here end a transaction.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert

from models import Event, db

from . import generations, outbox

HISTORY_LOCK = 7312002  # PostgreSQL advisory lock id: one history writer at a time, in commit order
_INSERT_EVENTS = insert(Event.__table__)
_BEFORE_COMMIT: list[Callable[[UnitOfWork], None]] = []
_current: contextvars.ContextVar[UnitOfWork | None] = contextvars.ContextVar("unit_of_work", default=None)


@dataclass
class Thrown:
    """A message or signal a step threw that no catcher of the same instance took."""

    kind: str  # "message" | "signal"
    name: str
    source_id: str
    source_definition_id: str
    actor: str
    depth: int = 0  # relays inside relays: bounded by services/relay.py
    cascade: int = 0  # the outermost step that threw, directly or through receivers (a budget each)
    variables: dict[str, Any] = field(default_factory=dict)  # a message's object payload (engine/events.thrown)


@dataclass
class UnitOfWork:
    """Buffers of one transaction. `events` holds history rows in order; an empty dict is a reserved
    place (`reserve`) that was never filled and is skipped at commit."""

    events: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[Thrown] = field(default_factory=list)
    depth: int = 0  # relay depth of the step running now (what it throws is one deeper)
    cascade: int | None = None  # the cascade being relayed now (None: a step of the service call itself)
    _cascades: int = 0
    # Rows read ahead for many instances at once (services/steps.py `prefetch`), by (kind, instance id):
    # a step takes its own (once) instead of reading them with a query of its own.
    known: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    # Steps computed ahead of this unit of work by instance id (services/steps.py `Computed`, made outside
    # SQLite's write lock by services/timers.py): used by commands.advance only at the same revision.
    prepared: dict[str, Any] = field(default_factory=dict)
    # Set when COMMIT is sent: a connection lost after that may or may not have committed (never retried).
    committing: bool = False
    # SQLite, a start (services/tx.py `lock_late`): takes the write lock when called; None once held.
    write_lock: Callable[[], None] | None = None

    @property
    def session(self) -> Any:
        return db.session

    def begin_writes(self) -> None:
        """About to write: a unit of work that computed before taking the write lock takes it now."""
        if self.write_lock is not None:
            take, self.write_lock = self.write_lock, None
            take()

    def record(self, row: dict[str, Any]) -> None:
        self.events.append(row)

    def reserve(self) -> dict[str, Any]:
        """A place for an event known only after what it caused ran (task.completed, timer.fired): the
        cause goes before its effects. Fill it with `dict.update`; left empty, it is not written."""
        slot: dict[str, Any] = {}
        self.events.append(slot)
        return slot

    def throw(self, kind: str, name: str, source_id: str, source_definition_id: str, actor: str,
              variables: dict[str, Any] | None = None) -> None:
        """Put what a step threw in the outbox, in the cascade of the delivery running now, if any."""
        if self.cascade is None:
            self._cascades += 1
        cascade = self.cascade if self.cascade is not None else self._cascades
        self.outbox.append(Thrown(kind, name, source_id, source_definition_id, actor, self.depth, cascade,
                                  dict(variables or {})))

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction whose events and thrown items go with it when it rolls back."""
        events, outbox = len(self.events), len(self.outbox)
        try:
            with db.session.begin_nested():
                yield
        except BaseException:
            self.known.clear()  # rows read ahead may have been written in it: read them afresh
            # Rows written with Core inside it (services/steps.py `_write`) are not expired by the ORM's
            # rollback of the savepoint: reload everything from what the database now holds.
            db.session.expire_all()
            del self.events[events:]
            del self.outbox[outbox:]
            raise

    def flush_history(self) -> None:
        rows = [row for row in self.events if row]
        self.events.clear()
        if not rows:
            return
        if db.session.get_bind().dialect.name == "postgresql":
            # Held until commit: sequence values are then handed out in commit order, so readers that
            # page by `seq` never miss an event committed later with a smaller number. Taken with the
            # read of the cache tokens the outbox needs, when not read yet: one round trip.
            generations.lock_and_read(HISTORY_LOCK)
        outbox.stage(rows)  # mails and webhook deliveries commit with the events that cause them
        db.session.flush()
        # One executemany of a Core INSERT: the rows are plain dicts and nothing needs them back.
        db.session.connection().execute(_INSERT_EVENTS, rows)

    def commit(self) -> None:
        self.begin_writes()
        for hook in _BEFORE_COMMIT:  # the relay drains the outbox (services/relay.py)
            hook(self)
        self.flush_history()
        generations.settle()
        self.committing = True
        db.session.commit()

    def rollback(self) -> None:
        self.known.clear()
        self.events.clear()
        self.outbox.clear()
        generations.forget_assumed()
        db.session.rollback()


def before_commit(hook: Callable[[UnitOfWork], None]) -> None:
    """Run `hook` on every unit of work just before it writes its history and commits. Registered by the
    relay, which builds on the steps that record into units of work (so this module cannot import it)."""
    if hook not in _BEFORE_COMMIT:
        _BEFORE_COMMIT.append(hook)


def active() -> UnitOfWork | None:
    """The unit of work of the running service call; None outside any."""
    return _current.get()


def current() -> UnitOfWork:
    """The unit of work of the running service call (a detached one outside any: its buffers are
    dropped, as nothing outside a service call commits)."""
    found = _current.get()
    if found is None:
        found = db.session.info.get("unit_of_work")
        if found is None:
            found = db.session.info["unit_of_work"] = UnitOfWork()
    return found


@contextlib.contextmanager
def unit_of_work(write_lock: Callable[[], None] | None = None) -> Iterator[UnitOfWork]:
    """Run the block as one unit of work: commit if it returns, roll back if it raises. `write_lock`: the
    block begins without the write lock and takes it by calling this before its first write."""
    uow = UnitOfWork(write_lock=write_lock)
    token = _current.set(uow)
    try:
        yield uow
        uow.commit()
    except BaseException:
        uow.rollback()
        raise
    finally:
        _current.reset(token)


@contextlib.contextmanager
def scratch() -> Iterator[UnitOfWork]:
    """A unit of work that is never committed: for computing a step ahead (services/timers.py), whose
    caller looks at what it recorded or threw and then drops it."""
    uow = UnitOfWork()
    token = _current.set(uow)
    try:
        yield uow
    finally:
        _current.reset(token)


def end_read() -> None:
    """End a read-only transaction (nothing written, nothing buffered): no snapshot or lock stays held."""
    db.session.rollback()


def commit_read() -> None:
    """End a read transaction by committing it (nothing was written): on SQLite the next transaction can
    then begin with the write lock."""
    db.session.commit()
