"""spiff-arena's user task forms: a JSON Schema (and a UI schema) in `.json` files deployed beside the diagram.

A user task names its files with `spiffworkflow:property name="formJsonSchemaFilename"` (and
`formUiSchemaFilename`); engine/spiff_dialect.py puts those names in the task's meta as `spiff_form`. At deploy
they are resolved against the deployment's `.json` files: a file that is missing, not JSON, or not a valid JSON
Schema is a 422 naming the task and the file. The task's `form` then has the shape of a Camunda 8 form
(engine/zeebe_forms.py): `schema` (the JSON Schema as written, with `ui_schema` beside it, for a JSON Schema
form renderer) and `fields` (its simple properties, which the task page renders). A completion is validated
against the JSON Schema itself (`validate`), as spiff-arena validates it, with one error per bad field.
"""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator, SchemaError, validators

from ..exceptions import Invalid

FORMAT = "json-schema"  # form["format"]: which validator services/forms.py hands a completion to
_KINDS = {"string": "string", "integer": "long", "number": "number", "boolean": "boolean"}


def is_form_file(filename: str) -> bool:
    return filename.lower().endswith(".json")


def _validator(schema: dict[str, Any]) -> type:
    """The draft the schema names in `$schema` (Draft 7, 2020-12, ...); 2020-12 when it names none."""
    return validators.validator_for(schema, default=Draft202012Validator)


def _options(prop: dict[str, Any]) -> list[dict[str, Any]] | None:
    if isinstance(prop.get("enum"), list):
        return [{"id": v, "name": str(v)} for v in prop["enum"]]
    choices = prop.get("oneOf") or prop.get("anyOf")  # rjsf's titled enum: [{"const": .., "title": ..}]
    if isinstance(choices, list) and choices and all(isinstance(c, dict) and "const" in c for c in choices):
        return [{"id": c["const"], "name": str(c.get("title", c["const"]))} for c in choices]
    return None


def _field(key: str, prop: dict[str, Any], required: bool, ui: dict[str, Any]) -> dict[str, Any] | None:
    """The task page field of one top-level property; None for what it cannot show (objects, arrays)."""
    options = _options(prop)
    kind = "enum" if options is not None else _KINDS.get(str(prop.get("type")))
    if kind == "string" and prop.get("format") == "date":
        kind = "date"
    if kind is None:
        return None
    field: dict[str, Any] = {"id": key, "label": str(prop.get("title") or key), "type": kind, "required": required}
    if options is not None:
        field["values"] = options
    for rule, name in (("minimum", "min"), ("maximum", "max"), ("minLength", "minlength"),
                       ("maxLength", "maxlength"), ("pattern", "pattern")):
        if rule in prop:
            field[name] = prop[rule]
    if "default" in prop:
        field["default"] = prop["default"]
    if ui.get("ui:readonly") or ui.get("ui:disabled") or prop.get("readOnly"):
        field["readonly"] = True
    return field


def fields_of(schema: dict[str, Any], ui_schema: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The fields the task page renders, in the UI schema's `ui:order` (else the schema's)."""
    props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    required = set(schema.get("required") or [])
    ui = ui_schema or {}
    order = [k for k in ui.get("ui:order") or [] if k in props]
    order += [k for k in props if k not in order]
    found = []
    for key in order:
        item_ui = ui.get(key) if isinstance(ui.get(key), dict) else {}
        if isinstance(props[key], dict) and item_ui.get("ui:widget") != "hidden":
            field = _field(key, props[key], key in required, item_ui)
            if field is not None:
                found.append(field)
    return found


def _load(files: dict[str, bytes], name: str, task: str, diagram: str) -> tuple[Any, dict[str, Any] | None]:
    """A form file's JSON, or the deploy error that names the task and the file."""
    def err(message: str) -> dict[str, Any]:
        return {"line": None, "element": task, "file": diagram, "message": message}

    if name not in files:
        return None, err(f"user task '{task}' names the form file '{name}', which is not in the deployment: "
                         "deploy it beside the diagram")
    try:
        return json.loads(files[name]), None
    except (UnicodeDecodeError, ValueError) as exc:
        return None, err(f"the form file '{name}' of user task '{task}' is not JSON: {exc}")


def attach(meta: dict[str, Any], files: dict[str, bytes], diagram: str,
           earlier: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Give each user task of `meta` that names JSON form files its `form`; the problems, each naming the task
    and the file (empty: all resolved). `earlier`: by task id, the forms of the tasks of called processes deployed
    before, resolved then with their own files (a form naming the same files is taken from there)."""
    errors: list[dict[str, Any]] = []
    for task, spec in meta.get("user_tasks", {}).items():
        named = spec.pop("spiff_form", None)
        if not named:
            continue
        before = (earlier or {}).get(task)
        if before and before.get("files") == named and not any(n in files for n in named.values()):
            spec["form"] = before
            continue
        if not named.get("schema_file"):
            errors.append({"line": None, "element": task, "file": diagram,
                           "message": f"user task '{task}' has a formUiSchemaFilename but no "
                                      "formJsonSchemaFilename: a UI schema lays out a JSON Schema form"})
            continue
        schema, problem = _load(files, named["schema_file"], task, diagram)
        if problem is None:
            if not isinstance(schema, dict):
                problem = "is not a JSON Schema object"
            else:
                try:
                    _validator(schema).check_schema(schema)
                except SchemaError as exc:
                    problem = f"is not a valid JSON Schema: {exc.message} (at {'/'.join(map(str, exc.path)) or '/'})"
            if problem is not None:
                problem = {"line": None, "element": task, "file": diagram,
                           "message": f"the form file '{named['schema_file']}' of user task '{task}' {problem}"}
        ui_schema = None
        if problem is None and named.get("ui_schema_file"):
            ui_schema, problem = _load(files, named["ui_schema_file"], task, diagram)
            if problem is None and not isinstance(ui_schema, dict):
                problem = {"line": None, "element": task, "file": diagram,
                           "message": f"the UI schema file '{named['ui_schema_file']}' of user task '{task}' "
                                      "is not a JSON object"}
        if problem is not None:
            errors.append(problem)
            continue
        spec["form"] = {"format": FORMAT, "schema": schema, "ui_schema": ui_schema,
                        "fields": fields_of(schema, ui_schema), "files": named}
    return errors


def forms_of(meta: dict[str, Any] | None) -> dict[str, Any]:
    """The JSON Schema forms of a definition's user tasks, by task id (two versions differ if these do)."""
    return {task: spec["form"] for task, spec in (meta or {}).get("user_tasks", {}).items()
            if (spec.get("form") or {}).get("format") == FORMAT}


def files_of(meta: dict[str, Any] | None) -> dict[str, bytes]:
    """The form files of a definition, rebuilt from what it stores (for a bundle: services/bundles.py)."""
    found: dict[str, bytes] = {}
    for form in forms_of(meta).values():
        for key, part in (("schema_file", "schema"), ("ui_schema_file", "ui_schema")):
            if form["files"].get(key) and form.get(part) is not None:
                found[form["files"][key]] = json.dumps(form[part], indent=1, sort_keys=True).encode()
    return found


def _where(error: Any) -> list[tuple[str, str]]:
    """(field, message) of one validation error: a missing property is named itself."""
    if error.validator == "required" and isinstance(error.instance, dict):
        base = ".".join(map(str, error.absolute_path))
        return [(f"{base}.{name}" if base else name, "is required")
                for name in error.validator_value if name not in error.instance]
    return [(".".join(map(str, error.absolute_path)) or "form", error.message)]


def validate(form: dict[str, Any], variables: dict[str, Any]) -> dict[str, Any]:
    """The variables, with the schema's top-level defaults filled in, if they satisfy the JSON Schema; else a 422
    listing every bad field."""
    schema = form["schema"]
    cls = _validator(schema)
    props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    # An empty input of the task page arrives as null: not an answer, unless the property allows null.
    data = {k: v for k, v in variables.items()
            if not (v is None and isinstance(props.get(k), dict) and not cls(props[k]).is_valid(None))}
    for key, prop in props.items():
        if key not in data and isinstance(prop, dict) and "default" in prop:
            data[key] = prop["default"]
    checker = cls(schema, format_checker=cls.FORMAT_CHECKER)
    errors = sorted({pair for error in checker.iter_errors(data) for pair in _where(error)})
    if errors:
        raise Invalid(f"the form data is not valid: {len(errors)} field(s) failed",
                      errors=[{"field": name, "message": message} for name, message in errors])
    return data
