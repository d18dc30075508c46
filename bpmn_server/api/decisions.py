"""Decision definitions (DMN): list, read, the file as uploaded, evaluate."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from marshmallow import Schema, fields, validate

from ..auth import current_user
from ..services import decisions
from .base import route
from .schemas import DefinitionQuery, DefinitionSchema, Strict, page_of

bp = Blueprint("decisions", __name__, url_prefix="/api")


class EvaluateSchema(Strict):
    variables = fields.Dict(keys=fields.String(), load_default=dict)
    version = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))


class EvaluatedSchema(Schema):
    decision = fields.String()
    version = fields.Integer()
    result = fields.Raw()
    matched_rules = fields.List(fields.String())
    outputs = fields.Raw()


@route(bp, "/decision-definitions", ["GET"], summary="List decision definitions", permission="definitions.read",
       query=DefinitionQuery, response=page_of(DefinitionSchema))
def list_decisions(query: dict[str, Any]) -> Any:
    return decisions.list_definitions(query["key"], query["latest"], query["limit"], query["after"])


@route(bp, "/decision-definitions/<definition_id>", ["GET"], summary="Get a decision definition",
       permission="definitions.read", response=DefinitionSchema)
def get_decision(definition_id: str) -> Any:
    return decisions.get_definition(definition_id)


@route(bp, "/decision-definitions/<definition_id>/xml", ["GET"], summary="The DMN file as uploaded",
       permission="definitions.read", produces="application/xml")
def get_decision_xml(definition_id: str) -> Any:
    row = decisions.get_definition(definition_id)
    return Response(row.xml, mimetype="application/xml",
                    headers={"Content-Disposition": f'inline; filename="{row.filename or "decision.dmn"}"'})


@route(bp, "/decision-definitions/key/<key>/evaluate", ["POST"], summary="Evaluate a decision",
       permission="decisions.evaluate", body=EvaluateSchema, response=EvaluatedSchema)
def evaluate_decision(key: str, body: dict[str, Any]) -> Any:
    return decisions.evaluate(key, body["variables"], body["version"], current_user().name)
