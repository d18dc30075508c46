"""Process owners and review cadence: who answers for a process key, and when its owner reviews it next.

The owner (a user or a group name) and the review interval (an ISO 8601 duration such as `P90D`) come
from `PATCH /api/processes/{key}` when an admin set them, otherwise from the latest version's diagram
(`<camunda:property name="owner" value="..."/>`, `name="review_every"`). A review is due at the last review
(or, before the first, when the interval was first known) plus the interval.

`owner_of(process_key)` is the one function other parts call (incident notifications go to the owner).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from models import Definition, ProcessSettings, User, db, utcnow

from ..exceptions import Forbidden, Invalid, NotFound
from . import history, ownership
from .tx import transactional

_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


@dataclass
class ProcessInfo:
    key: str
    name: str | None
    version: int
    owner: str | None
    review_every: str | None
    last_reviewed_at: dt.datetime | None
    last_reviewed_by: str | None
    review_due_at: dt.datetime | None
    review_due: bool


def add_duration(start: dt.datetime, text: str) -> dt.datetime:
    """`start` plus an ISO 8601 duration; years and months by the calendar (Jan 31 + P1M: Feb 28/29)."""
    m = _DURATION.match(text or "")
    if not m or text in ("P", "PT") or text.endswith("T"):
        raise Invalid(f"'{text}' is not an ISO 8601 duration such as P90D",
                      errors=[{"field": "review_every", "message": "an ISO 8601 duration, e.g. P90D or P6M"}])
    y, mo, w, d, h, mi, s = (int(g or 0) for g in m.groups())
    months = start.month - 1 + y * 12 + mo
    year, month = start.year + months // 12, months % 12 + 1
    moved = start.replace(year=year, month=month, day=min(start.day, calendar.monthrange(year, month)[1]))
    return moved + dt.timedelta(weeks=w, days=d, hours=h, minutes=mi, seconds=s)


def _info(definition: Definition, settings: ProcessSettings | None, now: dt.datetime) -> ProcessInfo:
    diagram = ownership.diagram_properties(definition)
    owner = (settings.owner if settings and settings.owner else None) or diagram.get("owner") or None
    every = (settings.review_every if settings and settings.review_every else None) or diagram.get("review_every")
    every = every or None
    last = settings.last_reviewed_at if settings else None
    due_at = None
    if every:
        since = last or (settings.created_at if settings else None) or definition.created_at
        try:
            due_at = add_duration(since, every)
        except Invalid:
            due_at = None  # a diagram's bad value: shown, never due (the admin can set a good one)
    return ProcessInfo(definition.key, definition.name, definition.version, owner, every, last,
                       settings.last_reviewed_by if settings else None, due_at,
                       due_at is not None and due_at <= now)


owner_of = ownership.owner_of  # the public name other services use (services/ownership.py)


def get(key: str, now: dt.datetime | None = None) -> ProcessInfo:
    definition = ownership.latest_definition(key)
    if definition is None:
        raise NotFound(f"no deployed process '{key}'")
    return _info(definition, db.session.get(ProcessSettings, key), now or utcnow())


def list_processes(review_due: bool = False, now: dt.datetime | None = None) -> list[ProcessInfo]:
    """Every deployed process key (its latest version), by key; `review_due`: only those overdue at `now`."""
    now = now or utcnow()
    newest = (select(Definition.key, func.max(Definition.version).label("v")).group_by(Definition.key).subquery())
    latest = db.session.execute(select(Definition).join(
        newest, (Definition.key == newest.c.key) & (Definition.version == newest.c.v))
        .order_by(Definition.key)).scalars().all()
    settings = {s.key: s for s in db.session.execute(select(ProcessSettings)).scalars()}
    found = [_info(d, settings.get(d.key), now) for d in latest]
    return [p for p in found if p.review_due] if review_due else found


def _settings(key: str) -> ProcessSettings:
    found = db.session.get(ProcessSettings, key, populate_existing=True)
    if found is None:
        found = ProcessSettings(key=key, created_at=utcnow())
        db.session.add(found)
    return found


@transactional
def update(key: str, actor: str, changes: dict[str, Any]) -> ProcessInfo:
    """Set (or with null clear) the owner and the review interval of a process key (admin)."""
    get(key)  # 404 for an unknown key
    if changes.get("review_every"):
        add_duration(utcnow(), changes["review_every"])  # 422 naming review_every when it is not a duration
    settings = _settings(key)
    for name in ("owner", "review_every"):
        if name in changes:
            setattr(settings, name, (changes[name] or "").strip() or None)
    db.session.flush()
    history.record("process.updated", actor, process=key,
                   data={name: changes[name] for name in ("owner", "review_every") if name in changes})
    return get(key)


def is_owner(user: User, info: ProcessInfo) -> bool:
    return info.owner is not None and (user.name == info.owner or info.owner in (user.groups or []))


@transactional
def review(key: str, user: User, note: str | None) -> ProcessInfo:
    """The owner (or an admin) records a review: the next one is due an interval later."""
    info = get(key)
    if user.role != "admin" and not is_owner(user, info):
        raise Forbidden(f"only the owner of '{key}' ({info.owner or 'nobody'}) or an admin records its reviews")
    text = (note or "").strip()
    if len(text) > 4000:
        raise Invalid("the note is longer than 4000 characters",
                      errors=[{"field": "note", "message": "at most 4000 characters"}])
    settings = _settings(key)
    settings.last_reviewed_at, settings.last_reviewed_by = utcnow(), user.name
    db.session.flush()
    history.record("process.reviewed", user.name, process=key, version=info.version,
                   data={"note": text or None, "owner": info.owner})
    return get(key)
