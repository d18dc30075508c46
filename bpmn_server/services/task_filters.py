"""Saved task filters (Camunda Tasklist's filters, issue 23): criteria (process, candidate group, assignee,
due before, variables equal to), variables shown as columns, and a sort (due date, created, priority).
A filter is its owner's; with `shared_group` every member of that group sees it too (only the owner or
an admin may delete it). Running a filter never widens what a user may see: it narrows
`tasks.task_query`, which already limits an operator to the tasks they may act on."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import cast, func, or_, select
from sqlalchemy.dialects.postgresql import JSONB

from models import Instance, Task, TaskFilter, User, db

from ..db import is_postgres
from ..exceptions import Forbidden, Invalid, NotFound
from .pagination import Page, page
from .tasks import task_query
from .tx import transactional


class Sort(StrEnum):
    DUE = "due"
    CREATED = "created"
    PRIORITY = "priority"


# Each sort: its key columns and direction (keyset pages need one direction for all of them).
_ORDER: dict[Sort, tuple[list[Any], list[type], bool]] = {
    Sort.DUE: ([Task.due_sort, Task.created_at, Task.id], [dt.datetime, dt.datetime, str], False),
    Sort.CREATED: ([Task.created_at, Task.id], [dt.datetime, str], False),
    Sort.PRIORITY: ([Task.priority, Task.created_at, Task.id], [int, dt.datetime, str], True),
}


def _check_group(user: User, group: str | None) -> None:
    if group and user.role != "admin" and group not in (user.groups or []):
        raise Invalid(f"you may share a filter only with a group you belong to, not '{group}'",
                      errors=[{"field": "shared_group", "message": f"you are not a member of '{group}'"}])


class Row:
    """A task of a filter's list with the values of the filter's columns (`variables`)."""

    def __init__(self, task: Task, variables: dict[str, Any]):
        self.task, self.variables = task, variables

    def __getattr__(self, name: str) -> Any:
        return getattr(self.task, name)


def view(f: TaskFilter, n: int) -> dict[str, Any]:
    """A FILTER as the API shows it, with the number of open tasks it shows its reader."""
    return {"id": f.id, "name": f.name, "owner": f.owner, "shared_group": f.shared_group,
            "criteria": f.criteria or {}, "columns": f.columns or [], "sort": f.sort, "created_at": f.created_at,
            "count": n}


@transactional
def create(user: User, name: str, criteria: dict[str, Any], columns: list[str], sort: str,
           shared_group: str | None) -> TaskFilter:
    _check_group(user, shared_group)
    criteria = {k: v for k, v in criteria.items() if v is not None and v != {}}
    if isinstance(criteria.get("due_before"), dt.datetime):  # kept as text in the JSON column
        criteria["due_before"] = criteria["due_before"].astimezone(dt.UTC).isoformat()
    found = TaskFilter(name=name, owner=user.name, shared_group=shared_group, criteria=criteria,
                       columns=columns, sort=Sort(sort).value)
    db.session.add(found)
    db.session.flush()
    return found


def visible(user: User) -> list[TaskFilter]:
    """The user's own filters and those shared with one of their groups, by name."""
    mine = TaskFilter.owner == user.name
    if user.groups:
        mine = or_(mine, TaskFilter.shared_group.in_(user.groups))
    return list(db.session.execute(select(TaskFilter).where(mine).order_by(TaskFilter.name, TaskFilter.id))
                .scalars())


def get(filter_id: str, user: User) -> TaskFilter:
    found = db.session.get(TaskFilter, filter_id)
    if found is None or not (found.owner == user.name or found.shared_group in (user.groups or [])
                             or user.role == "admin"):
        raise NotFound(f"no task filter with id '{filter_id}'")
    return found


@transactional
def delete(filter_id: str, user: User) -> None:
    found = get(filter_id, user)
    if found.owner != user.name and user.role != "admin":
        raise Forbidden(f"only its owner {found.owner} may delete the filter '{found.name}'")
    db.session.delete(found)


def _variable_equals(name: str, value: Any) -> Any:
    """SQL for "the task's instance has variable `name` equal to `value`" (a JSON string, number or boolean;
    "5" is not 5 and true is not 1, as in Camunda's typed variable filters)."""
    if is_postgres():
        test = cast(Instance.variables, JSONB).contains({name: value})
    else:
        path = f'$."{name}"'
        kind = func.json_type(Instance.variables, path)
        if isinstance(value, bool):
            test = kind == ("true" if value else "false")
        elif isinstance(value, str):
            test = (kind == "text") & (func.json_extract(Instance.variables, path) == value)
        else:
            test = kind.in_(("integer", "real")) & (func.json_extract(Instance.variables, path) == value)
    return Task.instance_id.in_(select(Instance.id).where(test))


def _query(f: TaskFilter, user: User) -> Any:
    c = f.criteria or {}
    due_before = dt.datetime.fromisoformat(c["due_before"].replace("Z", "+00:00")) if c.get("due_before") else None
    q = task_query(user, c.get("assignee"), c.get("candidate_group"), c.get("process"), None, "open", due_before,
                   c.get("unassigned"))
    for name, value in sorted((c.get("variables") or {}).items()):
        q = q.where(_variable_equals(name, value))
    return q


def count(f: TaskFilter, user: User) -> int:
    return db.session.execute(select(func.count()).select_from(_query(f, user).subquery())).scalar_one()


def with_counts(user: User) -> list[dict[str, Any]]:
    """The user's filters (`view`), each with how many open tasks it shows them (the menu's numbers)."""
    return [view(f, count(f, user)) for f in visible(user)]


def one(filter_id: str, user: User) -> dict[str, Any]:
    found = get(filter_id, user)
    return view(found, count(found, user))


def create_view(user: User, name: str, criteria: dict[str, Any], columns: list[str], sort: str,
                shared_group: str | None) -> dict[str, Any]:
    made = create(user, name, criteria, columns, sort, shared_group)
    return view(made, count(made, user))


def run(filter_id: str, user: User, limit: int, after: str | None) -> Page:
    """One page of the filter's tasks in its sort, each with `variables` holding its columns' values."""
    f = get(filter_id, user)
    columns, kinds, descending = _ORDER[Sort(f.sort)]
    found = page(_query(f, user), columns, kinds, limit, after, descending)
    ids = {t.instance_id for t in found.items}
    values = dict(db.session.execute(select(Instance.id, Instance.variables).where(Instance.id.in_(ids))).all()) \
        if ids and f.columns else {}
    rows = [Row(t, {n: (values.get(t.instance_id) or {}).get(n) for n in f.columns or []}) for t in found.items]
    return Page(rows, found.next)

