"""Who a bearer token belongs to, remembered by this process for half a second.

Every request authenticates; reading the user by token hash was a statement per request. A process now
keeps what it read for `TTL_SECONDS`, so a revoked or rotated token, a changed role or an expiry set
elsewhere takes effect on every process within that time (issue 16: within 1 s), and at once on the process
that made the change (services/users.py forgets everything it holds when it changes a user). Only found
users are kept: a wrong token is read again every time, and counted by the throttle.
"""

from __future__ import annotations

import time
from typing import Any

from flask import current_app
from sqlalchemy.orm import make_transient_to_detached

from models import User, db

TTL_SECONDS = 0.5
SIZE = 4096  # distinct tokens held at most; beyond, everything is forgotten (they are re-read)
_COLUMNS = [c.key for c in User.__table__.columns]
clock = time.monotonic  # a module attribute: tests move it forward instead of waiting


def _store() -> dict[str, tuple[float, dict[str, Any]]]:
    return current_app.extensions.setdefault("bpmn_known_tokens", {})


def get(token_hash: str) -> User | None:
    """The user of the token as read less than TTL_SECONDS ago, in the request's session (no statement)."""
    held = _store().get(token_hash)
    if held is None or held[0] < clock():
        return None
    values = dict(held[1])
    values["groups"] = list(values["groups"] or [])  # a copy: a change in this request stays in it
    user = User(**values)
    make_transient_to_detached(user)  # as if loaded: merging it asks the database nothing
    return db.session.merge(user, load=False)


def keep(token_hash: str, user: User) -> None:
    store = _store()
    if len(store) >= SIZE:
        store.clear()
    values = {key: getattr(user, key) for key in _COLUMNS}
    values["groups"] = list(values["groups"] or [])
    store[token_hash] = (clock() + TTL_SECONDS, values)


def forget() -> None:
    """Drop everything held (a user or a token changed in this process)."""
    _store().clear()
