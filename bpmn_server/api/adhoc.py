"""Ad-hoc subprocesses of an instance: what their performers may start, starting it, completing them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from marshmallow import Schema, fields

from ..auth import current_user
from ..services import adhoc
from .base import route
from .instances import view
from .schemas import InstanceSchema, Strict

bp = Blueprint("adhoc", __name__, url_prefix="/api/process-instances")


class _Activity(Schema):
    activity = fields.String()
    name = fields.String(allow_none=True)


class AdHocSchema(Schema):
    activity = fields.String(metadata={"description": "the ad-hoc subprocess's id in the diagram"})
    scope = fields.String(metadata={"description": "the subprocess's token (tells apart several open ones)"})
    name = fields.String(allow_none=True)
    ordering = fields.String(metadata={"enum": ["Parallel", "Sequential"]})
    completion_condition = fields.Boolean(metadata={"description": "it ends when its completionCondition holds"})
    cancel_remaining_instances = fields.Boolean()
    enabled = fields.List(fields.Nested(_Activity), metadata={
        "description": "the inner activities a performer may start now (none while a Sequential one runs)"})
    active = fields.List(fields.String(), metadata={"description": "inner activities in progress"})
    completable = fields.Boolean(metadata={"description": "a performer may complete it (no completionCondition)"})


class AdHocListSchema(Schema):
    items = fields.List(fields.Nested(AdHocSchema))
    next = fields.String(allow_none=True)


class AdHocStartSchema(Strict):
    variables = fields.Dict(keys=fields.String(), load_default=dict)
    scope = fields.String(load_default=None, allow_none=True)


class AdHocCompleteSchema(Strict):
    scope = fields.String(load_default=None, allow_none=True)


@route(bp, "/<instance_id>/adhoc", ["GET"], summary="The open ad-hoc subprocesses: activities a performer may "
       "start, activities in progress", permission="instances.read", response=AdHocListSchema)
def open_subprocesses(instance_id: str) -> Any:
    return {"items": adhoc.open_subprocesses(instance_id, current_user()), "next": None}


@route(bp, "/<instance_id>/adhoc/<activity>", ["POST"], summary="Start an enabled activity of an open ad-hoc "
       "subprocess (404: no open one offers it; 409: a Sequential one runs another)",
       permission="instances.start", body=AdHocStartSchema, response=InstanceSchema)
def start_activity(instance_id: str, activity: str, body: dict[str, Any]) -> Any:
    return view(adhoc.start_activity(instance_id, current_user(), activity, body["variables"], body["scope"]))


@route(bp, "/<instance_id>/adhoc/<activity>/complete", ["POST"], summary="Complete an open ad-hoc subprocess "
       "that has no completionCondition (409 with one: the condition ends it)", permission="instances.start",
       body=AdHocCompleteSchema, response=InstanceSchema)
def complete(instance_id: str, activity: str, body: dict[str, Any]) -> Any:
    return view(adhoc.complete(instance_id, current_user(), activity, body["scope"]))
