from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import UTCDateTime, db, new_id, utcnow


class Deployment(db.Model):
    __tablename__ = "deployments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    created_by: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Four-eyes approval (services/approval.py): proposed | approved | rejected; deployments without
    # approval are approved when made.
    status: Mapped[str] = mapped_column(String(20), default="approved", server_default="approved", index=True)
    decided_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class Definition(db.Model):
    """One version of one process: the uploaded bytes, the parsed spec, and deploy-time metadata."""

    __tablename__ = "definitions"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_definitions_key_version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(255), index=True)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployments.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    filename: Mapped[str | None] = mapped_column(String(255), nullable=True)
    xml: Mapped[bytes] = mapped_column(LargeBinary)
    xml_sha256: Mapped[str] = mapped_column(String(64))
    spec: Mapped[str] = mapped_column(Text)  # serialized SpiffWorkflow spec bundle (JSON)
    meta: Mapped[dict] = mapped_column(JSON, default=dict)


class StoredFile(db.Model):
    """A file of a deployment that made no process definition: its processes are all marked isExecutable="false"
    (or it has none). Kept, as Camunda 7 keeps such a resource, with the notes that say why nothing of it runs."""

    __tablename__ = "deployment_files"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployments.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    filename: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # a byte-identical re-upload makes nothing new
    notes: Mapped[list] = mapped_column(JSON, default=list)  # line, element, message (engine.idle_notes)
