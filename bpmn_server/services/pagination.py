"""Keyset (cursor) pagination: stable under inserts, and fast at any depth."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, tuple_

from models import db

from ..exceptions import BadRequest


@dataclass
class Page:
    items: list[Any]
    next: str | None


def encode(values: list[Any]) -> str:
    raw = "|".join(v.isoformat() if isinstance(v, dt.datetime) else str(v) for v in values)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, kinds: list[type]) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        parts = raw.split("|")
        if len(parts) != len(kinds):
            raise ValueError
        return [dt.datetime.fromisoformat(p) if k is dt.datetime else k(p) for p, k in zip(parts, kinds, strict=True)]
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the 'after' cursor is not valid; use the 'next' value of a previous page") from None


def _after(query: Any, columns: list[Any], kinds: list[type], after: str | None, descending: bool) -> Any:
    """`query` past the cursor `after`, and the order of `columns`."""
    if after:
        key = tuple_(*columns)
        values = tuple_(*decode(after, kinds))
        query = query.where(key < values if descending else key > values)
    return query, ([c.desc() for c in columns] if descending else list(columns))


def _page(rows: list[Any], columns: list[Any], limit: int) -> Page:
    """A page of the first `limit` of `rows` (read one more than that: the cursor says whether more follow)."""
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode([getattr(rows[-1], c.key) for c in columns]) if more and rows else None)


def page(query: Any, columns: list[Any], kinds: list[type], limit: int, after: str | None,
         descending: bool) -> Page:
    """One page of `query` ordered by `columns` (all ascending or all descending)."""
    query, order = _after(query, columns, kinds, after, descending)
    return _page(db.session.execute(query.order_by(*order).limit(limit + 1)).scalars().all(), columns, limit)


def page_narrow(query: Any, entity: Any, columns: list[Any], kinds: list[type], limit: int, after: str | None,
                descending: bool) -> Page:
    """`page`, in two steps: the page's ids first, by a query that reads only `columns` and the filter's columns
    (an index that holds them all answers it without reading the table's wide rows), then those rows."""
    query, order = _after(query, columns, kinds, after, descending)
    ids = query.with_only_columns(entity.id).order_by(*order).limit(limit + 1)
    rows = db.session.execute(select(entity).where(entity.id.in_(ids)).order_by(*order)).scalars().all()
    return _page(rows, columns, limit)


def page_by_seq(query: Any, column: Any, limit: int, after: str | None) -> Page:
    return page(query, [column], [int], limit, after, descending=False)
