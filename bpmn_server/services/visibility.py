"""Which instances a user may read: analysts, admins and auditors all of them; an operator those they
started, those with a task offered to them (by name, by group, or open to every operator) or held by
them (now or before: `holder` rows stay after the task ends), and those of definitions that name them
among their candidate starters.

Every clause is answered by an index alone: task candidates by (kind, value, instance_id), tasks by
(open_to_all, instance_id), starters by (kind, value, definition_id). A list builds each set
once per query (`IN (SELECT ...)`), never per row; one instance is checked with probes scoped to it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, or_, select, true
from sqlalchemy.dialects import postgresql, sqlite

from models import DefinitionStarter, Instance, Task, TaskCandidate, User, db

from ..db import is_postgres
from ..exceptions import NotFound
from ..states import READ_ALL


def sees_all(user: User) -> bool:
    return user.role in READ_ALL


def _names_me(user: User, column: Any, kind: Any, personal: tuple[str, ...]) -> Any:
    """`kind/value` rows naming the user personally (any kind in `personal`) or one of their groups."""
    mine = and_(kind.in_(personal) if len(personal) > 1 else kind == personal[0], column == user.name)
    if user.groups:
        mine = or_(mine, and_(kind == "group", column.in_(user.groups)))
    return mine


def _my_tasks(user: User) -> Any:
    return _names_me(user, TaskCandidate.value, TaskCandidate.kind, ("user", "holder"))


def _my_starts(user: User) -> Any:
    return _names_me(user, DefinitionStarter.value, DefinitionStarter.kind, ("user",))


def instance_clause(user: User) -> Any:
    """SQL for "the user may read this instance", for lists of instances (true for readers of all)."""
    if sees_all(user):
        return true()
    offered = select(TaskCandidate.instance_id).where(_my_tasks(user))
    open_to_all = select(Task.instance_id).where(Task.open_to_all == true())
    starts = select(DefinitionStarter.definition_id).where(_my_starts(user))
    return or_(Instance.started_by == user.name, Instance.id.in_(offered), Instance.id.in_(open_to_all),
               Instance.definition_id.in_(starts))


def may_read(user: User, instance: Instance) -> bool:
    if sees_all(user) or instance.started_by == user.name:
        return True
    offered = select(TaskCandidate.task_id).where(TaskCandidate.instance_id == instance.id, _my_tasks(user))
    open_to_all = select(Task.id).where(Task.instance_id == instance.id, Task.open_to_all == true())
    starts = select(DefinitionStarter.value).where(DefinitionStarter.definition_id == instance.definition_id,
                                                   _my_starts(user))
    return bool(db.session.execute(select(or_(exists(offered), exists(open_to_all), exists(starts)))).scalar())


def check(user: User | None, instance: Instance) -> Instance:
    """The instance if `user` (None: the server itself) may read it; 404 otherwise, as for an unknown id,
    so that a forbidden instance does not even show that it exists."""
    if user is not None and not may_read(user, instance):
        raise NotFound(f"no process instance with id '{instance.id}'")
    return instance


def record_holders(held: list[tuple[str, str, str]]) -> None:
    """Remember that users held tasks ((task id, its instance id, user name)); known ones are kept."""
    if not held:
        return
    dialect = postgresql if is_postgres() else sqlite
    rows = [{"task_id": task_id, "instance_id": instance_id, "kind": "holder", "value": name[:200]}
            for task_id, instance_id, name in dict.fromkeys(held)]
    db.session.execute(dialect.insert(TaskCandidate.__table__).values(rows).on_conflict_do_nothing())
