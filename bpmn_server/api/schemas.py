"""Marshmallow schemas: what each route reads and writes. Timestamps are ISO 8601 UTC with `Z`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from ..jsonutil import iso
from ..states import ROLES


class UTC(fields.DateTime):
    """Aware UTC datetimes out as `...Z`; in, any ISO 8601 with a zone (naive is taken as UTC)."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return iso(value)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str):
            raise ValidationError("an ISO 8601 date-time")
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
        except ValueError:
            raise ValidationError("an ISO 8601 date-time such as 2026-01-31T09:00:00Z") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


class Strict(Schema):
    class Meta:
        unknown = RAISE


class ListQuery(Strict):
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))
    after = fields.String(load_default=None, metadata={
        "description": "the `next` value of the previous page (opaque; any other value is a 400)",
        "pattern": "^[A-Za-z0-9_-]*$"})


_PAGES: dict[type, type[Schema]] = {}


def page_of(item: type[Schema]) -> type[Schema]:
    """The list envelope `{"items": [...], "next": CURSOR | null}` of a schema (one class per item)."""
    if item not in _PAGES:
        _PAGES[item] = _make_page(item)
    return _PAGES[item]


def _make_page(item: type[Schema]) -> type[Schema]:
    return type(f"{item.__name__.removesuffix('Schema')}PageSchema", (Schema,), {
        "items": fields.List(fields.Nested(item)), "next": fields.String(allow_none=True)})


# Users
_EXPIRES = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, min_inclusive=False,
                                                                                      max=3650),
                        metadata={"description": "the token expires after this many days (unset: never)",
                                  "exclusiveMinimum": True})


class UserCreateSchema(Strict):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    role = fields.String(required=True, validate=validate.OneOf(list(ROLES)))
    groups = fields.List(fields.String(validate=validate.Length(1, 200)), load_default=list)
    expires_in_days = _EXPIRES
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=320),
                         metadata={"description": "where task and incident mails go (optional)"})


class UserChangeSchema(Strict):
    role = fields.String(validate=validate.OneOf(list(ROLES)))
    groups = fields.List(fields.String(validate=validate.Length(1, 200)))


class TokenRotateSchema(Strict):
    expires_in_days = _EXPIRES


class UserSchema(Schema):
    name = fields.String()
    email = fields.String(allow_none=True)
    role = fields.String()
    groups = fields.List(fields.String())
    created_at = UTC()
    token_created_at = UTC(allow_none=True, metadata={"description": "when the current token was issued; "
                                                                      "null when revoked"})
    last_used_at = UTC(allow_none=True, metadata={"description": "last use of a token, to the minute"})
    token_expires_at = UTC(allow_none=True, metadata={"description": "when the token stops working; null: never"})


class UserTokenSchema(UserSchema):
    token = fields.String()


# Definitions
def _starters(definition: Any, kind: str) -> list[str]:
    meta = getattr(definition, "meta", None) or {}  # decision definitions have none
    return list((meta.get("starters") or {}).get(kind) or [])


class DefinitionSchema(Schema):
    id = fields.String()
    key = fields.String()
    name = fields.String(allow_none=True)
    version = fields.Integer()
    deployment_id = fields.String()
    created_at = UTC()
    # camunda:candidateStarterGroups / candidateStarterUsers (empty: anyone with a starting role)
    candidate_starter_groups = fields.Function(lambda d: _starters(d, "groups"))
    candidate_starter_users = fields.Function(lambda d: _starters(d, "users"))
    # camunda:versionTag and camunda:historyTimeToLive (days) of the process.
    version_tag = fields.String(attribute="meta.version_tag", allow_none=True)
    history_time_to_live = fields.Integer(attribute="meta.history_time_to_live", allow_none=True)
    # The start form (camunda:formData / formKey on the none start event), checked when an instance starts.
    start_form_key = fields.String(attribute="meta.start_form_key", allow_none=True)
    start_form = fields.Nested(lambda: FormSchema(), attribute="meta.start_form", allow_none=True)


class NoteSchema(Schema):
    """Why part of a deployed file does not run (a process marked isExecutable="false", a file with no process):
    said, never silent; the same shape as a problem's `errors` items."""
    file = fields.String()
    line = fields.Integer(allow_none=True)
    element = fields.String(allow_none=True)
    message = fields.String()


class DeploymentSchema(Schema):
    id = fields.String()
    created_at = UTC()
    created_by = fields.String()
    note = fields.String(allow_none=True)
    status = fields.String()  # approved, or with BPMN_SERVER_DEPLOY_APPROVAL proposed / rejected
    decided_by = fields.String(allow_none=True)
    decided_at = UTC(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    definitions = fields.List(fields.Nested(DefinitionSchema))
    decision_definitions = fields.List(fields.Nested(DefinitionSchema))
    form_definitions = fields.List(fields.Nested({  # .form files: id is the form's id (services/form_definitions.py)
        "id": fields.String(attribute="key"), "version": fields.Integer(),
        "definition_id": fields.String(attribute="id")}))
    notes = fields.List(fields.Nested(NoteSchema))  # only when some process of the files does not run


class ValidationSchema(Schema):
    """POST /api/deployments/validate: the problems a deploy would refuse the files for, nothing stored."""
    valid = fields.Boolean()
    title = fields.String(allow_none=True)
    detail = fields.String(allow_none=True)
    errors = fields.List(fields.Dict())  # the same items as a refused deploy's problem+json `errors`
    processes = fields.List(fields.Dict())  # key, version (the one a deploy would make or keep), new
    decisions = fields.List(fields.Dict())
    notes = fields.List(fields.Nested(NoteSchema))  # what a deploy would store without running it, and why


class DefinitionQuery(ListQuery):
    key = fields.String(load_default=None)
    latest = fields.Boolean(load_default=False)


# Instances and tasks
class FormFieldSchema(Schema):
    id = fields.String()
    label = fields.String()
    type = fields.String()
    required = fields.Boolean()
    values = fields.List(fields.Dict())
    default = fields.Raw()
    minlength = fields.Integer()
    maxlength = fields.Integer()
    min = fields.Raw()
    max = fields.Raw()
    readonly = fields.Boolean()
    pattern = fields.String()

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        # A field is a dict: a missing key must stay missing, not fall back to `dict.values`.
        return obj.get(attr, default) if isinstance(obj, dict) else super().get_attribute(obj, attr, default)


class FormSchema(Schema):
    fields_ = fields.List(fields.Nested(FormFieldSchema), data_key="fields", attribute="fields")
    schema = fields.Raw(allow_none=True)  # a Camunda Form (form-js JSON), or spiff-arena's JSON Schema
    format = fields.String()  # "json-schema": `schema` is a JSON Schema (services/spiff_forms.py)
    ui_schema = fields.Raw(allow_none=True)  # its UI schema (rjsf's), when the task names one
    form_id = fields.String()  # a deployed Camunda Form (zeebe:formDefinition formId): its id and version
    form_version = fields.Integer()


class TaskSchema(Schema):
    id = fields.String()
    name = fields.String()
    activity = fields.String()
    instance_id = fields.String()
    process = fields.String()
    business_key = fields.String(allow_none=True)
    status = fields.String()
    assignee = fields.String(allow_none=True)
    candidate_groups = fields.List(fields.String())
    candidate_users = fields.List(fields.String())
    due_at = UTC(allow_none=True)
    follow_up_at = UTC(allow_none=True)
    priority = fields.Integer()
    form_key = fields.String(allow_none=True)
    instructions = fields.String(allow_none=True)
    created_at = UTC()
    claimed_at = UTC(allow_none=True)
    completed_at = UTC(allow_none=True)
    completed_by = fields.String(allow_none=True)
    form = fields.Nested(FormSchema, allow_none=True)


class IncidentSchema(Schema):
    id = fields.String()
    instance_id = fields.String()
    process = fields.String()
    activity = fields.String(allow_none=True)
    type = fields.String()
    message = fields.String()
    created_at = UTC()
    resolved_at = UTC(allow_none=True)


class WaitingSchema(Schema):
    type = fields.String()
    activity = fields.String()
    due_at = fields.String()
    name = fields.String()


class InstanceSchema(Schema):
    id = fields.String()
    process = fields.String()
    version = fields.Integer()
    definition_id = fields.String()
    business_key = fields.String(allow_none=True)
    status = fields.String()
    variables = fields.Dict()
    tasks = fields.List(fields.Nested(TaskSchema))
    waiting = fields.List(fields.Nested(WaitingSchema))
    incidents = fields.List(fields.Nested(IncidentSchema))
    started_at = UTC()
    started_by = fields.String()
    ended_at = UTC(allow_none=True)


class InstanceSummarySchema(InstanceSchema):
    class Meta:
        exclude = ("tasks", "incidents")


class StartSchema(Strict):
    process = fields.String(required=True, validate=validate.Length(1, 255))
    version = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    variables = fields.Dict(keys=fields.String(), load_default=dict)
    business_key = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255))


# Query statuses are checked by the services (a 422 naming `status`); the document lists the values.
_INSTANCE_STATUSES = ["running", "completed", "cancelled", "failed", "suspended"]
_TASK_STATUSES = ["open", "completed", "cancelled"]


class InstanceQuery(ListQuery):
    process = fields.String(load_default=None)
    status = fields.String(load_default=None, metadata={"enum": _INSTANCE_STATUSES})
    business_key = fields.String(load_default=None)
    activity = fields.String(load_default=None, validate=validate.Length(max=255), metadata={
        "description": "the instances waiting at this activity now (a task, timer, worker, message or signal) "
                       "or failed there (an open incident)"})


class Reason(fields.String):
    """Why an analyst changes an instance by hand (cancel, repair, retry, migrate). Required, but checked
    by the service (services/reasons.py), so that a missing one is the same 422 naming `reason` for every
    client; the OpenAPI document lists it as required (api/openapi.py)."""

    def __init__(self) -> None:
        super().__init__(load_default=None, allow_none=True, validate=validate.Length(max=2000),
                         metadata={"description": "why (required, not blank); kept in the history event"})


class ReasonSchema(Strict):
    reason = Reason()


class TaskQuery(ListQuery):
    assignee = fields.String(load_default=None)
    unassigned = fields.Boolean(load_default=None)
    candidate_group = fields.String(load_default=None)
    process = fields.String(load_default=None)
    instance = fields.String(load_default=None)
    status = fields.String(load_default="open", metadata={"enum": _TASK_STATUSES})
    due_before = UTC(load_default=None)


class CompleteSchema(Strict):
    variables = fields.Dict(keys=fields.String(), load_default=dict)
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000),
                            metadata={"description": "why: stored in the task.completed event's data.comment"})


class BpmnErrorSchema(Strict):
    error_code = fields.String(required=True, validate=validate.Length(min=1, max=255))
    error_message = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    variables = fields.Dict(keys=fields.String(), load_default=dict)


class BpmnEscalationSchema(Strict):
    escalation_code = fields.String(required=True, validate=validate.Length(min=1, max=255))
    variables = fields.Dict(keys=fields.String(), load_default=dict)


class AssignSchema(Strict):
    user = fields.String(required=True, allow_none=True)


class ReassignSchema(Strict):
    from_ = fields.String(required=True, data_key="from")
    to = fields.String(required=True)


class ReassignResultSchema(Schema):
    reassigned = fields.Integer()


# Timers
class TimerSchema(Schema):
    """A timer. A start timer (of a timer start event) has a `definition_id` and no `instance_id`."""

    id = fields.String()
    instance_id = fields.String(allow_none=True)
    definition_id = fields.String(allow_none=True)
    process = fields.String()
    activity = fields.String()
    kind = fields.String(metadata={"description": "date | duration | cycle"})
    due_at = UTC()
    state = fields.String()
    locked_by = fields.String(allow_none=True, metadata={"description": "the server process holding its lease"})
    locked_until = UTC(allow_none=True)


class TimerQuery(ListQuery):
    due_before = UTC(load_default=None)
    process = fields.String(load_default=None)


class FiredSchema(Schema):
    fired = fields.Boolean(metadata={"description": "false when its activity had finished meanwhile"})
    instance_id = fields.String(allow_none=True, metadata={"description": "the instance it fired in, or started"})


# History
class EventSchema(Schema):
    id = fields.String()
    seq = fields.Integer()
    at = UTC()
    type = fields.String()
    instance_id = fields.String(allow_none=True)
    process = fields.String(allow_none=True)
    version = fields.Integer(allow_none=True)
    activity = fields.String(allow_none=True)
    task_id = fields.String(allow_none=True)
    actor = fields.String()
    data = fields.Dict()


class IncidentQuery(ListQuery):
    process = fields.String(load_default=None)
    open = fields.Boolean(load_default=None)


class HealthSchema(Schema):
    status = fields.String()
    database = fields.String()
    scheduler = fields.String()
