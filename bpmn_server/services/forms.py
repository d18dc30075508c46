"""Validate task completion against the task's form, with a marshmallow schema built from the form.

Camunda's rules: a submitted value is checked against the field's type and constraints; a field not
submitted takes its default value; variables that are not form fields pass through unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import lru_cache
from typing import Any

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate

from ..exceptions import Invalid
from . import spiff_forms

LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1  # Camunda's long is a Java long


class _Long(fields.Integer):
    default_error_messages = {"invalid": "must be a whole number"}

    def __init__(self, **kwargs: Any):
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        # JSON true/false are ints to Python; 5.0 is not a whole number in a JSON form.
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        if not LONG_MIN <= value <= LONG_MAX:
            raise ValidationError("is out of the range of a 64-bit whole number")
        return value


class _Bool(fields.Field):
    default_error_messages = {"invalid": "must be true or false"}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, bool):  # not 1, 0, "true": the form says boolean
            raise self.make_error("invalid")
        return value


class _String(fields.String):
    default_error_messages = {"invalid": "must be a string"}


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


class _Number(fields.Field):
    default_error_messages = {"invalid": "must be a number"}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return value


class _List(fields.List):
    default_error_messages = {"invalid": "must be a list"}


def _pattern(pattern: str) -> Any:
    """form-js checks a pattern with RegExp.test: somewhere in the value."""
    compiled = re.compile(pattern)

    def check(value: Any) -> None:
        if isinstance(value, str) and value and not compiled.search(value):
            raise ValidationError(f"must match the pattern {pattern}")

    return check


def _not_blank(value: Any) -> None:
    if isinstance(value, str) and not value.strip():
        raise ValidationError("is required")


def _read_only(_value: Any) -> None:
    raise ValidationError("is read-only")


def _bounds(measure: Any, low: Any, high: Any, unit: str) -> Any:
    """A min/max check with a message that names the limit (minlength, maxlength, min, max)."""

    def check(value: Any) -> None:
        if low is not None and measure(value) < low:
            raise ValidationError(f"must be at least {low}{unit}")
        if high is not None and measure(value) > high:
            raise ValidationError(f"must be at most {high}{unit}")

    return check


def _field(spec: dict[str, Any]) -> fields.Field:
    kind = spec.get("type", "string")
    required = bool(spec.get("required"))
    checks: list[Any] = []
    if spec.get("readonly"):
        checks.append(_read_only)
    if kind in ("string", "enum"):
        if required:
            checks.append(_not_blank)
        if spec.get("minlength") is not None or spec.get("maxlength") is not None:
            checks.append(_bounds(len, spec.get("minlength"), spec.get("maxlength"), " characters long"))
    if kind == "string" and spec.get("pattern"):
        checks.append(_pattern(spec["pattern"]))
    if kind in ("long", "number") and (spec.get("min") is not None or spec.get("max") is not None):
        checks.append(_bounds(lambda v: v, spec.get("min"), spec.get("max"), ""))
    if kind == "enum":
        checks.append(validate.OneOf([v["id"] for v in spec.get("values", [])],
                                     error="must be one of: {choices}"))
    common: dict[str, Any] = {"required": required, "validate": checks, "allow_none": not required,
                              "error_messages": {"required": "is required", "null": "is required"}}
    if not required and "default" in spec:
        common["load_default"] = spec["default"]
    if kind == "long":
        return _Long(**common)
    if kind == "number":
        return _Number(**common)
    if kind == "list":
        allowed = [v["id"] for v in spec.get("values", [])]
        item = fields.Raw(validate=validate.OneOf(allowed, error="must be one of: {choices}")) if allowed \
            else fields.Raw()
        if required:
            common["validate"] = [*checks, validate.Length(min=1, error="is required")]
        return _List(item, **common)
    if kind == "boolean":
        return _Bool(**common)
    if kind == "date":
        return _Date(**common)
    return _String(**common)


@lru_cache(maxsize=2048)
def _schema(definition_id: str, activity: str, form_json: str) -> Schema:
    """One schema per definition and task; the form JSON is part of the key in case a row differs."""
    form = json.loads(form_json)
    attrs: dict[str, Any] = {f["id"]: _field(f) for f in form["fields"]}
    attrs["Meta"] = type("Meta", (), {"unknown": INCLUDE})
    return type(f"Form_{activity}", (Schema,), attrs)()


def validate_submission(definition_id: str, activity: str, form: dict[str, Any] | None,
                        variables: dict[str, Any]) -> dict[str, Any]:
    """The variables to set if they satisfy the form (defaults filled in); 422 listing every bad field."""
    if form and form.get("format") == spiff_forms.FORMAT:  # spiff-arena's JSON Schema form
        return spiff_forms.validate(form, variables)
    if not form or not form.get("fields"):
        return variables
    schema = _schema(definition_id, activity, json.dumps(form, sort_keys=True))
    try:
        return schema.load(variables)
    except ValidationError as exc:
        errors = [{"field": name, "message": "; ".join(map(str, msgs)) if isinstance(msgs, list) else str(msgs)}
                  for name, msgs in sorted(exc.messages.items())]
        raise Invalid(f"the form data is not valid: {len(errors)} field(s) failed", errors=errors) from None
