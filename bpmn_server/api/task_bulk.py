"""Bulk task actions: claim, unclaim, complete (operators) and assign (admins, analysts) several tasks at once;
each task succeeds or fails on its own (services/task_bulk.py)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from marshmallow import Schema, fields, validate

from ..auth import current_user
from ..services import task_bulk
from ..services.task_bulk import MAX_TASKS, BulkAction
from .base import route
from .schemas import Strict

bp = Blueprint("task_bulk", __name__, url_prefix="/api/tasks/bulk")
_IDS = fields.List(fields.String(validate=validate.Length(1, 36)), required=True,
                   validate=validate.Length(1, MAX_TASKS))


class BulkSchema(Strict):
    tasks = _IDS


class BulkAssignSchema(Strict):
    tasks = _IDS
    user = fields.String(required=True, allow_none=True, validate=validate.Length(1, 200))


class BulkCompleteSchema(Strict):
    tasks = _IDS
    variables = fields.Dict(keys=fields.String(), load_default=dict)


class OutcomeSchema(Schema):
    task_id = fields.String()
    ok = fields.Boolean()
    status = fields.Integer(metadata={"description": "what the single-task route would have answered"})
    detail = fields.String(allow_none=True)


class BulkResultSchema(Schema):
    results = fields.List(fields.Nested(OutcomeSchema))


@route(bp, "/claim", ["POST"], summary="Claim several tasks; each succeeds or fails on its own",
       permission="tasks.work", body=BulkSchema, response=BulkResultSchema)
def claim(body: dict[str, Any]) -> Any:
    return {"results": task_bulk.run(current_user(), BulkAction.CLAIM, body["tasks"])}


@route(bp, "/unclaim", ["POST"], summary="Give several tasks back", permission="tasks.work", body=BulkSchema,
       response=BulkResultSchema)
def unclaim(body: dict[str, Any]) -> Any:
    return {"results": task_bulk.run(current_user(), BulkAction.UNCLAIM, body["tasks"])}


@route(bp, "/assign", ["POST"], summary="Assign several tasks to a user (null: back to their candidates)",
       permission="tasks.assign", body=BulkAssignSchema, response=BulkResultSchema)
def assign(body: dict[str, Any]) -> Any:
    return {"results": task_bulk.run(current_user(), BulkAction.ASSIGN, body["tasks"], assignee=body["user"])}


@route(bp, "/complete", ["POST"], summary="Complete several tasks that share one form with the same values "
       "(422 when their forms differ)", permission="tasks.work", body=BulkCompleteSchema,
       response=BulkResultSchema)
def complete(body: dict[str, Any]) -> Any:
    return {"results": task_bulk.run(current_user(), BulkAction.COMPLETE, body["tasks"],
                                     variables=body["variables"])}
