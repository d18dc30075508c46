"""Read `camunda:formData` from a user task into the plain form description of the contract."""

from __future__ import annotations

from typing import Any

from lxml import etree

FIELD_TYPES = {"string", "long", "boolean", "date", "enum"}
CONSTRAINTS = {"minlength", "maxlength", "min", "max", "readonly"}


def _default(kind: str, raw: str | None) -> Any:
    if raw is None:
        return None
    if kind == "long":
        try:
            return int(raw)
        except ValueError:
            return raw
    if kind == "boolean":
        return raw.strip().lower() == "true"
    return raw


def parse_form(task: etree._Element, camunda_ns: str) -> dict[str, Any] | None:
    """The form of a user task, or None when it declares no fields."""
    fields = []
    for el in task.iterfind(f".//{{{camunda_ns}}}formData/{{{camunda_ns}}}formField"):
        kind = (el.get("type") or "string").strip()
        field: dict[str, Any] = {"id": el.get("id"), "label": el.get("label") or el.get("id"),
                                 "type": kind if kind in FIELD_TYPES else "string", "required": False}
        if el.get("defaultValue") is not None:
            field["default"] = _default(kind, el.get("defaultValue"))
        if kind == "enum":
            field["values"] = [{"id": v.get("id"), "name": v.get("name") or v.get("id")}
                               for v in el.iterfind(f"{{{camunda_ns}}}value")]
        for constraint in el.iterfind(f"{{{camunda_ns}}}validation/{{{camunda_ns}}}constraint"):
            name = (constraint.get("name") or "").strip()
            if name == "required":
                field["required"] = True
            elif name in CONSTRAINTS:
                config = constraint.get("config")
                field[name] = True if name == "readonly" else _number(config)
        fields.append(field)
    return {"fields": fields} if fields else None


def _number(raw: str | None) -> Any:
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        try:
            return float(raw)
        except ValueError:
            return raw
