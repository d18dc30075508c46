"""Incidents and repair: list what went wrong, fix the data, run the failed step again.

A failing script, expression or gateway leaves the instance `failed` with its state as it was when
the step failed: the failed task is kept (SpiffWorkflow's ERROR state) with its data. `retry` makes
that task runnable again and runs the instance on. An external task whose worker used up its retries
(the dead-letter) leaves the instance running with an incident; `retry` gives the task one more try.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update

from models import ExternalTask, Incident, Instance, db, utcnow

from ..exceptions import Conflict, Invalid
from ..states import ExternalTaskState, InstanceStatus
from . import commands, history, reasons, steps, task_events
from . import uow as units
from .instances import check_variables
from .pagination import Page, page
from .tx import transactional

EXTERNAL_TYPES = ("external-task", "bpmn-error")


def list_incidents(limit: int, after: str | None, process: str | None = None,
                   open_only: bool | None = None) -> Page:
    """Incidents newest first; `open_only` True: unresolved ones, False: resolved ones."""
    q = select(Incident)
    if process:
        q = q.where(Incident.process == process)
    if open_only is True:
        q = q.where(Incident.resolved_at.is_(None))
    elif open_only is False:
        q = q.where(Incident.resolved_at.is_not(None))
    return page(q, [Incident.created_at, Incident.id], [dt.datetime, str], limit, after, descending=True)


def open_incidents(instance_id: str) -> list[Incident]:
    return list(db.session.execute(select(Incident).where(Incident.instance_id == instance_id,
                                                          Incident.resolved_at.is_(None))
                                   .order_by(Incident.created_at)).scalars())


def raise_incident(instance: Instance, actor: str, activity: str | None, kind: str, message: str) -> Incident:
    """Open an incident without failing the instance (an external task parked for an analyst)."""
    incident = Incident(instance_id=instance.id, process=instance.process, activity=activity, type=kind,
                        message=message, created_at=utcnow())
    db.session.add(incident)
    db.session.flush()
    history.record("incident.created", actor, instance, activity=activity,
                   data={"incident_id": incident.id, "type": kind, "message": message})
    return incident


def resolve(instance: Instance, incidents: list[Incident], actor: str, how: str, reason: str | None = None) -> None:
    now = utcnow()
    for incident in incidents:
        incident.resolved_at = now
        data = {"incident_id": incident.id, "type": incident.type, "resolution": how}
        if reason is not None:
            data["reason"] = reason
        history.record("incident.resolved", actor, instance, activity=incident.activity, data=data)


@transactional
def update_variables(instance_id: str, actor: str, values: dict[str, Any] | None, unset: list[str] | None,
                     reason: str | None) -> Instance:
    """Repair data: set and remove variables of a running, failed or suspended instance (a reason is
    required; `variables.updated` keeps it)."""
    values = check_variables(values or {}, "set")
    unset = list(unset or [])
    if not values and not unset:
        raise Invalid("nothing to change: give variables to 'set' or names to 'unset'",
                      errors=[{"field": "set", "message": "set or unset something"}])
    both = sorted(set(values) & set(unset))
    if both:
        raise Invalid("a variable cannot be both set and unset",
                      errors=[{"field": "unset", "message": f"also in set: {', '.join(both)}"}])
    reason = reasons.required(reason, "change an instance's variables")
    instance = steps.lock(instance_id)
    steps.require_status(instance, InstanceStatus.RUNNING, InstanceStatus.FAILED, InstanceStatus.SUSPENDED)
    before = dict(instance.variables or {})
    commands.advance(units.current(), instance, commands.SetVariables(actor, values, tuple(unset)))
    # Old and new values side by side for the auditor: `old` holds what each changed name held before
    # (a name new to the instance is absent from it). Values go to the history only, never to the logs.
    old = {name: before[name] for name in [*values, *unset] if name in before}
    history.record("variables.updated", actor, instance,
                   data={"set": values, "unset": unset, "old": old, "reason": reason})
    return instance


def _revive_external(instance: Instance) -> int:
    """Give parked external tasks of the instance one more try; how many there were."""
    result = db.session.execute(update(ExternalTask)
                                .where(ExternalTask.instance_id == instance.id,
                                       ExternalTask.state == ExternalTaskState.OPEN,
                                       ExternalTask.retries <= 0)
                                .values(retries=1, retry_at=None, worker_id=None, lock_expires_at=None)
                                .execution_options(synchronize_session=False))
    return result.rowcount or 0


@transactional
def retry(instance_id: str, actor: str, reason: str | None) -> Instance:
    """Run the failed step again after a repair, and resolve the incidents it had.

    A failed instance re-runs its failed tasks and goes on (running, completed, or failed again
    with a new incident). A running instance with parked external tasks makes them fetchable again.
    The reason (required) is kept in each `incident.resolved` event.
    """
    reason = reasons.required(reason, "retry an instance")
    instance = steps.lock(instance_id)
    before = open_incidents(instance.id)
    if instance.status == InstanceStatus.FAILED:
        instance.status = InstanceStatus.RUNNING
        task_events.reopen_failed(instance)  # user tasks failed by an uncaught BPMN error
        commands.advance(units.current(), instance, commands.Retry(actor))
        _revive_external(instance)
        how = "retried" if instance.status != InstanceStatus.FAILED else "retried; failed again"
    elif instance.status == InstanceStatus.RUNNING and any(i.type in EXTERNAL_TYPES for i in before):
        revived = _revive_external(instance)
        how = f"external task retried ({revived})"
    else:
        raise Conflict(f"the instance is {instance.status} and has nothing to retry",
                       instance_status=instance.status)
    resolve(instance, before, actor, how, reason)
    return instance
