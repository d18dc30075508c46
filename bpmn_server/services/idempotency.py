"""Idempotent requests (the IETF `Idempotency-Key` draft): one answer per user, key and request.

A request with a key first claims it: one row per (user, key), inserted in a transaction of its own, so
that of any number of concurrent requests exactly one wins the primary key and does the work. The others
find the row: the same request (same fingerprint) waits for the first answer and gets it again; another
request with the key is refused (422). When the work fails with an error the key is released, so that a
retry with the same key acts; when it succeeds the answer (status, type, body) is stored for 24 hours.

A server that dies between the work's commit and storing its answer leaves the key in flight: requests
with it get 409 until it expires; the work is never done twice.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from models import IdempotencyKey, db, utcnow

from ..exceptions import BadRequest, Conflict, Invalid
from .tx import transactional

TTL = dt.timedelta(hours=24)
MAX_KEY_LENGTH = 255


class KeyState(StrEnum):
    IN_FLIGHT = "in_flight"
    DONE = "done"


class InFlight(Conflict):
    """The first request with the key has not answered yet."""


@dataclass(frozen=True)
class Stored:
    """The first answer to a request, to give again."""

    status: int
    content_type: str
    body: bytes


def check_key(key: str) -> str:
    """A usable key: 1 to 255 printable ASCII characters (400 naming the header otherwise)."""
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise BadRequest(f"the Idempotency-Key header must be 1 to {MAX_KEY_LENGTH} printable ASCII characters",
                         errors=[{"field": "Idempotency-Key",
                                  "message": f"1 to {MAX_KEY_LENGTH} printable ASCII characters"}])
    return key


@transactional
def claim(user: str, key: str, fingerprint: str, now: dt.datetime | None = None) -> Stored | None:
    """Take the key for this request (None: go ahead and act), or the stored answer of the same request.

    422 when the key was used with another request; 409 when the first is still in flight (see `wait`)."""
    now = now or utcnow()
    row = db.session.get(IdempotencyKey, (user, key), populate_existing=True)
    if row is not None and row.expires_at <= now:
        db.session.delete(row)  # an expired key is free again
        db.session.flush()
        row = None
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(IdempotencyKey(user_name=user, key=key, fingerprint=fingerprint,
                                              state=KeyState.IN_FLIGHT.value, created_at=now,
                                              expires_at=now + TTL))
            return None
        except IntegrityError:
            # A concurrent request with the key inserted it first (PostgreSQL waited for its commit).
            row = db.session.get(IdempotencyKey, (user, key), populate_existing=True)
            if row is None:
                raise InFlight("a concurrent request with this Idempotency-Key is in flight; "
                               "try again") from None
    return _answer(row, fingerprint)


def _answer(row: IdempotencyKey, fingerprint: str) -> Stored:
    if row.fingerprint != fingerprint:
        raise Invalid("this Idempotency-Key was used with another request; use a new key for a new request",
                      errors=[{"field": "Idempotency-Key", "message": "already used with another request"}])
    if row.state != KeyState.DONE.value:
        raise InFlight("a request with this Idempotency-Key is still in flight; try again")
    return Stored(row.status_code or 200, row.content_type or "application/json", row.body or b"")


def wait(user: str, key: str, fingerprint: str, timeout: float) -> Stored | None:
    """The answer of the same request, waiting up to `timeout` seconds while it is in flight (then 409).
    None: the first request failed and released the key, which this one now holds: it acts itself."""
    deadline = time.monotonic() + timeout
    while True:
        time.sleep(0.05)  # the first request is doing the work; its answer comes at its commit
        db.session.rollback()  # end this read's snapshot, so that the first request's commit is seen
        try:
            return claim(user, key, fingerprint)
        except InFlight:
            if time.monotonic() >= deadline:
                raise


@transactional
def store(user: str, key: str, status: int, content_type: str, body: bytes) -> None:
    """Keep the answer of the request that holds the key."""
    row = db.session.get(IdempotencyKey, (user, key), populate_existing=True)
    if row is not None:
        row.state, row.status_code, row.content_type, row.body = KeyState.DONE.value, status, content_type, body


@transactional
def release(user: str, key: str) -> None:
    """The request failed and changed nothing: its key may be used again."""
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.user_name == user, IdempotencyKey.key == key,
                                                    IdempotencyKey.state == KeyState.IN_FLIGHT.value))


@transactional
def prune(now: dt.datetime | None = None) -> int:
    """Delete expired keys; how many."""
    now = now or utcnow()
    return db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= now)).rowcount
