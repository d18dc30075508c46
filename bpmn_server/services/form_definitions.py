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


def bound_form(key: str) -> dict[str, Any] | None:
    """The task `form` of the latest deployed version of a form, as Camunda 8 binds a formId when the user task
    is created; None when no version is deployed (the caller makes that an incident)."""
    row = latest(key)
    if row is None:
        return None
    return {**zeebe_forms.task_form(schema_of(row)), "form_id": row.key, "form_version": row.version}
