"""Candidate starters of a process (`camunda:candidateStarterGroups` / `candidateStarterUsers`).

A definition that names starters may be started only by them (a user named, or a member of a group
named), and by admins and analysts; one that names none keeps the role rule (analysts and operators).
The lists live in `Definition.meta["starters"]` (parsed at deploy, engine/starters.py) and as rows of
`definition_starters`, which the instance lists and Camunda's `startableBy` query read.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, false, or_, select, true

from models import Definition, DefinitionStarter, User, db

from ..exceptions import Forbidden
from ..states import MAY_START, STARTERS_EXEMPT


def of(meta: dict[str, Any] | None) -> dict[str, list[str]]:
    found = (meta or {}).get("starters") or {}
    return {"groups": list(found.get("groups") or []), "users": list(found.get("users") or [])}


def record(definitions: list[Definition]) -> None:
    """Write the starter rows of newly deployed definitions."""
    rows = [DefinitionStarter(definition_id=d.id, kind=kind[:-1], value=name)
            for d in definitions for kind, names in of(d.meta).items() for name in names]
    db.session.add_all(rows)


def may_start(user: User, meta: dict[str, Any] | None) -> bool:
    if user.role not in MAY_START:
        return False
    declared = of(meta)
    if user.role in STARTERS_EXEMPT or not (declared["groups"] or declared["users"]):
        return True
    return user.name in declared["users"] or bool(set(declared["groups"]) & set(user.groups or []))


def require(user: User, key: str, meta: dict[str, Any] | None) -> None:
    """403 unless the user may start this process."""
    if may_start(user, meta):
        return
    declared = of(meta)
    who = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in declared.items() if names)
    raise Forbidden(f"process '{key}' may be started only by its candidate starters ({who}), admins and analysts")


def startable_clause(name: str) -> Any:
    """SQL on Definition for "the user called `name` may start it" (Camunda's `startableBy`)."""
    user = db.session.execute(select(User).where(User.name == name)).scalar_one_or_none()
    if user is None or user.role not in MAY_START:
        return false()
    if user.role in STARTERS_EXEMPT:
        return true()
    mine = and_(DefinitionStarter.kind == "user", DefinitionStarter.value == user.name)
    if user.groups:
        mine = or_(mine, and_(DefinitionStarter.kind == "group", DefinitionStarter.value.in_(user.groups)))
    return or_(Definition.id.not_in(select(DefinitionStarter.definition_id)),
               Definition.id.in_(select(DefinitionStarter.definition_id).where(mine)))
