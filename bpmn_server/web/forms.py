"""Turn HTML form posts into the values the services take.

A browser sends every input as text. The task form turns each field's text into the JSON type the
API would receive (a number for `long` and `number`, a list for `list`, true/false for `boolean`; a
required boolean is a Yes/No choice and is left out when neither is chosen), and leaves text it cannot turn
into the type as it is, so that services/forms.py rejects it with the same message the API gives.

A Camunda Form (form-js JSON) is rendered in the browser by the form-js viewer (static/task_form.js), which
posts what it collected as one JSON object in the `form_js` field of the same post; without JavaScript the
server-rendered inputs are posted as for any other form. Either way the service validates the values against
the fields the form's schema gives (services/forms.py).
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.datastructures import MultiDict

from ..exceptions import Invalid


def task_variables(form: dict[str, Any] | None, posted: MultiDict, free: bool = True) -> dict[str, Any]:
    """The variables of a task (or start) form post. Empty inputs are left out (the field's default
    applies, or "is required"); read-only fields are never sent; a form without fields may take free
    JSON (`free`), or nothing."""
    fields = (form or {}).get("fields") or []
    if posted.get(VIEWER_FIELD) and is_camunda_form(form):
        return _from_viewer(fields, posted.get(VIEWER_FIELD, ""))
    if not fields:
        return json_object(posted.get("variables", ""), "variables") if free else {}
    out: dict[str, Any] = {}
    for field in fields:
        name, kind = field["id"], field.get("type", "string")
        if field.get("readonly"):
            continue
        if kind == "boolean" and field.get("required"):
            # A Yes/No choice with no default: nothing chosen is not "no", the validator says "is required".
            if posted.get(name) in ("true", "false"):
                out[name] = posted.get(name) == "true"
            continue
        if kind == "boolean":
            out[name] = posted.get(name) == "true"  # an optional box unchecked is not sent at all: false
            continue
        if kind == "list":  # a multiple select (options), or comma-separated text
            chosen = posted.getlist(name) if field.get("values") else names(posted.get(name) or "")
            if chosen:
                out[name] = chosen
            continue
        raw = posted.get(name)
        if raw is None or raw.strip() == "":
            continue
        if kind == "enum":  # the option's value, which may be a number (a JSON Schema enum), not the posted text
            out[name] = next((v["id"] for v in field.get("values") or [] if str(v["id"]) == raw), raw)
        elif kind == "long":
            try:
                out[name] = int(raw.strip())
            except ValueError:
                out[name] = raw  # "must be a whole number", from the validator
        elif kind == "number":
            out[name] = _number(raw.strip())
        else:
            out[name] = raw
    return out


VIEWER_FIELD = "form_js"  # the form-js viewer's data, as JSON (static/task_form.js)


def is_camunda_form(form: dict[str, Any] | None) -> bool:
    """A form made with form-js (a deployed .form or an embedded zeebe:userTaskForm): the viewer renders it."""
    schema = (form or {}).get("schema")
    return isinstance(schema, dict) and isinstance(schema.get("components"), list)


def _from_viewer(fields: list[dict[str, Any]], text: str) -> dict[str, Any]:
    """The values the viewer sent, as the inputs would have sent them: the form's fields only, read-only ones
    never, an empty value left out (so the field's default applies, or "is required")."""
    data = json_object(text, "variables")
    out: dict[str, Any] = {}
    for field in fields:
        value = data.get(field["id"])
        if field.get("readonly") or value is None or value == "" or value == []:
            continue
        out[field["id"]] = value
    return out


def viewer_data(form: dict[str, Any] | None, variables: dict[str, Any], posted: dict[str, str] | None) -> \
        dict[str, Any] | None:
    """What the task page gives the viewer: the schema, and the data it starts from (what was posted when the
    post was refused, else the case's visible variables). None when the form is no Camunda Form."""
    if not is_camunda_form(form):
        return None
    data = dict(variables)
    if posted and posted.get(VIEWER_FIELD):
        try:
            sent = json.loads(posted[VIEWER_FIELD])
        except ValueError:
            sent = None
        if isinstance(sent, dict):
            data.update(sent)
    return {"schema": (form or {})["schema"], "data": data}


def _number(text: str) -> Any:
    """A Camunda Form number as JSON gives it; text that is not one stays text ("must be a number")."""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def json_object(text: str, field: str) -> dict[str, Any]:
    """A JSON object typed into a text area; empty means {}. 422 naming the field otherwise."""
    if not text or not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise Invalid(f"{field} is not valid JSON", errors=[{"field": field, "message": f"not valid JSON: {exc}"}]
                      ) from None
    if not isinstance(value, dict):
        raise Invalid(f"{field} must be a JSON object", errors=[{"field": field, "message": 'a JSON object: {"name": '
                                                                                          'value, ...}'}])
    return value


def names(text: str) -> list[str]:
    """A comma- or line-separated list of names."""
    return [part.strip() for chunk in (text or "").splitlines() for part in chunk.split(",") if part.strip()]


def field_errors(exc: Invalid) -> dict[str, str]:
    """Messages by field, to show next to the inputs."""
    return {str(e.get("field")): str(e.get("message")) for e in exc.errors or [] if isinstance(e, dict)
            and e.get("field")}
