"""Process instances."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from ..auth import current_user
from ..services import incidents, instances, migration, modification
from .base import route
from .integration_schemas import MigrateSchema, ModifySchema, VariablesPatchSchema
from .schemas import (
    EventSchema,
    InstanceQuery,
    InstanceSchema,
    InstanceSummarySchema,
    ListQuery,
    ReasonSchema,
    StartSchema,
    page_of,
)

bp = Blueprint("instances", __name__, url_prefix="/api/process-instances")


def view(instance: Any, known: Any = None) -> dict[str, Any]:
    """The INSTANCE representation, with its open tasks and its incidents (`known`: as the step that just
    ran it left them, when it knows them)."""
    tasks, found = instances.tasks_and_incidents(instance, known)
    return {"id": instance.id, "process": instance.process, "version": instance.version,
            "definition_id": instance.definition_id, "business_key": instance.business_key,
            "status": instance.status, "variables": instance.variables, "waiting": instance.waiting,
            "tasks": tasks, "incidents": found,
            "started_at": instance.started_at, "started_by": instance.started_by, "ended_at": instance.ended_at}


@route(bp, "", ["POST"], summary="Start a process instance", permission="instances.start", body=StartSchema,
       response=InstanceSchema, status=201)
def start(body: dict[str, Any]) -> Any:
    user = current_user()
    started = instances.start_stepped(body["process"], user.name, body["variables"], body["version"],
                                      body["business_key"], user=user)
    return view(started.instance, started)


@route(bp, "", ["GET"], summary="List process instances (newest first)", permission="instances.read",
       query=InstanceQuery, response=page_of(InstanceSummarySchema))
def list_instances(query: dict[str, Any]) -> Any:
    return instances.list_instances(query["limit"], query["after"], query["process"], query["status"],
                                    query["business_key"], viewer=current_user(), activity=query["activity"])


@route(bp, "/<instance_id>", ["GET"], summary="Get a process instance", permission="instances.read",
       response=InstanceSchema)
def get_instance(instance_id: str) -> Any:
    return view(instances.get(instance_id, current_user()))


@route(bp, "/<instance_id>/cancel", ["POST"], summary="Cancel an instance (reason)", permission="instances.manage",
       body=ReasonSchema, response=InstanceSchema)
def cancel(instance_id: str, body: dict[str, Any]) -> Any:
    return view(instances.cancel(instance_id, current_user().name, body["reason"]))


@route(bp, "/<instance_id>/suspend", ["POST"], summary="Suspend an instance", permission="instances.manage",
       response=InstanceSchema)
def suspend(instance_id: str) -> Any:
    return view(instances.suspend(instance_id, current_user().name))


@route(bp, "/<instance_id>/resume", ["POST"], summary="Resume a suspended instance",
       permission="instances.manage", response=InstanceSchema)
def resume(instance_id: str) -> Any:
    return view(instances.resume(instance_id, current_user().name))


@route(bp, "/<instance_id>/history", ["GET"], summary="The instance's events, oldest first",
       permission="history.read", query=ListQuery, response=page_of(EventSchema))
def timeline(instance_id: str, query: dict[str, Any]) -> Any:
    return instances.timeline(instance_id, query["limit"], query["after"], current_user())


@route(bp, "/<instance_id>/variables", ["PATCH"], summary="Repair an instance's variables (set, unset, reason)",
       permission="instances.manage", body=VariablesPatchSchema, response=InstanceSchema)
def update_variables(instance_id: str, body: dict[str, Any]) -> Any:
    return view(incidents.update_variables(instance_id, current_user().name, body["set"], body["unset"],
                                           body["reason"]))


@route(bp, "/<instance_id>/retry", ["POST"], summary="Run the failed step again after a repair (reason)",
       permission="instances.manage", body=ReasonSchema, response=InstanceSchema)
def retry(instance_id: str, body: dict[str, Any]) -> Any:
    return view(incidents.retry(instance_id, current_user().name, body["reason"]))


@route(bp, "/<instance_id>/migrate", ["POST"], summary="Move the instance to another version of its process, "
       "with a reason (422 lists the activities that cannot be mapped)", permission="instances.manage",
       body=MigrateSchema, response=InstanceSchema)
def migrate(instance_id: str, body: dict[str, Any]) -> Any:
    return view(migration.migrate(instance_id, current_user().name, body["version"], body["reason"]))


@route(bp, "/<instance_id>/modify", ["POST"], summary="Move tokens: cancel activities, start before or after "
       "others, with a reason (422 names unknown or unreachable activities)", permission="instances.manage",
       body=ModifySchema, response=InstanceSchema)
def modify(instance_id: str, body: dict[str, Any]) -> Any:
    return view(modification.modify(instance_id, current_user().name, body["instructions"], body["reason"],
                                    body["allow_end"]))
