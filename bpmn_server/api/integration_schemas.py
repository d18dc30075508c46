"""Schemas of the integration routes: repair and migration, messages, signals, external tasks."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .schemas import UTC, Reason, Strict


# Repair, messages, signals, external tasks, migration
class VariablesPatchSchema(Strict):
    # A repair changes something: a variable to set or a name to unset (api/openapi.py adds it to the document).
    openapi_extra = {"anyOf": [{"required": ["set"], "properties": {"set": {"minProperties": 1}}},
                               {"required": ["unset"], "properties": {"unset": {"minItems": 1}}}]}
    set = fields.Dict(keys=fields.String(), load_default=dict)
    unset = fields.List(fields.String(validate=validate.Length(1, 255)), load_default=list)
    reason = Reason()


class MigrateSchema(Strict):
    version = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    reason = Reason()


class MessageSchema(Strict):
    name = fields.String(required=True, validate=validate.Length(1, 255))
    business_key = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255))
    correlation = fields.Dict(keys=fields.String(), load_default=None, allow_none=True, metadata={
        "description": "correlation values: strings, numbers, booleans or null",
        "additionalProperties": {"nullable": True, "anyOf": [{"type": "string"}, {"type": "number"},
                                                             {"type": "boolean"}]}})
    variables = fields.Dict(keys=fields.String(), load_default=dict)


class MessageResultSchema(Schema):
    instance_id = fields.String()
    started = fields.Boolean()


class SignalSchema(Strict):
    name = fields.String(required=True, validate=validate.Length(1, 255))
    variables = fields.Dict(keys=fields.String(), load_default=dict)


class SignalResultSchema(Schema):
    delivered = fields.Integer()
    started = fields.Integer()


class FetchTopicSchema(Strict):
    name = fields.String(required=True, validate=validate.Length(1, 255))
    lock_duration_ms = fields.Integer(required=True, validate=validate.Range(1, 7 * 24 * 3600 * 1000))


class FetchAndLockSchema(Strict):
    worker_id = fields.String(required=True, validate=validate.Length(1, 255))
    topics = fields.List(fields.Nested(FetchTopicSchema), required=True, validate=validate.Length(1, 100))
    max_tasks = fields.Integer(load_default=10, validate=validate.Range(1, 500))


class ExternalTaskSchema(Schema):
    id = fields.String()
    topic = fields.String()
    priority = fields.Integer()
    instance_id = fields.String()
    process = fields.String()
    activity = fields.String()
    business_key = fields.String(allow_none=True)
    variables = fields.Dict()
    retries = fields.Integer(allow_none=True)
    lock_expires_at = UTC(allow_none=True)
    worker_id = fields.String(allow_none=True)
    state = fields.String()
    error_message = fields.String(allow_none=True)
    headers = fields.Dict()  # a Camunda 8 job's zeebe:taskHeaders (empty otherwise)
    job_retries = fields.Integer(allow_none=True)  # a Camunda 8 job's zeebe:taskDefinition retries


class ExternalTaskListSchema(Schema):
    items = fields.List(fields.Nested(ExternalTaskSchema))


class ExternalCompleteSchema(Strict):
    worker_id = fields.String(required=True, validate=validate.Length(1, 255))
    variables = fields.Dict(keys=fields.String(), load_default=dict)


class ExternalFailureSchema(Strict):
    worker_id = fields.String(required=True, validate=validate.Length(1, 255))
    error = fields.String(load_default="", validate=validate.Length(max=4000))
    retries = fields.Integer(required=True, validate=validate.Range(min=0, max=2**31 - 1))
    retry_timeout_ms = fields.Integer(load_default=0, validate=validate.Range(0, 30 * 24 * 3600 * 1000))


class ExternalBpmnErrorSchema(Strict):
    worker_id = fields.String(required=True, validate=validate.Length(1, 255))
    code = fields.String(required=True, validate=validate.Length(1, 255))
    message = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    variables = fields.Dict(keys=fields.String(), load_default=dict)


class ExtendLockSchema(Strict):
    worker_id = fields.String(required=True, validate=validate.Length(1, 255))
    new_duration_ms = fields.Integer(required=True, validate=validate.Range(1, 7 * 24 * 3600 * 1000))


class ModifySchema(Strict):
    """Instance modification: the instructions are checked by the service (422 naming each bad one)."""

    instructions = fields.List(fields.Dict(keys=fields.String()), required=True)
    reason = Reason()
    allow_end = fields.Boolean(load_default=False)
