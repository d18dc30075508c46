"""Read `camunda:formData` from a user task into the plain form description of the contract.

Run at deploy time: a form that cannot be validated (a field without id, an enum without values,
a constraint whose config is not a number) is refused then, with its line, rather than at completion. An enum
field whose values come from a variable keeps the expression (`values_from`); services/assignment.py fills
its values when the task is created.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from . import sandbox
from .errors import BpmnInvalid
from .expressions import ExpressionError, juel_template, translate_expression

FIELD_TYPES = {"string", "long", "boolean", "date", "enum"}
NUMERIC = {"minlength", "maxlength", "min", "max"}


def _default(kind: str, raw: str) -> Any:
    if kind == "long":
        try:
            return int(raw)
        except ValueError:
            return raw
    if kind == "boolean":
        return raw.strip().lower() == "true"
    return raw


def _problem(el: etree._Element, task: etree._Element, message: str) -> dict[str, Any]:
    return {"line": el.sourceline, "element": task.get("id"), "message": message}


def _number(raw: str | None) -> int | float | None:
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        try:
            return float(raw)
        except ValueError:
            return None


def _field(el: etree._Element, task: etree._Element, ns: str, problems: list[dict[str, Any]]) -> dict[str, Any]:
    fid = (el.get("id") or "").strip()
    kind = (el.get("type") or "string").strip()
    if not fid:
        problems.append(_problem(el, task, "a form field has no id"))
    if kind not in FIELD_TYPES:
        problems.append(_problem(el, task, f"form field '{fid}': type '{kind}' is not one of "
                                           f"{', '.join(sorted(FIELD_TYPES))}"))
    field: dict[str, Any] = {"id": fid, "label": el.get("label") or fid, "type": kind, "required": False}
    if kind == "enum":
        field["values"] = [{"id": v.get("id"), "name": v.get("name") or v.get("id")}
                           for v in el.iterfind(f"{{{ns}}}value")]
        if not field["values"] and juel_template.search(el.get("defaultValue") or ""):
            field["values_from"] = _values_from(el, task, fid, problems)
        elif not field["values"] or any(not v["id"] for v in field["values"]):
            problems.append(_problem(el, task, f"enum field '{fid}' needs values, each with an id (camunda:value), "
                                               "or a defaultValue expression that gives them"))
    if el.get("defaultValue") is not None and "values_from" not in field:
        field["default"] = _default(kind, el.get("defaultValue"))
    for constraint in el.iterfind(f"{{{ns}}}validation/{{{ns}}}constraint"):
        name = (constraint.get("name") or "").strip()
        if name == "required":
            field["required"] = True
        elif name == "readonly":
            field["readonly"] = True
        elif name in NUMERIC:
            value = _number(constraint.get("config"))
            if value is None:
                problems.append(_problem(constraint, task, f"form field '{fid}': constraint {name} needs a "
                                                           f"number as config, not {constraint.get('config')!r}"))
            field[name] = value
        else:
            problems.append(_problem(constraint, task, f"form field '{fid}': constraint '{name}' is not "
                                                       "supported (required, readonly, minlength, maxlength, "
                                                       "min, max)"))
    return field


def _values_from(el: etree._Element, task: etree._Element, fid: str, problems: list[dict[str, Any]]) -> str | None:
    """An enum field without camunda:value whose defaultValue is an expression (`#{users}`): its choices are that
    expression's value when the task is created (a list: each item is id and name; a map: key is id, value is
    name), as a Tasklist form fills a select from a variable. Python source, compiled now."""
    raw = (el.get("defaultValue") or "").strip()
    if etree.QName(task.tag).localname != "userTask":
        problems.append(_problem(el, task, f"enum field '{fid}' takes its values from {raw!r}, which needs the "
                                           "instance's variables: a start form has none yet"))
        return None
    try:
        source = translate_expression(raw)
    except ExpressionError as exc:
        problems.append(_problem(el, task, f"enum field '{fid}': defaultValue {raw!r}: {exc}"))
        return None
    problem = sandbox.check(source, "eval")
    if problem:
        problems.append(_problem(el, task, f"enum field '{fid}': defaultValue {raw!r} does not compile: {problem}"))
        return None
    return source


def parse_form(task: etree._Element, camunda_ns: str) -> dict[str, Any] | None:
    """The form of a user task, or None when it declares no fields. Raises BpmnInvalid."""
    problems: list[dict[str, Any]] = []
    fields = [_field(el, task, camunda_ns, problems)
              for el in task.iterfind(f".//{{{camunda_ns}}}formData/{{{camunda_ns}}}formField")]
    seen: set[str] = set()
    for f in fields:
        if f["id"] and f["id"] in seen:
            problems.append({"line": task.sourceline, "element": task.get("id"),
                             "message": f"form field '{f['id']}' is declared twice"})
        seen.add(f["id"])
    if problems:
        raise BpmnInvalid("the diagram cannot be executed: a task form is not valid", errors=problems)
    return {"fields": fields} if fields else None
