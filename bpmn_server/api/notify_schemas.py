"""Schemas of notifications, webhooks, comments and task planning (api/webhooks.py, api/comments.py)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .schemas import UTC, ListQuery, Strict


class EmailSchema(Strict):
    email = fields.Email(required=True, allow_none=True, validate=validate.Length(max=320))


class WebhookCreateSchema(Strict):
    url = fields.String(required=True, validate=validate.Length(1, 2000), metadata={
        "format": "uri", "pattern": "^https?://[^\\s/?#]+",
        "description": "http(s) only; private, loopback and link-local hosts are refused (422) unless "
                       "BPMN_SERVER_WEBHOOK_ALLOW_PRIVATE is on"})
    events = fields.List(fields.String(validate=validate.Length(1, 40)), required=True,
                         validate=validate.Length(min=1),
                         metadata={"description": 'history event types, e.g. "task.created"; "*" for all'})
    secret = fields.String(required=True, validate=validate.Length(8, 500),
                           metadata={"description": "HMAC-SHA256 key of X-Bpmn-Signature"})


class WebhookSchema(Schema):
    id = fields.String()
    url = fields.String()
    events = fields.List(fields.String())
    created_at = UTC()
    created_by = fields.String()


class DeliverySchema(Schema):
    id = fields.String()
    event_id = fields.String()
    event_type = fields.String()
    channel = fields.String()
    target = fields.String()
    webhook_id = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    status = fields.String()
    attempts = fields.Integer()
    next_attempt_at = UTC()
    last_error = fields.String(allow_none=True)
    last_status = fields.Integer(allow_none=True)
    created_at = UTC()
    sent_at = UTC(allow_none=True)


class DeliveryQuery(ListQuery):
    status = fields.String(load_default=None, validate=validate.OneOf(["pending", "sent", "dead"]))
    channel = fields.String(load_default=None, validate=validate.OneOf(["mail", "webhook"]))


class CommentCreateSchema(Strict):
    text = fields.String(required=True, validate=validate.Length(1, 4000))


class CommentSchema(Schema):
    id = fields.String()
    at = UTC()
    author = fields.String()
    text = fields.String()
    task_id = fields.String(allow_none=True)
    instance_id = fields.String(allow_none=True)


class TaskPlanSchema(Strict):
    due_at = UTC(allow_none=True)
    follow_up_at = UTC(allow_none=True)
    priority = fields.Integer(allow_none=False, validate=validate.Range(0, 100))
