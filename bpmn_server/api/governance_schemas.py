"""Schemas of governed change: deployment approval and diff, process owners, reviews and feedback."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .schemas import UTC, DefinitionSchema, ListQuery, NoteSchema, Reason, Strict

# An ISO 8601 duration with at least one part (P90D, P6M, PT12H), as services/owners.py reads it.
_DATE_PART = "(\\d+Y(\\d+M)?(\\d+W)?(\\d+D)?|\\d+M(\\d+W)?(\\d+D)?|\\d+W(\\d+D)?|\\d+D)"
_TIME_PART = "T(\\d+H(\\d+M)?(\\d+S)?|\\d+M(\\d+S)?|\\d+S)"
_ISO_DURATION = f"^(P({_DATE_PART}({_TIME_PART})?|{_TIME_PART}))?$"  # empty: no interval


class DeploymentQuery(ListQuery):
    status = fields.String(load_default=None, metadata={"enum": ["proposed", "approved", "rejected"]})


class ApproveSchema(Strict):
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class RejectSchema(Strict):
    reason = Reason()


class ProposalSchema(Schema):
    id = fields.String()
    created_at = UTC()
    created_by = fields.String()
    note = fields.String(allow_none=True)
    status = fields.String()
    decided_by = fields.String(allow_none=True)
    decided_at = UTC(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    definitions = fields.List(fields.Nested(DefinitionSchema))
    # GET /api/deployments/{id} only: the BPMN files kept (name, the process keys each made; a file whose
    # processes are all non-executable made none) and the notes saying what of them does not run.
    files = fields.List(fields.Nested({"name": fields.String(), "processes": fields.List(fields.String())}))
    notes = fields.List(fields.Nested(NoteSchema))


class ElementSchema(Schema):
    id = fields.String()
    type = fields.String()
    name = fields.String(allow_none=True)


class ChangedElementSchema(ElementSchema):
    changes = fields.List(fields.String())


class ProcessDiffSchema(Schema):
    key = fields.String()
    from_version = fields.Integer(allow_none=True)
    to_version = fields.Integer(allow_none=True)
    from_definition_id = fields.String(allow_none=True, metadata={"description": "the version it replaces"})
    to_definition_id = fields.String(allow_none=True, metadata={
        "description": "the version it made; null for a proposal (not live yet)"})
    added = fields.List(fields.Nested(ElementSchema))
    removed = fields.List(fields.Nested(ElementSchema))
    changed = fields.List(fields.Nested(ChangedElementSchema))
    layout_changed = fields.List(fields.String())
    layout_only = fields.Boolean()


class DiffSchema(Schema):
    deployment_id = fields.String()
    status = fields.String()
    processes = fields.List(fields.Nested(ProcessDiffSchema))


class ProcessQuery(Strict):
    review_due = fields.Boolean(load_default=False)
    due_by = UTC(load_default=None)  # extension: what is due by then (default: now)


class ProcessSchema(Schema):
    key = fields.String()
    name = fields.String(allow_none=True)
    version = fields.Integer()
    owner = fields.String(allow_none=True)
    review_every = fields.String(allow_none=True)
    last_reviewed_at = UTC(allow_none=True)
    last_reviewed_by = fields.String(allow_none=True)
    review_due_at = UTC(allow_none=True)
    review_due = fields.Boolean()


class ProcessListSchema(Schema):
    items = fields.List(fields.Nested(ProcessSchema))
    next = fields.String(allow_none=True)


class ProcessPatchSchema(Strict):
    owner = fields.String(allow_none=True, validate=validate.Length(max=200))
    review_every = fields.String(allow_none=True, validate=validate.Length(max=50), metadata={
        "description": "an ISO 8601 duration such as P90D or P6M",
        "pattern": _ISO_DURATION})


class ReviewSchema(Strict):
    note = fields.String(load_default=None, allow_none=True)


class FeedbackInSchema(Strict):
    openapi_extra = {"required": ["text"]}  # checked by the service: a 422 naming `text` (api/openapi.py)
    activity = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255))
    text = fields.String(load_default=None, allow_none=False, metadata={"minLength": 1, "maxLength": 4000,
                                                                       "pattern": "\\S"})


class FeedbackSchema(Schema):
    id = fields.String()
    process = fields.String()
    activity = fields.String(allow_none=True)
    text = fields.String()
    author = fields.String()
    created_at = UTC()


class BundleQuery(Strict):
    process = fields.String(load_default=None)  # process keys, comma separated
    all_versions = fields.Boolean(load_default=False)


class ImportedSchema(Schema):
    deployment_id = fields.String()
    status = fields.String()
    note = fields.String(allow_none=True)
    definitions = fields.List(fields.Dict())


class ImportResultSchema(Schema):
    deployed = fields.List(fields.Nested(ImportedSchema))
    skipped = fields.List(fields.String())
