"""Camunda Forms (form-js JSON, made in Camunda Modeler's form editor) as the form of a user task.

The task's `form` keeps the schema as it was made (`schema`, for a form-js viewer) and the fields the
server validates a completion against (`fields`, the same description `camunda:formData` gives, read by
services/forms.py): each input component with a `key` becomes a field with its type, `required`, min/max,
length, pattern and, for selects and radio groups, its options. Components without a key (text, images,
buttons, spacers) only show things.
"""

from __future__ import annotations

from typing import Any

# form-js component type -> field type of services/forms.py.
_TYPES = {"textfield": "string", "textarea": "string", "number": "number", "checkbox": "boolean",
          "select": "enum", "radio": "enum", "datetime": "date", "checklist": "list", "taglist": "list"}
_CONTAINERS = {"group", "dynamiclist", "iframe"}


def _components(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Every component, those inside groups included."""
    found: list[dict[str, Any]] = []
    stack = list(reversed(schema.get("components") or []))
    while stack:
        one = stack.pop()
        if not isinstance(one, dict):
            continue
        found.append(one)
        stack.extend(reversed(one.get("components") or []))
    return found


def _options(component: dict[str, Any]) -> list[dict[str, Any]] | None:
    values = component.get("values")
    if not isinstance(values, list):
        return None  # options from a variable (valuesKey) or an expression: not checked here
    return [{"id": v.get("value"), "name": v.get("label") or str(v.get("value"))} for v in values
            if isinstance(v, dict)]


def fields_of(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The validated fields of a form-js schema."""
    fields: list[dict[str, Any]] = []
    for component in _components(schema):
        kind = _TYPES.get(str(component.get("type")))
        key = component.get("key")
        if kind is None or not isinstance(key, str) or not key or component.get("type") in _CONTAINERS:
            continue
        rules = component.get("validate") if isinstance(component.get("validate"), dict) else {}
        field: dict[str, Any] = {"id": key, "label": component.get("label") or key, "type": kind,
                                 "required": bool(rules.get("required"))}
        for rule, name in (("min", "min"), ("max", "max"), ("minLength", "minlength"), ("maxLength", "maxlength")):
            if isinstance(rules.get(rule), int | float) and not isinstance(rules.get(rule), bool):
                field[name] = rules[rule]
        if isinstance(rules.get("pattern"), str) and rules["pattern"]:
            field["pattern"] = rules["pattern"]
        if rules.get("validationType") == "email":
            field["pattern"] = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
        if component.get("readonly") is True or component.get("disabled") is True:
            field["readonly"] = True
        if kind in ("enum", "list"):
            options = _options(component)
            if options is None:
                field["type"] = "string" if kind == "enum" else "list"
            else:
                field["values"] = options
        if "defaultValue" in component:
            field["default"] = component["defaultValue"]
        fields.append(field)
    return fields


def task_form(schema: dict[str, Any]) -> dict[str, Any]:
    """The `form` of a user task linked to this schema."""
    return {"fields": fields_of(schema), "schema": schema}
