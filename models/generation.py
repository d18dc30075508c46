"""Cache generations: one row per cached kind of shared data (services/generations.py)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import db


class CacheGeneration(db.Model):
    """A token that changes, in the same transaction, whenever data that processes cache changes
    (`definitions`: a new version of a process; `webhooks`: a webhook made or removed). A process reads the
    tokens once per unit of work and keeps its cached copy while the token is the one it cached under."""

    __tablename__ = "cache_generations"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(36))
