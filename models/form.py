"""Form definitions: one version of one Camunda Form (a deployed `.form` file, kept byte for byte)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import UTCDateTime, db, new_id, utcnow


class FormDefinition(db.Model):
    __tablename__ = "form_definitions"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_form_definitions_key_version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(255), index=True)  # the form's `id` in its JSON
    version: Mapped[int] = mapped_column(Integer)
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployments.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    filename: Mapped[str | None] = mapped_column(String(255), nullable=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
