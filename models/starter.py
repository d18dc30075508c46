from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import db


class DefinitionStarter(db.Model):
    """One candidate starter (group or user) of a definition, from `camunda:candidateStarterGroups` /
    `candidateStarterUsers`. Written at deploy; an operator's instance list asks this index which
    definitions name them (services/visibility.py)."""

    __tablename__ = "definition_starters"
    __table_args__ = (Index("ix_definition_starters_lookup", "kind", "value", "definition_id"),)

    definition_id: Mapped[str] = mapped_column(ForeignKey("definitions.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # group | user
    value: Mapped[str] = mapped_column(String(200), primary_key=True)
