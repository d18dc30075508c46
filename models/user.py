from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import UTCDateTime, db, new_id, utcnow


class User(db.Model):
    """A user and the hash of its one bearer token. No token (revoked): `token_hash` is NULL."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    groups: Mapped[list] = mapped_column(JSON, default=list)
    # Optional: where task and incident mails go (services/notify.py).
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    token_created_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True, default=utcnow)
    # Unset: the token does not expire. Past it, the token is refused with a 401 that says so.
    token_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Written at most once a minute (services/users.py), not on every request.
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
