"""The task list: who sees which user task, and claim, unclaim, assign, reassign, complete.

Task rows are derived by `steps._sync_tasks` in the instance step; this module reads them and
changes only who holds a task. Completing goes through the instance step like every other change.
Each change of `assignee` is one guarded UPDATE (`WHERE status = 'open' AND assignee = <as read>`),
so of two concurrent changes exactly one applies and the other gets 409. The same statement refuses
a task whose instance is suspended (409), as Camunda refuses to claim or assign a suspended task.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import load_only
from sqlalchemy.orm.attributes import set_committed_value

from models import Instance, Task, TaskCandidate, User, db, utcnow

from ..exceptions import Conflict, Forbidden, Invalid, NotFound
from ..states import READ_ALL, WORKERS, InstanceStatus, TaskStatus
from . import commands, forms, history, steps, task_listeners, task_plan, visibility
from . import uow as units
from .instances import check_variables, declare_types
from .pagination import Page, page, page_narrow
from .tx import transactional

STATUSES = tuple(TaskStatus)


def offered(user: User, task: Task) -> bool:
    """The task is offered to the user: open to all, or the user or one of their groups is a candidate."""
    return bool(task.open_to_all or user.name in (task.candidate_users or [])
                or set(task.candidate_groups or []) & set(user.groups or []))


def may_act(user: User, task: Task) -> bool:
    """Admins act on every task; operators on tasks assigned to them, or offered to them and unclaimed."""
    if user.role == "admin":
        return True
    if user.role != "operator":
        return False
    if task.assignee is not None:
        return task.assignee == user.name
    return offered(user, task)


def may_see(user: User, task: Task) -> bool:
    """Readers see every task; an operator the tasks offered to them, held by them or done by them."""
    if user.role in READ_ALL:
        return True
    return user.role == "operator" and (offered(user, task) or user.name in (task.assignee, task.completed_by))


def _operator_clause(user: User) -> Any:
    """SQL for "the operator may act on it" (plus the tasks they completed), served by the indexes.

    `id IN (candidate ids)` rather than a correlated EXISTS: the database builds the operator's
    candidate set once per query instead of probing it per row (20x faster for a rare group on SQLite).
    """
    offered = [Task.id.in_(select(TaskCandidate.task_id).where(TaskCandidate.kind == "user",
                                                              TaskCandidate.value == user.name))]
    if user.groups:  # a subquery of its own: an index-only scan of (kind, value, task_id), not a bitmap OR
        offered.append(Task.id.in_(select(TaskCandidate.task_id).where(TaskCandidate.kind == "group",
                                                                       TaskCandidate.value.in_(user.groups))))
    return or_(Task.assignee == user.name, Task.completed_by == user.name,
               and_(Task.assignee.is_(None), or_(Task.open_to_all, *offered)))


def list_tasks(user: User, limit: int, after: str | None, assignee: str | None = None,
               candidate_group: str | None = None, process: str | None = None, instance: str | None = None,
               status: str | None = TaskStatus.OPEN, due_before: dt.datetime | None = None,
               unassigned: bool | None = None) -> Page:
    """Tasks oldest due first (no due date last), then oldest created; operators see what they may act on.
    `unassigned`: only tasks nobody holds (True) or only held ones (False), filtered in the query so that
    a page is full whenever more rows match (the pages' "Group tasks")."""
    q = task_query(user, assignee, candidate_group, process, instance, status, due_before, unassigned)
    columns, kinds = [Task.due_sort, Task.created_at, Task.id], [dt.datetime, dt.datetime, str]
    if assignee or process or instance:  # an index of its own leads with that column: rows read are rows shown
        return page(q, columns, kinds, limit, after, descending=False)
    # The page's ids from the list index alone (it holds the visibility columns), then 50 wide rows. (With a
    # selective filter above, SQLite's planner would take this covering index over the filter's own.)
    return page_narrow(q, Task, columns, kinds, limit, after, descending=False)


def task_query(user: User, assignee: str | None = None, candidate_group: str | None = None,
               process: str | None = None, instance: str | None = None, status: str | None = "open",
               due_before: dt.datetime | None = None, unassigned: bool | None = None) -> Any:
    """SELECT of the tasks `user` may see that match the filters (unordered), for lists and counts."""
    q = select(Task)
    if status is not None:  # "" is not a status either
        if status not in STATUSES:
            raise Invalid(f"status must be one of {', '.join(STATUSES)}",
                          errors=[{"field": "status", "message": "unknown status"}])
        q = q.where(Task.status == status)
    if user.role not in READ_ALL:
        q = q.where(_operator_clause(user))
    if assignee:
        q = q.where(Task.assignee == (user.name if assignee == "me" else assignee))
    if candidate_group:
        q = q.where(Task.id.in_(select(TaskCandidate.task_id).where(TaskCandidate.kind == "group",
                                                                    TaskCandidate.value == candidate_group)))
    if process:
        q = q.where(Task.process == process)
    if instance:
        q = q.where(Task.instance_id == instance)
    if due_before:
        q = q.where(Task.due_at < due_before)
    if unassigned is not None:
        q = q.where(Task.assignee.is_(None) if unassigned else Task.assignee.is_not(None))
    return q


def query(user: User, first: int, count: int, *, task_id: str | None = None, instance: str | None = None,
          business_key: str | None = None, process: str | None = None, activity: str | None = None,
          name: str | None = None, assignee: str | None = None, candidate_group: str | None = None,
          candidate_user: str | None = None, assigned: bool | None = None) -> list[tuple[Task, str, str]]:
    """Open tasks by the Camunda 7 task filters, oldest created first, paged by offset, each with its
    instance's definition id and status. Candidate filters give unassigned tasks only, as Camunda's do."""
    q = (select(Task, Instance.definition_id, Instance.status).join(Instance, Instance.id == Task.instance_id)
         .where(Task.status == TaskStatus.OPEN))
    if user.role not in READ_ALL:
        q = q.where(_operator_clause(user))
    for column, value in ((Task.id, task_id), (Task.instance_id, instance), (Task.business_key, business_key),
                          (Task.process, process), (Task.activity, activity), (Task.name, name),
                          (Task.assignee, assignee)):
        if value is not None:
            q = q.where(column == value)
    if assigned is not None:
        q = q.where(Task.assignee.is_not(None) if assigned else Task.assignee.is_(None))
    if candidate_group is not None:
        q = q.where(Task.assignee.is_(None), Task.id.in_(select(TaskCandidate.task_id).where(
            TaskCandidate.kind == "group", TaskCandidate.value == candidate_group)))
    if candidate_user is not None:
        found = db.session.execute(select(User).where(User.name == candidate_user)).scalar_one_or_none()
        mine = and_(TaskCandidate.kind == "user", TaskCandidate.value == candidate_user)
        if found is not None and found.groups:
            mine = or_(mine, and_(TaskCandidate.kind == "group", TaskCandidate.value.in_(found.groups)))
        q = q.where(Task.assignee.is_(None),
                    or_(Task.open_to_all, Task.id.in_(select(TaskCandidate.task_id).where(mine))))
    rows = db.session.execute(q.order_by(Task.created_at, Task.id).offset(first).limit(count)).all()
    return [(task, definition_id, status) for task, definition_id, status in rows]


def get(task_id: str, user: User | None = None) -> Task:
    """A task; 404 if unknown or in an instance `user` may not read, 403 if `user` may not see it."""
    task = db.session.get(Task, task_id)
    if task is None:
        raise NotFound(f"no task with id '{task_id}'")
    if user is not None and not may_see(user, task):
        if not visibility.may_read(user, _instance(task.instance_id)):
            raise NotFound(f"no task with id '{task_id}'")
        raise Forbidden("you are not a candidate for this task")
    return task


def _workable(task_id: str, user: User) -> Task:
    """The task if the user may work it at all (403 otherwise, 404 in an instance they may not read); who
    holds it is checked by the caller."""
    task = get(task_id, user)
    if user.role == "admin" or (user.role == "operator" and (offered(user, task) or task.assignee == user.name)):
        return task
    raise Forbidden("you are not a candidate for this task")


def _refused(task: Task, expected: Any = ...) -> Conflict:
    """Why a change of the holder did not apply: the task ended, someone else holds it, or its instance
    is suspended (`expected`: the holder the change was made against, when that still holds)."""
    db.session.refresh(task)
    if task.status != TaskStatus.OPEN:
        return Conflict(f"the task is {task.status}", task_status=task.status)
    if expected is not ... and task.assignee == expected and _suspended(task.instance_id):
        return Conflict("the instance of this task is suspended: its tasks cannot be claimed, given back or "
                        "assigned until an analyst resumes it", instance_status=InstanceStatus.SUSPENDED)
    return Conflict(f"the task is claimed by {task.assignee}", assignee=task.assignee)


def _suspended(instance_id: str) -> bool:
    status = db.session.execute(select(Instance.status).where(Instance.id == instance_id)).scalar()
    return status == InstanceStatus.SUSPENDED


def _set_assignee(task: Task, expected: str | None, to: str | None, offer_to_all: bool = False) -> None:
    """Change the holder if it is still `expected`, the task still open and its instance not suspended
    (Camunda refuses to claim or assign a suspended task too); 409 otherwise. `offer_to_all`: the task
    had no candidates, so it goes back to every operator."""
    held = Task.assignee.is_(None) if expected is None else Task.assignee == expected
    # In the same statement, so that a concurrent suspend either comes first (409) or after the change.
    active = ~select(Instance.id).where(Instance.id == Task.instance_id,
                                        Instance.status == InstanceStatus.SUSPENDED).exists()
    claimed_at = utcnow() if to else None
    values: dict[str, Any] = {"assignee": to, "claimed_at": claimed_at}
    if offer_to_all:
        values["open_to_all"] = True
    done = db.session.execute(update(Task).where(Task.id == task.id, Task.status == TaskStatus.OPEN, held, active)
                              .values(**values).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise _refused(task, expected)
    # The guarded UPDATE wrote exactly these: no need to read the row back.
    for key, value in values.items():
        set_committed_value(task, key, value)


def _instance(instance_id: str) -> Instance:
    """The instance for a history event, without its (large) serialized state."""
    return db.session.execute(select(Instance).where(Instance.id == instance_id).options(
        load_only(Instance.id, Instance.process, Instance.version, Instance.started_by,
                  Instance.definition_id))).scalar_one()


@transactional
def claim(task_id: str, user: User) -> Task:
    """Take an open task; 409 if someone else holds it or it is no longer open."""
    task = _workable(task_id, user)
    if task.status == TaskStatus.OPEN and task.assignee == user.name:
        return task
    if task.status != TaskStatus.OPEN or task.assignee is not None:
        raise _refused(task)
    _set_assignee(task, None, user.name)
    visibility.record_holders([(task.id, task.instance_id, user.name)])
    instance = _instance(task.instance_id)
    history.record("task.claimed", user.name, instance, activity=task.activity, task_id=task.id)
    task_listeners.assigned(task, user.name, instance.definition_id)  # camunda:taskListener event="assignment"
    return task


@transactional
def unclaim(task_id: str, user: User) -> Task:
    """Give a task back (Camunda's unclaim: the assignee is cleared); only its holder (or an admin) may.
    It goes back to its candidates; a task that had none (an assignee alone) is offered to every
    operator, as Camunda's tasklist shows an unassigned task without candidates to everyone."""
    task = _workable(task_id, user)
    if task.status != TaskStatus.OPEN:
        raise _refused(task)
    if task.assignee is None:
        return task
    if task.assignee != user.name and user.role != "admin":
        raise _refused(task)
    previous = task.assignee
    offer_to_all = not _has_candidates(task)
    _set_assignee(task, previous, None, offer_to_all)
    history.record("task.unclaimed", user.name, _instance(task.instance_id), activity=task.activity,
                   task_id=task.id, data={"from": previous, **_offered_to(task)})
    return task


def _has_candidates(task: Task) -> bool:
    return bool(task.open_to_all or task.candidate_groups or task.candidate_users)


def _offered_to(task: Task) -> dict[str, Any]:
    """Whom a task with no holder is offered to, for the history."""
    if task.open_to_all:
        return {"offered_to": "every operator"}
    return {"candidate_groups": task.candidate_groups or [], "candidate_users": task.candidate_users or []}


def _worker(name: str, field: str) -> User:
    found = db.session.execute(select(User).where(User.name == name)).scalar_one_or_none()
    if found is None or found.role not in WORKERS:
        why = "there is no such user" if found is None else f"a {found.role} may not work tasks"
        raise Invalid(f"cannot assign tasks to '{name}': {why}", errors=[{"field": field, "message": why}])
    return found


@transactional
def assign(task_id: str, actor: User, to: str | None) -> Task:
    """Reroute an open task to a user (admin, analyst), or back to its candidates with `None`."""
    task = get(task_id)
    if task.status != TaskStatus.OPEN:
        raise _refused(task)
    if to is not None:
        _worker(to, "user")
    previous = task.assignee
    if previous == to:
        return task
    _set_assignee(task, previous, to, to is None and not _has_candidates(task))
    if to is not None:
        visibility.record_holders([(task.id, task.instance_id, to)])
    history.record("task.assigned", actor.name, _instance(task.instance_id), activity=task.activity,
                   task_id=task.id, data={"from": previous, "to": to})
    if to is not None:
        task_listeners.assigned(task, actor.name)  # camunda:taskListener event="assignment"
    return task


@transactional
def reassign_all(actor: User, from_user: str, to_user: str) -> int:
    """Move every open task held by `from_user` to `to_user` (someone changed role); returns how many."""
    _worker(to_user, "to")
    if from_user == to_user:
        return 0
    moved = db.session.execute(update(Task).where(Task.assignee == from_user, Task.status == TaskStatus.OPEN)
                               .values(assignee=to_user, claimed_at=utcnow())
                               .returning(Task.id, Task.instance_id, Task.activity)
                               .execution_options(synchronize_session=False)).all()
    visibility.record_holders([(row.id, row.instance_id, to_user) for row in moved])
    instances: dict[str, Instance] = {}
    for task_id, instance_id, activity in sorted(moved, key=lambda r: (r.instance_id, r.id)):
        if instance_id not in instances:
            instances[instance_id] = _instance(instance_id)
        history.record("task.assigned", actor.name, instances[instance_id], activity=activity, task_id=task_id,
                       data={"from": from_user, "to": to_user, "bulk": True})
    return len(moved)


@transactional
def complete(task_id: str, user: User, variables: dict[str, Any] | None, comment: str | None = None,
             types: dict[str, str] | None = None) -> Instance:
    """Complete an open user task and run its instance to the next wait. Of two at once, one wins.
    `comment`: the decision's rationale, kept in the `task.completed` event (422 when the task requires one).
    `types`: Camunda types declared for the variables (services/instances.py: `declare_types`)."""
    variables = check_variables(variables or {})
    comment = (comment or "").strip() or None
    task = _workable(task_id, user)
    instance = steps.lock(task.instance_id)
    # Read the task again under the instance lock, and lock its row against a concurrent claim: a
    # concurrent complete may have just committed, and the check below must see it.
    task = db.session.execute(select(Task).where(Task.id == task_id).with_for_update()
                              .execution_options(populate_existing=True)).scalar_one()
    if task.status != TaskStatus.OPEN:
        raise _refused(task)
    if task.assignee is not None and task.assignee != user.name and user.role != "admin":
        raise _refused(task)
    steps.require_status(instance, InstanceStatus.RUNNING)
    data = forms.validate_submission(instance.definition_id, task.activity, task.form, variables)
    task_plan.check_rationale(instance.definition_id, task.activity, comment)

    # The completion goes before the events of the step it caused (activity.completed, the next tasks);
    # the step itself closes the task row (completed by the actor, now).
    cause = history.reserve()
    declare_types(instance, types)
    commands.advance(units.current(), instance, commands.CompleteTask(user.name, task.id, data,
                                                                      task_listeners.known(task)))
    if task.status == TaskStatus.COMPLETED:
        if task.assignee != user.name:  # a holder already since the claim
            visibility.record_holders([(task.id, task.instance_id, user.name)])
        # The event goes before the events of the step it caused (activity.completed, the next tasks).
        history.record("task.completed", user.name, instance, activity=task.activity, task_id=task.id,
                       data={"variables": variables, **({"comment": comment} if comment else {})},
                       at=task.completed_at, into=cause)
    return instance
