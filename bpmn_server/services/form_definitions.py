"""Form definitions: Camunda Forms deployed as `.form` files, versioned per form id (like decisions), read, and
bound to the user tasks that link them with `zeebe:formDefinition formId`."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from models import Deployment, FormDefinition, db

from ..engine import zeebe_forms
from ..exceptions import Invalid, NotFound
from .pagination import Page, page


@dataclass
class ParsedForm:
    filename: str
    data: bytes
    digest: str
    key: str  # the form's `id`
    schema: dict[str, Any]


@dataclass
class FormChanges:
    changed: list[ParsedForm] = field(default_factory=list)
    unchanged: list[FormDefinition] = field(default_factory=list)


def is_form(filename: str) -> bool:
    return filename.lower().endswith(".form")


def _problem(data: bytes) -> tuple[str | None, dict[str, Any] | None]:
    try:
        schema = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return f"not JSON: {exc}", None
    if not isinstance(schema, dict):
        return "not a Camunda Form (the file is not a JSON object)", None
    if not isinstance(schema.get("id"), str) or not schema["id"].strip():
        return "the form has no `id` (the formId user tasks link it by)", None
    if not isinstance(schema.get("components"), list):
        return "not a Camunda Form (no `components` list)", None
    return None, schema


def parse_uploads(uploads: list[Any]) -> list[ParsedForm]:
    """Read every .form upload; a malformed one is refused naming its file."""
    parsed, errors, seen = [], [], {}
    for up in uploads:
        problem, schema = _problem(up.data)
        if problem or schema is None:
            errors.append({"file": up.filename, "element": None, "line": None, "field": "file",
                           "message": f"{up.filename}: {problem}"})
            continue
        key = schema["id"].strip()
        if key in seen:
            errors.append({"file": up.filename, "element": key, "line": None, "field": "file",
                           "message": f"form '{key}' is also in {seen[key]}: one file per form"})
        seen.setdefault(key, up.filename)
        parsed.append(ParsedForm(up.filename, up.data, hashlib.sha256(up.data).hexdigest(), key, schema))
    if errors:
        raise Invalid(errors[0]["message"] if len(errors) == 1 else "one or more form files cannot be deployed",
                      errors=errors)
    return parsed


def latest(key: str) -> FormDefinition | None:
    return db.session.execute(select(FormDefinition).where(FormDefinition.key == key)
                              .order_by(FormDefinition.version.desc()).limit(1)).scalar_one_or_none()


def changes(parsed: list[ParsedForm]) -> FormChanges:
    """A file identical to the latest version of its form makes no new version."""
    out = FormChanges()
    for p in parsed:
        current = latest(p.key)
        if current is not None and current.sha256 == p.digest:
            out.unchanged.append(current)
        else:
            out.changed.append(p)
    return out


def store(deployment: Deployment, found: FormChanges) -> list[FormDefinition]:
    made = []
    for p in found.changed:
        version = (db.session.execute(select(func.max(FormDefinition.version))
                                      .where(FormDefinition.key == p.key)).scalar_one() or 0) + 1
        row = FormDefinition(key=p.key, version=version, deployment_id=deployment.id, filename=p.filename,
                             body=p.data, sha256=p.digest)
        db.session.add(row)
        made.append(row)
    db.session.flush()
    return made


def list_forms(key: str | None, latest_only: bool, limit: int, after: str | None) -> Page:
    q = select(FormDefinition)
    if key:
        q = q.where(FormDefinition.key == key)
    if latest_only:
        newest = (select(FormDefinition.key, func.max(FormDefinition.version).label("v"))
                  .group_by(FormDefinition.key).subquery())
        q = q.join(newest, (FormDefinition.key == newest.c.key) & (FormDefinition.version == newest.c.v))
    return page(q, [FormDefinition.created_at, FormDefinition.id], [dt.datetime, str], limit, after,
                descending=True)


def resolve(key: str, version: int | None = None) -> FormDefinition:
    """A version of a form, or its latest; 404 when none is deployed."""
    q = select(FormDefinition).where(FormDefinition.key == key)
    if version:
        q = q.where(FormDefinition.version == version)
    row = db.session.execute(q.order_by(FormDefinition.version.desc()).limit(1)).scalar_one_or_none()
    if row is None:
        what = f"version {version} of form '{key}'" if version else f"form '{key}'"
        raise NotFound(f"there is no deployed {what}")
    return row


def schema_of(row: FormDefinition) -> dict[str, Any]:
    return json.loads(row.body.decode("utf-8"))


def _available(key: str, parsed: list[ParsedForm]) -> tuple[dict[str, Any], int] | None:
    """The schema and version a deployment would bind for `key`: a form file of the same deployment (the version
    it is about to get), else the latest deployed version; None when neither has it."""
    current = latest(key)
    for p in parsed:
        if p.key == key:
            same = current is not None and current.sha256 == p.digest
            return p.schema, (current.version if same else (current.version if current else 0) + 1)
    return (schema_of(current), current.version) if current is not None else None


def link_forms(meta: dict[str, Any], filename: str, parsed: list[ParsedForm]) -> list[dict[str, Any]]:
    """Check every formId of a process at deploy, as Camunda 8 does: each must be deployed already or come in the
    same deployment (one problem per element naming it and the formId). The start form is bound now into the
    process's `start_form` (the start page and the start check read it from the definition)."""
    errors = []
    links = [(task, spec["form_id"]) for task, spec in (meta.get("user_tasks") or {}).items() if spec.get("form_id")]
    if meta.get("start_form_id"):
        links.append((meta.get("start_event"), meta["start_form_id"]))
    for element, key in links:
        found = _available(key, parsed)
        if found is None:
            errors.append({"line": None, "element": element, "file": filename, "field": "formId",
                           "message": f"zeebe:formDefinition formId '{key}': no form with this id is deployed or "
                                      "in this deployment; deploy its .form file with the diagram"})
        elif key == meta.get("start_form_id"):
            meta["start_form"] = {**zeebe_forms.task_form(found[0]), "form_id": key, "form_version": found[1]}
    return errors


def bound_form(key: str) -> dict[str, Any] | None:
    """The task `form` of the latest deployed version of a form, as Camunda 8 binds a formId when the user task
    is created; None when no version is deployed: a deploy refuses an unknown formId and forms are never removed,
    so only a definition deployed before that check can meet this (the caller makes it an incident)."""
    row = latest(key)
    if row is None:
        return None
    return {**zeebe_forms.task_form(schema_of(row)), "form_id": row.key, "form_version": row.version}
