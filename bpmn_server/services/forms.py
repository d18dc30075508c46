"""Validate task completion against the task's form, with a marshmallow schema built from the form."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate

from ..exceptions import Invalid


class _Long(fields.Integer):
    default_error_messages = {"invalid": "must be a whole number"}

    def __init__(self, **kwargs: Any):
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class _Bool(fields.Boolean):
    default_error_messages = {"invalid": "must be true or false"}
    truthy = {True}
    falsy = {False}


class _Date(fields.Field):
    """ISO 8601 date or date-time; kept as the ISO text the client sent."""

    default_error_messages = {"invalid": "must be an ISO 8601 date (YYYY-MM-DD) or date-time"}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        try:
            if len(value) == 10:
                dt.date.fromisoformat(value)
            else:
                dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise self.make_error("invalid") from None
        return value


def _field(spec: dict[str, Any]) -> fields.Field:
    kind = spec.get("type", "string")
    checks: list[Any] = []
    if kind == "string" or kind == "enum":
        if spec.get("minlength") is not None or spec.get("maxlength") is not None:
            checks.append(validate.Length(min=spec.get("minlength"), max=spec.get("maxlength")))
    if kind == "long" and (spec.get("min") is not None or spec.get("max") is not None):
        checks.append(validate.Range(min=spec.get("min"), max=spec.get("max")))
    if kind == "enum":
        checks.append(validate.OneOf([v["id"] for v in spec.get("values", [])]))
    common = {"required": bool(spec.get("required")), "validate": checks,
              "allow_none": not spec.get("required")}
    if kind == "long":
        return _Long(**common)
    if kind == "boolean":
        return _Bool(**common)
    if kind == "date":
        return _Date(**common)
    return fields.String(**common)


@lru_cache(maxsize=1024)
def _schema(definition_id: str, activity: str, form_key: str) -> Schema:
    import json

    form = json.loads(form_key)
    attrs = {f["id"]: _field(f) for f in form["fields"]}
    attrs["Meta"] = type("Meta", (), {"unknown": INCLUDE})
    return type(f"Form_{activity}", (Schema,), attrs)()


def validate_submission(definition_id: str, activity: str, form: dict[str, Any] | None,
                        variables: dict[str, Any]) -> dict[str, Any]:
    """The submitted variables if they satisfy the form; 422 listing every bad field otherwise."""
    if not form:
        return variables
    import json

    schema = _schema(definition_id, activity, json.dumps(form, sort_keys=True))
    try:
        return schema.load(variables)
    except ValidationError as exc:
        errors = [{"field": name, "message": "; ".join(msgs) if isinstance(msgs, list) else str(msgs)}
                  for name, msgs in sorted(exc.messages.items())]
        raise Invalid("the form data is not valid", errors=errors) from None
