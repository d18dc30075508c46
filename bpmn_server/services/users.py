"""Users, roles and bearer tokens. Tokens are random and stored as SHA-256 hashes only."""

from __future__ import annotations

import hashlib
import logging
import secrets

from sqlalchemy import func, select

from models import User, db

from ..exceptions import Conflict, Invalid, NotFound
from .tx import transactional

log = logging.getLogger(__name__)
ROLES = ("admin", "analyst", "operator", "auditor")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "bps_" + secrets.token_urlsafe(32)


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
def create_user(name: str, role: str, groups: list[str] | None = None, token: str | None = None) -> tuple[User, str]:
    """Create a user; returns it with its token (shown once, stored hashed)."""
    groups = sorted(set(groups or []))
    _check(name, role, groups)
    if db.session.execute(select(User.id).where(User.name == name)).first():
        raise Conflict(f"a user named '{name}' exists already")
    token = token or new_token()
    user = User(name=name, role=role, groups=groups, token_hash=hash_token(token))
    db.session.add(user)
    db.session.flush()
    return user, token


def authenticate(token: str) -> User | None:
    return db.session.execute(select(User).where(User.token_hash == hash_token(token))).scalar_one_or_none()


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
