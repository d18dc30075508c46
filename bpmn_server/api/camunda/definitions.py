"""Process definitions: list, read, and start instances by key (latest version) or by definition id."""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import fields

from ...auth import current_user
from ...exceptions import BadRequest, Invalid, NotFound
from ...services import deployments, heatmap, instances
from .base import Lenient, ListQuery, Query, boolean, endpoint, window
from .instances import instance_dto
from .variables import declared_types, from_typed


def definition_dto(definition: Any) -> dict[str, Any]:
    """Camunda's ProcessDefinitionDto: `resource` is the uploaded file name."""
    return {"id": definition.id, "key": definition.key, "category": None, "description": None,
            "name": definition.name, "version": definition.version, "resource": definition.filename,
            "deploymentId": definition.deployment_id, "diagram": None, "suspended": False, "tenantId": None,
            "versionTag": (definition.meta or {}).get("version_tag"),
            "historyTimeToLive": (definition.meta or {}).get("history_time_to_live"), "startableInTasklist": True}


class DefinitionQuery(ListQuery):
    key = fields.String(load_default=None)
    latest_version = fields.String(data_key="latestVersion", load_default=None)
    startable_by = fields.String(data_key="startableBy", load_default=None)


class StatisticsQuery(Query):
    failed_jobs = fields.String(data_key="failedJobs", load_default=None)
    incidents = fields.String(load_default=None)
    incidents_for_type = fields.String(data_key="incidentsForType", load_default=None)


class StartBody(Lenient):
    variables = fields.Raw(load_default=None)
    business_key = fields.String(data_key="businessKey", load_default=None, allow_none=True)
    with_variables = fields.Boolean(data_key="withVariablesInReturn", load_default=False)
    start_instructions = fields.Raw(data_key="startInstructions", load_default=None)


def _start_errors(exc: Exception) -> tuple[int, str, str] | None:
    args = request.view_args or {}
    if isinstance(exc, Invalid) and any(e.get("field") == "process" for e in exc.errors or []):
        return 404, "InvalidRequestException", \
            f"No matching process definition with key: {args.get('key')} and no tenant-id"
    if isinstance(exc, NotFound) and "definition_id" in args:
        return 404, "InvalidRequestException", f"No matching definition with id {args['definition_id']}"
    return None


def _start_arguments(body: dict[str, Any]) -> dict[str, Any]:
    if body["start_instructions"]:
        raise BadRequest("startInstructions are not supported: an instance starts at its start event")
    return {"variables": from_typed(body["variables"]), "business_key": body["business_key"],
            "types": declared_types(body["variables"])}


@endpoint("/process-definition", ["GET"], summary="list process definitions, newest first (key, latestVersion, "
          "startableBy: the definitions that user may start, by their candidate starters)",
          permission="definitions.read", query=DefinitionQuery)
def process_definition_list(query: dict[str, Any]) -> Any:
    first, count = window(query)
    if count == 0:
        return []
    found = deployments.list_definitions(query["key"], boolean(query["latest_version"]), first + count, None,
                                         startable_by=query["startable_by"])
    return [definition_dto(d) for d in found.items[first:]]


@endpoint("/process-definition/<definition_id>", ["GET"], summary="a process definition",
          permission="definitions.read")
def process_definition_get(definition_id: str) -> Any:
    return definition_dto(deployments.get_definition(definition_id))


@endpoint("/process-definition/key/<key>", ["GET"], summary="the latest version of a process",
          permission="definitions.read")
def process_definition_by_key(key: str) -> Any:
    found = deployments.latest(key)
    if found is None:
        raise NotFound(f"No matching process definition with key: {key} and no tenant-id")
    return definition_dto(found)


@endpoint("/process-definition/key/<key>/start", ["POST"], summary="start the latest version of a process "
          "(typed variables, businessKey, withVariablesInReturn)", permission="instances.start", body=StartBody,
          errors=_start_errors)
def process_definition_start_by_key(key: str, body: dict[str, Any]) -> Any:
    user = current_user()
    instance = instances.start(key, user.name, user=user, check_form=False, **_start_arguments(body))
    return instance_dto(instance, body["with_variables"])


@endpoint("/process-definition/<definition_id>/start", ["POST"], summary="start an instance of one definition "
          "(Camunda Modeler's start button)", permission="instances.start", body=StartBody, errors=_start_errors)
def process_definition_start(definition_id: str, body: dict[str, Any]) -> Any:
    user = current_user()
    instance = instances.start_definition(definition_id, user.name, user=user, check_form=False,
                                          **_start_arguments(body))
    return instance_dto(instance, body["with_variables"])


def _statistics(definition_id: str, query: dict[str, Any]) -> list[dict[str, Any]]:
    if boolean(query["incidents"]) and query["incidents_for_type"]:
        raise BadRequest("Only one of the query parameter incidents or incidentsForType can be set.")
    return heatmap.camunda_statistics(definition_id, boolean(query["failed_jobs"]), boolean(query["incidents"]),
                                      query["incidents_for_type"])


@endpoint("/process-definition/<definition_id>/statistics", ["GET"], summary="per activity: the instances "
          "waiting there (failedJobs: open incidents; incidents, incidentsForType: them by type)",
          permission="definitions.read", query=StatisticsQuery)
def process_definition_statistics(definition_id: str, query: dict[str, Any]) -> Any:
    return _statistics(definition_id, query)


@endpoint("/process-definition/key/<key>/statistics", ["GET"], summary="the same for the latest version of a "
          "process", permission="definitions.read", query=StatisticsQuery)
def process_definition_statistics_by_key(key: str, query: dict[str, Any]) -> Any:
    found = deployments.latest(key)
    if found is None:
        raise NotFound(f"No matching process definition with key: {key} and no tenant-id")
    return _statistics(found.id, query)
