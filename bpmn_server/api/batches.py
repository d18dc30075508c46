"""Batches: one action on many instances, run in the background with each instance's outcome
(services/batches.py, services/batch_runner.py)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from marshmallow import Schema, fields, validate

from ..auth import current_user
from ..services import batches
from ..states import BatchAction, BatchItemStatus, BatchStatus, InstanceStatus
from .base import route
from .schemas import UTC, ListQuery, Reason, Strict, page_of

bp = Blueprint("batches", __name__, url_prefix="/api/batches")
_INSTANCE_STATUSES = [s.value for s in InstanceStatus]


class BatchFilterSchema(Strict):
    """The instance list's filters (exact values); every instance they match when the batch is created."""

    process = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255))
    status = fields.String(load_default=None, allow_none=True, metadata={"enum": _INSTANCE_STATUSES})
    business_key = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255))


class BatchCreateSchema(Strict):
    action = fields.String(required=True, metadata={"enum": [a.value for a in BatchAction]})
    instances = fields.List(fields.String(validate=validate.Length(max=200)), load_default=None, metadata={
        "description": "the instance ids (give either this or `filter`)"})
    # No default: a nullable nested schema would be documented as "or any object".
    filter = fields.Nested(BatchFilterSchema, metadata={
        "description": "every instance matching these filters now (give either this or `instances`)"})
    # Not a `Reason` (which the document lists as required): suspend and resume take one but need none.
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000), metadata={
        "description": "why (kept in the history): required for retry, cancel, migrate and modify"})
    version = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1),
                             metadata={"description": "migrate: the version of each instance's process"})
    instructions = fields.List(fields.Dict(keys=fields.String()), load_default=None, allow_none=True,
                               metadata={"description": "modify: as POST /api/process-instances/{id}/modify"})
    allow_end = fields.Boolean(load_default=None, allow_none=True, metadata={"description": "modify only"})


class ProgressSchema(Schema):
    total = fields.Integer()
    done = fields.Integer(metadata={"description": "instances the action succeeded on"})
    failed = fields.Integer(metadata={"description": "instances it failed on (each item holds the problem)"})
    remaining = fields.Integer(metadata={"description": "instances not tried yet"})
    skipped = fields.Integer(metadata={"description": "instances left untried by a cancel of the batch"})


class BatchItemSchema(Schema):
    position = fields.Integer()
    instance_id = fields.String()
    process = fields.String(allow_none=True, metadata={"description": "null once the instance was deleted"})
    business_key = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": [s.value for s in BatchItemStatus]})
    problem = fields.Dict(allow_none=True, metadata={"description": "the problem detail of an error"})
    finished_at = UTC(allow_none=True)


class BatchSchema(Schema):
    id = fields.String()
    action = fields.String(metadata={"enum": [a.value for a in BatchAction]})
    status = fields.String(metadata={"enum": [s.value for s in BatchStatus]})
    selection = fields.Dict()
    reason = fields.String(allow_none=True)
    version = fields.Integer(allow_none=True)
    instructions = fields.List(fields.Dict(), allow_none=True)
    allow_end = fields.Boolean(allow_none=True)
    progress = fields.Nested(ProgressSchema)
    created_at = UTC()
    created_by = fields.String()
    ended_at = UTC(allow_none=True)
    cancelled_by = fields.String(allow_none=True)
    cancel_reason = fields.String(allow_none=True)


class BatchDetailSchema(BatchSchema):
    items = fields.List(fields.Nested(BatchItemSchema), metadata={
        "description": f"the outcomes of the first {batches.SHOWN_ITEMS} instances, in the order they run"})
    items_next = fields.String(allow_none=True, metadata={"description": "the `after` of .../items for the rest"})


class BatchQuery(ListQuery):
    status = fields.String(load_default=None, metadata={"enum": [s.value for s in BatchStatus]})
    action = fields.String(load_default=None, metadata={"enum": [a.value for a in BatchAction]})
    created_by = fields.String(load_default=None)


class BatchItemQuery(ListQuery):
    status = fields.String(load_default=None, metadata={"enum": [s.value for s in BatchItemStatus]})


class BatchCancelSchema(Strict):
    reason = Reason()


@route(bp, "", ["POST"], summary="Run an action (retry, cancel, suspend, resume, migrate, modify) on a selection "
       "of instances or on every instance matching a filter, in the background", permission="instances.manage",
       body=BatchCreateSchema, response=BatchSchema, status=201)
def create(body: dict[str, Any]) -> Any:
    criteria = body.get("filter")
    batch = batches.create(current_user(), body["action"], ids=body["instances"],
                           criteria=dict(criteria) if criteria is not None else None, reason=body["reason"],
                           version=body["version"], instructions=body["instructions"], allow_end=body["allow_end"])
    return batches.view(batch)


@route(bp, "", ["GET"], summary="List batches (newest first) with their progress", permission="batches.read",
       query=BatchQuery, response=page_of(BatchSchema))
def list_batches(query: dict[str, Any]) -> Any:
    return batches.list_batches(query["limit"], query["after"], query["status"], query["action"],
                                query["created_by"])


@route(bp, "/<batch_id>", ["GET"], summary="A batch: its progress and each instance's outcome",
       permission="batches.read", response=BatchDetailSchema)
def get_batch(batch_id: str) -> Any:
    return batches.detail(batch_id)


@route(bp, "/<batch_id>/items", ["GET"], summary="A batch's instances and their outcomes, in the order they run",
       permission="batches.read", query=BatchItemQuery, response=page_of(BatchItemSchema))
def items(batch_id: str, query: dict[str, Any]) -> Any:
    return batches.items(batch_id, query["limit"], query["after"], query["status"])


@route(bp, "/<batch_id>/cancel", ["POST"], summary="Stop a running batch (reason): the instances not yet tried "
       "are skipped", permission="instances.manage", body=BatchCancelSchema, response=BatchSchema)
def cancel(batch_id: str, body: dict[str, Any]) -> Any:
    return batches.view(batches.cancel(batch_id, current_user().name, body["reason"]))
