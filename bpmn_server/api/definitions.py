"""Deployments and process definitions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from ..auth import current_user
from ..exceptions import BadRequest, UnsupportedMediaType
from ..services import approval, deployments, heatmap, validation
from .base import route
from .schemas import DefinitionQuery, DefinitionSchema, DeploymentSchema, ValidationSchema, page_of
from .statistics_schemas import StatisticsQuery, StatisticsSchema

bp = Blueprint("definitions", __name__, url_prefix="/api")
XML_TYPES = {"application/xml", "text/xml", "application/bpmn+xml"}


def _uploads() -> tuple[list[deployments.Upload], str | None]:
    mimetype = request.mimetype or ""
    if mimetype == "multipart/form-data":
        files = request.files.getlist("file")
        if not files:
            raise BadRequest("the form has no 'file' part", errors=[{"field": "file", "message": "required"}])
        return ([deployments.Upload(f.filename or "diagram.bpmn", f.read()) for f in files],
                request.form.get("note"))
    if mimetype in XML_TYPES:
        name = request.args.get("filename") or request.headers.get("X-Filename") or "diagram.bpmn"
        return [deployments.Upload(name, request.get_data())], request.args.get("note")
    raise UnsupportedMediaType("send multipart/form-data with 'file' parts, or one diagram as application/xml")


@route(bp, "/deployments", ["POST"], summary="Deploy BPMN files", permission="definitions.deploy",
       response=DeploymentSchema, status=201, upload=True)
def create_deployment() -> Any:
    files, note = _uploads()
    result = approval.submit(files, current_user(), note)  # with approval on, maybe a proposal (202)
    data = {"id": result.deployment.id, "created_at": result.deployment.created_at,
            "created_by": result.deployment.created_by, "note": result.deployment.note,
            "definitions": result.definitions}
    if approval.enabled():
        data["status"] = result.deployment.status
    if result.decisions:  # .dmn files: their decisions, versioned like processes
        data["decision_definitions"] = result.decisions
    if result.forms:  # .form files: Camunda Forms, versioned per form id
        data["form_definitions"] = result.forms
    if result.notes:  # a process that is not executable: its file is stored, nothing of it runs
        data["notes"] = result.notes
    if result.deployment.status == "proposed":
        return data, 202
    return data, 201 if result.created else 200


@route(bp, "/deployments/validate", ["POST"], summary="Check BPMN and DMN files as a deploy would, deploying nothing",
       permission="definitions.deploy", response=ValidationSchema, upload=True)
def validate_deployment() -> Any:
    files, _note = _uploads()
    return validation.validate(files, current_user().name)


@route(bp, "/process-definitions", ["GET"], summary="List process definitions", permission="definitions.read",
       query=DefinitionQuery, response=page_of(DefinitionSchema))
def list_definitions(query: dict[str, Any]) -> Any:
    return deployments.list_definitions(query["key"], query["latest"], query["limit"], query["after"])


@route(bp, "/process-definitions/<definition_id>", ["GET"], summary="Get a process definition",
       permission="definitions.read", response=DefinitionSchema)
def get_definition(definition_id: str) -> Any:
    return deployments.get_definition(definition_id)


@route(bp, "/process-definitions/<definition_id>/xml", ["GET"], summary="The BPMN file as uploaded",
       permission="definitions.read", produces="application/xml")
def get_definition_xml(definition_id: str) -> Any:
    definition = deployments.get_definition(definition_id)
    return Response(definition.xml, mimetype="application/xml",
                    headers={"Content-Disposition": f'inline; filename="{definition.filename or "diagram.bpmn"}"'})


@route(bp, "/process-definitions/<definition_id>/statistics", ["GET"],
       summary="Per activity: instances waiting now, visits completed, average and p90 time spent, open incidents "
       "(the heat map)", permission="definitions.read", query=StatisticsQuery, response=StatisticsSchema)
def get_statistics(definition_id: str, query: dict[str, Any]) -> Any:
    return {"definition_id": definition_id, "items": heatmap.statistics(definition_id, query["from_"])}
