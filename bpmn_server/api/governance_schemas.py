"""Schemas of governed change: deployment approval and diff, process owners, reviews and feedback."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .schemas import UTC, DefinitionSchema, ListQuery, Reason, Strict


class DeploymentQuery(ListQuery):
    status = fields.String(load_default=None)


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
    added = fields.List(fields.Nested(ElementSchema))
    removed = fields.List(fields.Nested(ElementSchema))
    changed = fields.List(fields.Nested(ChangedElementSchema))
    layout_changed = fields.List(fields.String())
    layout_only = fields.Boolean()


class DiffSchema(Schema):
    deployment_id = fields.String()
    status = fields.String()
    processes = fields.List(fields.Nested(ProcessDiffSchema))
