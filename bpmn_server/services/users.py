"""Users, roles and bearer tokens. Tokens are random and stored as SHA-256 hashes only."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm.attributes import set_committed_value

from models import User, db, utcnow

from ..exceptions import Conflict, Forbidden, Invalid, NotFound
from ..jsonutil import iso
from ..states import ROLES, Role  # noqa: F401 - Role: the name other modules use
from . import history, known_tokens
from . import uow as units
from .tx import transactional

log = logging.getLogger(__name__)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "bps_" + secrets.token_urlsafe(32)


MAX_EXPIRY_DAYS = 3650


def _expiry(expires_in_days: float | None) -> dt.datetime | None:
    """When a token made now expires (None: never)."""
    if expires_in_days is None:
        return None
    if not 0 < expires_in_days <= MAX_EXPIRY_DAYS:
        raise Invalid("the token's lifetime is not valid",
                      errors=[{"field": "expires_in_days", "message": f"between 0 and {MAX_EXPIRY_DAYS} days"}])
    return utcnow() + dt.timedelta(days=expires_in_days)


def expired(user: User) -> bool:
    return user.token_expires_at is not None and user.token_expires_at <= utcnow()


def _check(name: str, role: str, groups: list[str]) -> None:
    problems = []
    if not name or len(name) > 200 or name != name.strip():
        problems.append({"field": "name", "message": "a name of 1 to 200 characters without outer spaces"})
    if role not in ROLES:
        problems.append({"field": "role", "message": f"one of {', '.join(ROLES)}"})
    if any(not isinstance(g, str) or not g.strip() for g in groups):
        problems.append({"field": "groups", "message": "group names are non-empty strings"})
    if problems:
        raise Invalid("the user is not valid", errors=problems)


@transactional
def create_user(name: str, role: str, groups: list[str] | None = None, token: str | None = None, *,
                actor: str = "system", expires_in_days: float | None = None,
                email: str | None = None) -> tuple[User, str]:
    """Create a user; returns it with its token (shown once, stored hashed). Recorded in history."""
    groups = sorted(set(groups or []))
    _check(name, role, groups)
    expires_at = _expiry(expires_in_days)
    if db.session.execute(select(User.id).where(User.name == name)).first():
        raise Conflict(f"a user named '{name}' exists already")
    token = token or new_token()
    user = User(name=name, role=role, groups=groups, token_hash=hash_token(token), token_expires_at=expires_at,
                email=email)
    db.session.add(user)
    db.session.flush()
    history.record("user.created", actor, data={"user": name, "role": role, "groups": groups,
                                                "token_expires_at": iso(expires_at)})
    return user, token


@transactional
def change_user(name: str, actor: User, role: str | None = None, groups: list[str] | None = None) -> User:
    """Change a user's role or groups (admins only); recorded in history with what changed."""
    if actor.role != "admin":
        raise Forbidden("only an admin may change users")
    user = get_user(name)
    new_role = role if role is not None else user.role
    new_groups = sorted(set(groups)) if groups is not None else list(user.groups)
    _check(name, new_role, new_groups)
    if user.role == "admin" and new_role != "admin" and not db.session.execute(
            select(User.id).where(User.role == "admin", User.token_hash.is_not(None), User.id != user.id)).first():
        raise Conflict("this is the last admin with a token; make another user an admin first")
    changes = {}
    if new_role != user.role:
        changes["role"] = {"from": user.role, "to": new_role}
    if new_groups != sorted(user.groups):
        changes["groups"] = {"from": sorted(user.groups), "to": new_groups}
    if changes:
        user.role, user.groups = new_role, new_groups
        known_tokens.forget()
        history.record("user.changed", actor.name, data={"user": name, **changes})
    return user


_BY_TOKEN = select(User).where(User.token_hash == bindparam("token_hash"))  # built once: asked every request


def authenticate(token: str) -> User | None:
    """The user of the token, or None. Held by this process for half a second (services/known_tokens.py)."""
    digest = hash_token(token)
    user = known_tokens.get(digest)
    if user is not None:
        return user
    try:
        user = db.session.execute(_BY_TOKEN, {"token_hash": digest}).scalar_one_or_none()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        # The pooled connection was dead (the database restarted): a read is safe to ask again, on a
        # fresh connection (there is no ping before each checkout: config.engine_options).
        db.session.rollback()
        user = db.session.execute(_BY_TOKEN, {"token_hash": digest}).scalar_one_or_none()
    if user is not None:
        _touch(user)
        known_tokens.keep(digest, user)  # after _touch: kept with the last use it just wrote
    return user


def get_user(name: str) -> User:
    user = db.session.execute(select(User).where(User.name == name)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"no user named '{name}'")
    return user


def list_users() -> list[User]:
    return list(db.session.execute(select(User).order_by(User.name)).scalars())


@transactional
def ensure_admin(token: str | None) -> str | None:
    """On a database with no users, create `admin`. Returns the token when it was generated here."""
    if db.session.execute(select(func.count(User.id))).scalar_one() > 0:
        return None
    _, made = create_user("admin", "admin", [], token=token)
    return None if token else made


# Tokens: rotation, revocation, last use. A token is shown once, when made, and never logged.
LAST_USED_EVERY = dt.timedelta(minutes=1)


def _touch(user: User) -> None:
    """Record the token's use, at most once a minute per user: not a write per request. Best effort,
    never failing or holding up the request. On the request's own connection, committed at once: a
    second connection per request could exhaust the pool under load while the first one waits."""
    now = utcnow()
    if user.last_used_at is not None and now - user.last_used_at < LAST_USED_EVERY:
        return
    stale = or_(User.last_used_at.is_(None), User.last_used_at < now - LAST_USED_EVERY)
    conn = db.session.connection()
    sqlite = conn.dialect.name == "sqlite"
    waited = conn.exec_driver_sql("PRAGMA busy_timeout").scalar() if sqlite else None
    try:
        with units.unit_of_work():  # its own small unit of work, before the request's service call
            if sqlite:  # never hold a request up behind a long write for this
                conn.exec_driver_sql("PRAGMA busy_timeout=250")
            try:
                db.session.execute(update(User).where(User.id == user.id, stale).values(last_used_at=now)
                                   .execution_options(synchronize_session=False))
            finally:
                # Restore on this very connection, before it goes back to the pool: a pooled connection
                # left at 250 ms would make a later write transaction give up almost at once.
                if sqlite:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout={int(waited)}")
    except OperationalError:
        log.debug("last-used time of user %s not recorded: the database is busy", user.name)
    set_committed_value(user, "last_used_at", now)  # seen by this request, without a second write


def _may_change_token(actor: User, name: str) -> None:
    if actor.role != "admin" and actor.name != name:
        raise Forbidden("only an admin may change another user's token")


@transactional
def rotate_token(name: str, actor: User, expires_in_days: float | None = None) -> tuple[User, str]:
    """Give the user a new token; the old one stops working at once. Admins for anyone, users for
    themselves. Returns the user and the token (shown once, stored hashed)."""
    _may_change_token(actor, name)
    expires_at = _expiry(expires_in_days)
    user = get_user(name)
    token = new_token()
    user.token_hash = hash_token(token)
    known_tokens.forget()  # the old token stops working here at once (on other processes within 0.5 s)
    user.token_created_at = utcnow()
    user.token_expires_at = expires_at
    data = {"user": name}
    if expires_at is not None:
        data["token_expires_at"] = iso(expires_at)
    history.record("token.rotated", actor.name, data=data)
    return user, token


@transactional
def revoke_token(name: str, actor: User) -> User:
    """Revoke the user's token: nothing authenticates as the user until a new one is issued."""
    _may_change_token(actor, name)
    user = get_user(name)
    if user.role == "admin" and user.token_hash is not None and not db.session.execute(
            select(User.id).where(User.role == "admin", User.token_hash.is_not(None), User.id != user.id)).first():
        raise Conflict("this is the last admin with a token; give another admin a token first")
    user.token_hash = None
    known_tokens.forget()
    user.token_created_at = None
    user.token_expires_at = None
    history.record("token.revoked", actor.name, data={"user": name})
    return user


@transactional
def set_email(name: str, actor: User, email: str | None) -> User:
    """Set or clear a user's email (an admin for anyone, a user for themselves); a `user.changed` event."""
    if actor.role != "admin" and actor.name != name:
        raise Forbidden("only an admin may change another user's email")
    user = get_user(name)
    if user.email != email:
        history.record("user.changed", actor.name, data={"user": name, "email": {"from": user.email, "to": email}})
        user.email = email
        known_tokens.forget()
    return user
