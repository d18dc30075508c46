"""Caches of shared data that every process may keep, made safe by a generation token per kind.

A token (a row of `cache_generations`) changes in the same transaction as the data it stands for: a deploy
of new process versions changes `definitions`, a webhook made or removed changes `webhooks`. A transaction
reads all tokens with one statement, the first time it needs one, and a process keeps its cached copy of a
kind while the token is the one it cached under. So a change takes effect at once on every process (the
next transaction that begins after it committed reads the new token), and a step asks the database for one
row of tokens instead of the latest version of its process and the list of webhooks.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from enum import StrEnum
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import select, text, update

from models import CacheGeneration, db, new_id

from .definitions import LRU

V = TypeVar("V")
_ASSUMED = "generations_assumed"
_TABLE = CacheGeneration.__table__
_READ = select(_TABLE.c.name, _TABLE.c.value)
# PostgreSQL: an advisory transaction lock and the tokens in one round trip (a row even with no tokens).
_LOCK_AND_READ = text("SELECT c.name, c.value FROM (SELECT pg_advisory_xact_lock(:k)) AS l "
                      "LEFT JOIN cache_generations AS c ON true")
_LOCK = text("SELECT pg_advisory_xact_lock(:k)")
CACHE_SIZE = 1024


class Stale(Exception):
    """A unit of work used a cached value under a token that had changed by the time it read the tokens:
    it is run again (services/tx.py), now reading afresh."""


class Kind(StrEnum):
    DEFINITIONS = "definitions"
    WEBHOOKS = "webhooks"


def _tokens() -> dict[str, str]:
    """The tokens as this transaction sees them: read at its first need, kept with the session until the
    transaction ends (not with the unit of work: the outbox, which the unit of work uses, asks too)."""
    conn = db.session.connection()  # begins the transaction if none is open
    transaction = db.session().get_transaction()
    held = db.session.info.get("generations")
    if held is None or held[0] is not transaction:
        held = _keep(transaction, conn.execute(_READ).all())
    return held[1]


def _keep(transaction: Any, rows: Any) -> tuple[Any, dict[str, str]]:
    held = db.session.info["generations"] = (transaction, {name: value for name, value in rows if name})
    _check_assumed(held[1])
    return held


def lock_and_read(lock: int) -> None:
    """PostgreSQL: take the advisory transaction lock `lock` and, if this transaction has not read the
    tokens yet, read them in the same statement (the history's writer lock before commit: a round trip
    less per commit)."""
    conn = db.session.connection()
    transaction = db.session().get_transaction()
    held = db.session.info.get("generations")
    if held is not None and held[0] is transaction:
        conn.execute(_LOCK, {"k": lock})
    else:
        _keep(transaction, conn.execute(_LOCK_AND_READ, {"k": lock}).all())


def _check_assumed(tokens: dict[str, str]) -> None:
    assumed = db.session.info.pop(_ASSUMED, None)
    for kind, token in (assumed or {}).items():
        if tokens.get(kind) != token:
            _store().pop(Kind(kind), None)
            raise Stale(kind)


def settle() -> None:
    """Check, before commit, what the unit of work took from a cache without a transaction
    (`cached(..., settled_later=True)`); raises Stale if a token changed meanwhile."""
    if db.session.info.get(_ASSUMED):
        _tokens()  # assumed with no transaction open: this transaction's first read checks them


def forget_assumed() -> None:
    """The unit of work rolled back: what it assumed goes with it."""
    db.session.info.pop(_ASSUMED, None)


def _store() -> dict[Kind, tuple[str | None, LRU[Hashable, Any]]]:
    """This app's caches (one app per process in production; tests make one per test)."""
    return current_app.extensions.setdefault("bpmn_generation_caches", {})


def cached(kind: Kind, key: Hashable, make: Callable[[], V], settled_later: bool = False) -> V:
    """`make()` of `key`, kept while the generation of `kind` stays as it was when it was made.

    `settled_later`: the caller is a unit of work that calls `settle` before it commits. With no transaction
    open (a start on SQLite computes before it takes the write lock), a cached value is then taken under the
    token last seen, without asking the database; the unit of work's first read of the tokens, or `settle`,
    checks that token, and a changed one runs the unit of work again (Stale)."""
    if settled_later and not db.session().in_transaction():
        held = _store().get(kind)
        hit = held[1].peek(key) if held is not None and held[0] is not None else None
        if hit is not None:
            db.session.info.setdefault(_ASSUMED, {})[kind.value] = held[0]
            return hit
    token = _tokens().get(kind.value)
    store = _store()
    held = store.get(kind)
    if held is None or held[0] != token or token is None:
        held = store[kind] = (token, LRU(CACHE_SIZE))
    return held[1].get(key, make)


def bump(kind: Kind) -> None:
    """Give `kind` a new generation in the current transaction: every process drops its copy once this
    commits. (Written whole, not incremented: a missing row is made again.)"""
    token = new_id()
    conn = db.session.connection()
    done = conn.execute(update(_TABLE).where(_TABLE.c.name == kind.value).values(value=token)).rowcount
    if not done:
        conn.execute(_TABLE.insert().values(name=kind.value, value=token))
    _tokens()[kind.value] = token
