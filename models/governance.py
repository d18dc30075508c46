"""Governed change: idempotency keys, proposed deployment files, process owners, reviews and feedback."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import UTCDateTime, db, new_id, utcnow


class IdempotencyKey(db.Model):
    """One `Idempotency-Key` of one user: the request it was first used with and the answer it got.

    The primary key (user, key) is the guard: of concurrent requests with one key, one inserts the row
    and does the work; the others find the row and wait for its answer."""

    __tablename__ = "idempotency_keys"

    user_name: Mapped[str] = mapped_column(String(200), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of method, path and body
    state: Mapped[str] = mapped_column(String(20))  # in_flight | done
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    content_type: Mapped[str | None] = mapped_column(String(200), nullable=True)
    body: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class ProposedFile(db.Model):
    """A file of a proposed deployment: it becomes definitions only when the proposal is approved."""

    __tablename__ = "proposed_files"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployments.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ProcessSettings(db.Model):
    """Who owns a process key (a user or a group) and how often its owner reviews it."""

    __tablename__ = "process_settings"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    review_every: Mapped[str | None] = mapped_column(String(50), nullable=True)  # ISO 8601 duration
    last_reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_reviewed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProcessFeedback(db.Model):
    """"This step is wrong": a remark on an activity of a process, from the point of work."""

    __tablename__ = "process_feedback"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    process: Mapped[str] = mapped_column(String(255), index=True)
    activity: Mapped[str | None] = mapped_column(String(255), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
