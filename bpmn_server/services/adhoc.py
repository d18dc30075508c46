"""Ad-hoc subprocesses driven by their performers (engine/adhoc.py): list what can be started, start an
enabled inner activity, complete a subprocess that has no completionCondition.

Starting or completing is the action of one normal step (services/commands.py `Modify`), so the tasks,
timers and subscriptions of what starts (and of what a completion cancels) are derived as after any other
input. History: `activity.started` (with `adhoc`: the subprocess) before what the step did, and
`adhoc.completed` for a completion by hand.
"""

from __future__ import annotations

from typing import Any

from models import Instance, User

from .. import engine
from ..states import InstanceStatus
from . import commands, history, instances, steps
from . import uow as units
from .definitions import info
from .tx import transactional


def _names(instance: Instance) -> dict[str, str]:
    return dict(info(instance.definition_id).meta.get("names") or {})


def open_subprocesses(instance_id: str, viewer: User) -> list[dict[str, Any]]:
    """The open ad-hoc subprocesses of an instance, each with its enabled and running activities."""
    instance = instances.get(instance_id, viewer)
    if instance.status not in (InstanceStatus.RUNNING, InstanceStatus.SUSPENDED, InstanceStatus.FAILED) \
            or not info(instance.definition_id).meta.get("adhoc"):  # none in its diagram: no need to load it
        return []
    return engine.adhoc_open(steps.workflow_of(instance), _names(instance))


@transactional
def start_activity(instance_id: str, user: User, activity: str, variables: dict[str, Any] | None,
                   scope: str | None = None) -> Instance:
    """Start enabled `activity` of an open ad-hoc subprocess (404: none offers it; 409: the instance is not
    running, or a Sequential one runs another activity)."""
    variables = instances.check_variables(variables or {})
    instances.get(instance_id, user)  # 404 for an instance this user may not see
    instance = steps.lock(instance_id)
    steps.require_status(instance, InstanceStatus.RUNNING)
    cause = history.reserve()
    found: dict[str, Any] = {}

    def change(wf: Any) -> None:
        found.update(engine.adhoc_start(wf, activity, variables, scope))

    commands.advance(units.current(), instance, commands.Modify(user.name, change))
    history.record("activity.started", user.name, instance, activity=activity, task_id=found["task_id"],
                   data={"adhoc": found["adhoc"], "variables": variables}, into=cause)
    return instance


@transactional
def complete(instance_id: str, user: User, adhoc: str, scope: str | None = None) -> Instance:
    """A performer completes an ad-hoc subprocess without a completionCondition (409 with one)."""
    instances.get(instance_id, user)
    instance = steps.lock(instance_id)
    steps.require_status(instance, InstanceStatus.RUNNING)
    cause = history.reserve()
    found: dict[str, Any] = {}

    def change(wf: Any) -> None:
        found.update(engine.adhoc_complete(wf, adhoc, scope))

    commands.advance(units.current(), instance, commands.Modify(user.name, change))
    history.record("adhoc.completed", user.name, instance, activity=adhoc, task_id=found["task_id"], into=cause)
    return instance
