"""Schemas of saved task filters (`/api/task-filters`, issue 23)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from ..services.task_filters import Sort
from .schemas import UTC, Strict, TaskSchema

_NAME = validate.Length(1, 200)
# A variable name becomes a JSON path on SQLite (`$."name"`): no quote or backslash in it.
_VARIABLE = validate.And(_NAME, validate.Regexp(r'^[^"\\]+$', error="a variable name without quotes or backslashes"))


def _scalars(values: dict[str, Any]) -> None:
    bad = [k for k, v in values.items() if v is None or not isinstance(v, (str, int, float, bool))]
    if bad:
        raise ValidationError(f"values must be strings, numbers or booleans: {', '.join(sorted(bad))}")


class CriteriaSchema(Strict):
    process = fields.String(load_default=None, allow_none=True, validate=_NAME)
    candidate_group = fields.String(load_default=None, allow_none=True, validate=_NAME)
    assignee = fields.String(load_default=None, allow_none=True, validate=_NAME,
                             metadata={"description": "a user name, or `me`: whoever runs the filter"})
    unassigned = fields.Boolean(load_default=None, allow_none=True)
    due_before = UTC(load_default=None, allow_none=True)
    variables = fields.Dict(keys=fields.String(validate=_VARIABLE), values=fields.Raw(), load_default=dict,
                            validate=_scalars, metadata={"description": "instance variables equal to these values"})


class TaskFilterCreateSchema(Strict):
    name = fields.String(required=True, validate=_NAME)
    criteria = fields.Nested(CriteriaSchema, load_default=dict)
    columns = fields.List(fields.String(validate=_NAME), load_default=list, validate=validate.Length(max=20),
                          metadata={"description": "instance variables shown as columns"})
    sort = fields.String(load_default=Sort.DUE.value, validate=validate.OneOf([s.value for s in Sort]))
    shared_group = fields.String(load_default=None, allow_none=True, validate=_NAME,
                                 metadata={"description": "every member of this group sees the filter"})


class TaskFilterSchema(Schema):
    id = fields.String()
    name = fields.String()
    owner = fields.String()
    shared_group = fields.String(allow_none=True)
    criteria = fields.Dict()
    columns = fields.List(fields.String())
    sort = fields.String()
    created_at = UTC()
    count = fields.Integer(metadata={"description": "open tasks the filter shows its reader"})


class FilteredTaskSchema(TaskSchema):
    variables = fields.Dict(metadata={"description": "the values of the filter's columns"})


