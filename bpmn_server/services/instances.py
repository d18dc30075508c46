"""Process instances: start, read, list, and the lifecycle commands of analysts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, select

from models import Incident, Instance, Task, User, db

from .. import engine
from ..exceptions import Invalid, NotFound
from ..states import InstanceStatus, TaskStatus
from . import commands, deployments, heatmap, history, reasons, start_form, starters, steps, visibility
from . import uow as units
from .pagination import Page, page
from .steps import StepResult
from .tx import transactional, transactional_late

STATUSES = tuple(InstanceStatus)


def check_variables(variables: Any, field: str = "variables") -> dict[str, Any]:
    if not isinstance(variables, dict):
        raise Invalid(f"{field} must be a JSON object", errors=[{"field": field, "message": "an object"}])
    problems = engine.variables_ok(variables) + _wide_integers(variables, field)
    if problems:
        raise Invalid(f"{field} cannot be stored", errors=[{"field": field, "message": p} for p in problems])
    return variables


INT_RANGE = (-(2**63), 2**64 - 1)  # what JSON encoders and the database keep exactly


def _wide_integers(value: Any, path: str) -> list[str]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _wide_integers(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _wide_integers(v, f"{path}[{i}]")]
    if isinstance(value, int) and not isinstance(value, bool) and not INT_RANGE[0] <= value <= INT_RANGE[1]:
        return [f"{path}: integers must lie between {INT_RANGE[0]} and {INT_RANGE[1]}; send larger numbers "
                "as strings"]
    return []


def declare_types(instance: Instance, types: dict[str, str] | None) -> None:
    """Keep with the instance the Camunda types a client declared for variables whose JSON value does not tell
    them (api/camunda/variables.py: `declared_types`); written with the instance in the same unit of work."""
    if types:
        instance.variable_types = {**(instance.variable_types or {}), **types}


@transactional_late
def start(process: str, actor: str, variables: dict[str, Any] | None = None, version: int | None = None,
          business_key: str | None = None, user: User | None = None, check_form: bool = True,
          types: dict[str, str] | None = None) -> Instance:
    """Start an instance of the latest (or a given) version and run it until every token waits.
    `user`: the person starting it, held to the process's candidate starters (403). `check_form`: the
    variables must satisfy the start form (Camunda's own /start does not check it). `types`: see
    `declare_types`."""
    instance = start_stepped(process, actor, variables, version, business_key, user, check_form).instance
    declare_types(instance, types)
    return instance


@transactional_late
def start_stepped(process: str, actor: str, variables: dict[str, Any] | None = None, version: int | None = None,
                  business_key: str | None = None, user: User | None = None,
                  check_form: bool = True) -> StepResult:
    """`start`, returning what the first step did (its open tasks and incidents, known without a read)."""
    variables = check_variables(variables or {})
    definition = deployments.info(deployments.resolve(process, version).id)
    if user is not None:
        starters.require(user, definition.key, definition.meta)
    if check_form:
        variables, business_key = start_form.checked(definition, variables, business_key)
    return commands.start(units.current(), commands.Start(actor, definition, variables, business_key))


@transactional_late
def start_definition(definition_id: str, actor: str, variables: dict[str, Any] | None = None,
                     business_key: str | None = None, user: User | None = None, check_form: bool = True,
                     types: dict[str, str] | None = None) -> Instance:
    """Start an instance of one definition, by its id (404 if unknown); as `start` otherwise."""
    variables = check_variables(variables or {})
    definition = deployments.info(deployments.get_definition(definition_id).id)
    if user is not None:
        starters.require(user, definition.key, definition.meta)
    if check_form:
        variables, business_key = start_form.checked(definition, variables, business_key)
    instance = steps.begin(definition, variables, actor, business_key)
    declare_types(instance, types)
    return instance


def get(instance_id: str, viewer: User | None = None) -> Instance:
    """An instance; 404 if unknown, or if `viewer` may not read it (services/visibility.py)."""
    found = db.session.get(Instance, instance_id)
    if found is None:
        raise NotFound(f"no process instance with id '{instance_id}'")
    return visibility.check(viewer, found)


def tasks_and_incidents(instance: Instance, known: StepResult | None = None) -> tuple[list[Task], list[Incident]]:
    """The open tasks and the incidents of an instance, as the step that just ran it (`known`) left them
    when it knows them (a start knows both), else read back."""
    tasks = known.tasks if known is not None and known.tasks is not None else open_tasks(instance.id)
    found = known.incidents if known is not None and known.incidents is not None else incidents(instance.id)
    return tasks, found


def open_tasks(instance_id: str) -> list[Task]:
    return list(db.session.execute(select(Task).where(Task.instance_id == instance_id, Task.status == TaskStatus.OPEN)
                                   .order_by(Task.created_at, Task.id)).scalars())


def incidents(instance_id: str) -> list[Incident]:
    return list(db.session.execute(select(Incident).where(Incident.instance_id == instance_id)
                                   .order_by(Incident.created_at)).scalars())


def list_instances(limit: int, after: str | None, process: str | None = None, status: str | None = None,
                   business_key: str | None = None, prefix: bool = False, viewer: User | None = None,
                   activity: str | None = None) -> Page:
    """Instances newest first. `prefix`: process and business key match what starts with the text (LIKE
    'x%', which an index serves; the pages' filters), otherwise exactly (the API's). `viewer`: only those
    that user may read. `activity`: those waiting there now or failed there (the heat map's click)."""
    q = matching(process, status, business_key, prefix, viewer, activity=activity)
    return page(q, [Instance.started_at, Instance.id], [dt.datetime, str], limit, after, descending=True)


def matching(process: str | None = None, status: str | None = None, business_key: str | None = None,
             prefix: bool = False, viewer: User | None = None, field: str = "status",
             activity: str | None = None) -> Select:
    """The instances of the list's filters, as a query (the list pages it; a batch takes every match).
    `field`: the name an unknown status is reported under."""
    q = select(Instance)
    if activity:
        q = q.where(heatmap.instances_at(activity))
    if viewer is not None and not visibility.sees_all(viewer):
        q = q.where(visibility.instance_clause(viewer))
    if process:
        q = q.where(Instance.process.startswith(process, autoescape=True) if prefix else Instance.process == process)
    if status is not None:  # "" is not a status either
        if status not in STATUSES:
            raise Invalid(f"status must be one of {', '.join(STATUSES)}",
                          errors=[{"field": field, "message": "unknown status"}])
        q = q.where(Instance.status == status)
    if business_key:
        q = q.where(Instance.business_key.startswith(business_key, autoescape=True) if prefix
                    else Instance.business_key == business_key)
    return q


@transactional
def cancel(instance_id: str, actor: str, reason: str | None) -> Instance:
    """End an instance by hand: its open tasks are cancelled (`task.cancelled` each), then one
    `instance.cancelled` with the reason; never `instance.completed`. Its variables stay as they were."""
    reason = reasons.required(reason, "cancel an instance")
    instance = steps.lock(instance_id)
    steps.require_status(instance, InstanceStatus.RUNNING, InstanceStatus.SUSPENDED, InstanceStatus.FAILED)
    # Marked before the step, so that the step does not take the ended workflow for a completion.
    instance.status = InstanceStatus.CANCELLED
    instance.ended_at = dt.datetime.now(dt.UTC)
    commands.advance(units.current(), instance, commands.Cancel(actor))
    history.record("instance.cancelled", actor, instance, data={"reason": reason})
    return instance


@transactional
def suspend(instance_id: str, actor: str) -> Instance:
    instance = steps.lock(instance_id)
    steps.require_status(instance, InstanceStatus.RUNNING, InstanceStatus.FAILED)
    instance.suspended_from = instance.status
    instance.status = InstanceStatus.SUSPENDED
    history.record("instance.suspended", actor, instance)
    return instance


@transactional
def resume(instance_id: str, actor: str) -> Instance:
    instance = steps.lock(instance_id)
    steps.require_status(instance, InstanceStatus.SUSPENDED)
    instance.status = instance.suspended_from or InstanceStatus.RUNNING
    instance.suspended_from = None
    history.record("instance.resumed", actor, instance)
    return instance


def timeline(instance_id: str, limit: int, after: str | None, viewer: User | None = None) -> Page:
    get(instance_id, viewer)
    return history.list_events(limit, after, instance=instance_id)
