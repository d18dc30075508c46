"""Camunda Forms deployed as `.form` files: list their versions, read one as the JSON it was deployed as."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from marshmallow import Schema, fields, validate

from ..services import form_definitions
from .base import route
from .schemas import UTC, ListQuery, page_of

bp = Blueprint("forms", __name__, url_prefix="/api")


class FormQuery(ListQuery):
    id = fields.String(load_default=None)
    latest = fields.Boolean(load_default=False)


class FormVersionQuery(Schema):
    version = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))


class FormDefinitionSchema(Schema):
    id = fields.String(attribute="key")  # the form's `id`, the formId user tasks link it by
    version = fields.Integer()
    deployment_id = fields.String()
    definition_id = fields.String(attribute="id")
    filename = fields.String(allow_none=True)
    created_at = UTC()


@route(bp, "/forms", ["GET"], summary="List deployed Camunda Forms (every version; latest=true: the newest)",
       permission="definitions.read", query=FormQuery, response=page_of(FormDefinitionSchema))
def list_forms(query: dict[str, Any]) -> Any:
    return form_definitions.list_forms(query["id"], query["latest"], query["limit"], query["after"])


@route(bp, "/forms/<form_id>", ["GET"], summary="A deployed Camunda Form as its JSON (latest, or ?version=N)",
       permission="definitions.read", query=FormVersionQuery, produces="application/json")
def get_form(form_id: str, query: dict[str, Any]) -> Any:
    row = form_definitions.resolve(form_id, query["version"])
    return Response(row.body, mimetype="application/json",
                    headers={"X-Form-Version": str(row.version), "X-Deployment-Id": row.deployment_id})
