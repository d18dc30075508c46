"""Migration: move an instance to another version of its process (`POST .../migrate`).

The engine maps the running tokens onto the new version (engine/migration.py). The migrated state
is saved with the new definition and then taken through the normal step, so tasks, timers,
subscriptions and external tasks are derived from the new version like after any other step.
A waiting READY or WAITING task is re-entered on the new version: a boundary timer on it starts again.
"""

from __future__ import annotations

from sqlalchemy import select

from models import Instance, Task, db

from .. import engine
from ..exceptions import Conflict, Invalid
from ..states import InstanceStatus, TaskStatus
from . import commands, definitions, deployments, history, reasons, steps
from . import uow as units
from .tx import transactional


@transactional
def migrate(instance_id: str, actor: str, version: int, reason: str | None) -> Instance:
    """Move a running, suspended or failed instance to `version`; 422 listing what cannot be mapped.
    The reason (required) is kept in `instance.migrated`; the instance's variables do not change."""
    reason = reasons.required(reason, "migrate an instance")
    instance = steps.lock(instance_id)
    steps.require_status(instance, InstanceStatus.RUNNING, InstanceStatus.SUSPENDED, InstanceStatus.FAILED)
    target = deployments.resolve(instance.process, version)
    if target.id == instance.definition_id:
        raise Conflict(f"the instance already runs version {version}")
    new = definitions.info(target.id)
    problems, renamed, state = engine.migrate(steps.workflow_of(instance), new.bundle)
    if problems or state is None:
        raise Invalid(f"the instance cannot move to version {version}: "
                      f"{', '.join(sorted({str(p['activity']) for p in problems}))} cannot be mapped",
                      errors=problems)
    old = {"version": instance.version, "definition_id": instance.definition_id}
    instance.state = state
    instance.definition_id, instance.version = target.id, target.version
    cause = history.reserve()  # the migration goes before the events of the step it caused
    facts = commands.advance(units.current(), instance, commands.Migrated(actor))
    _rename_open_tasks(instance, facts)
    history.record("instance.migrated", actor, instance,
                   data={"from_version": old["version"], "to_version": target.version,
                         "from_definition_id": old["definition_id"], "to_definition_id": target.id,
                         "renamed": renamed, "reason": reason}, into=cause)
    return instance


def _rename_open_tasks(instance: Instance, facts: engine.Facts) -> None:
    """Open task rows keep their ids across a migration; give them the new version's activity and name."""
    now = {t.id: t for t in facts.open_tasks}
    for row in db.session.execute(select(Task).where(Task.instance_id == instance.id,
                                                     Task.status == TaskStatus.OPEN)).scalars():
        item = now.get(row.id)
        if item is not None:
            row.activity, row.name = item.activity, item.name
