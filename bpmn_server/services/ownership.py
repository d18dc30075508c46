"""Who owns a process key (issue 20): an admin's setting (`PATCH /api/processes/{key}`) or the latest version's
`camunda:property name="owner"`. Apart from services/owners.py (reviews, feedback, their history events) so that
the notifications, which run inside the unit of work's flush, can ask without an import cycle."""

from __future__ import annotations

from sqlalchemy import select

from models import Definition, ProcessSettings, db

from .. import engine

_PROPERTIES: dict[str, dict[str, str]] = {}  # by definition id: a deployed definition never changes


def latest_definition(key: str) -> Definition | None:
    return db.session.execute(select(Definition).where(Definition.key == key)
                              .order_by(Definition.version.desc()).limit(1)).scalar_one_or_none()


def diagram_properties(definition: Definition) -> dict[str, str]:
    """The process's `camunda:property` values (owner, review_every, ...)."""
    found = _PROPERTIES.get(definition.id)
    if found is None:
        found = _PROPERTIES[definition.id] = engine.process_properties(definition.xml, definition.key)
    return found


def owner_of(process_key: str) -> str | None:
    """The owner of a process key (a user or a group name), or None when it has none."""
    definition = latest_definition(process_key)
    if definition is None:
        return None
    settings = db.session.get(ProcessSettings, process_key)
    return (settings.owner if settings and settings.owner else None) or diagram_properties(definition).get("owner") \
        or None
