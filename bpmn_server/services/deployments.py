"""Deployments and process definitions: upload, version, read."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, func, select

from models import Definition, Deployment, StoredFile, db

from .. import engine
from ..exceptions import Invalid, NotFound
from . import (
    decisions,
    definitions,
    form_definitions,
    generations,
    history,
    model_zip,
    spiff_forms,
    starters,
    stored_files,
    timer_starts,
)
from . import uow as units
from .pagination import Page, page
from .tx import transactional


@dataclass
class Upload:
    filename: str
    data: bytes


@dataclass
class DeployResult:
    deployment: Deployment
    definitions: list[Definition]
    created: bool
    decisions: list[Any] = field(default_factory=list)  # DecisionDefinition rows (services/decisions.py)
    forms: list[Any] = field(default_factory=list)  # FormDefinition rows (services/form_definitions.py)
    # Why parts of the files do not run though they deployed: file, line, element, message (engine.idle_notes).
    notes: list[dict[str, Any]] = field(default_factory=list)


def latest(key: str) -> Definition | None:
    return db.session.execute(select(Definition).where(Definition.key == key)
                              .order_by(Definition.version.desc()).limit(1)).scalar_one_or_none()


def _find_called(key: str) -> bytes | None:
    found = latest(key)
    return found.xml if found is not None else None


@transactional
def deploy(files: list[Upload], actor: str, note: str | None = None, into: Deployment | None = None,
           executable_only: bool = False) -> DeployResult:
    """Deploy files; a file identical to the latest version of its processes makes no new version.
    `into`: an approved proposal (services/approval.py), whose row the new versions belong to.
    A file with no executable process is stored with a note, as Camunda 7 does; `executable_only` refuses it
    instead, as Camunda 8 (Zeebe) does."""
    if not files:
        raise Invalid("no file to deploy", errors=[{"field": "file", "message": "at least one .bpmn file"}])
    # A spiff-arena process model folder as one zip: its files deploy as if each were sent on its own.
    files = [Upload(name, data) for f in files for name, data in (
        model_zip.entries(f.filename, f.data) if model_zip.is_zip(f.filename, f.data) else [(f.filename, f.data)])]
    dmn_files = [f for f in files if decisions.is_dmn(f.filename, f.data)]
    camunda_forms = [f for f in files if form_definitions.is_form(f.filename)]  # Camunda Forms (.form)
    json_forms = {f.filename: f.data for f in files if spiff_forms.is_form_file(f.filename)}  # spiff-arena's
    # Script files Camunda 7 diagrams name (camunda:resource): written into the diagrams that name them.
    scripts = {f.filename.replace("\\", "/"): f.data for f in files if model_zip.is_script(f.filename)}
    files = [Upload(f.filename, engine.inline_script_resources(f.data, scripts)) for f in files
             if f not in dmn_files and f not in camunda_forms and f.filename not in json_forms
             and not model_zip.is_script(f.filename)]
    if not files and not dmn_files and not camunda_forms:
        raise Invalid("no diagram to deploy", errors=[{"field": "file", "message": "JSON form and script files deploy "
                                                                               "beside the .bpmn that names them"}])
    parsed_dmn = decisions.parse_uploads(dmn_files)
    parsed_forms = form_definitions.parse_uploads(camunda_forms)
    parsed: list[tuple[Upload, list[engine.ParsedProcess], str]] = []
    errors: list[dict[str, Any]] = []
    # A call activity may call a process of another file of the same deployment, in any order.
    uploaded: dict[str, bytes] = {}
    for upload in files:
        try:
            for key in engine.process_ids(upload.data):
                uploaded.setdefault(key, upload.data)
        except (engine.BpmnInvalid, engine.BpmnMalformed):
            pass  # reported when the file itself is parsed below

    def find_called(key: str) -> bytes | None:
        return uploaded.get(key) or _find_called(key)

    for upload in files:
        try:
            parsed.append((upload, engine.parse_definitions(upload.data, upload.filename, find_called),
                           hashlib.sha256(upload.data).hexdigest()))
        except (engine.BpmnInvalid, engine.BpmnMalformed) as exc:
            if len(files) == 1:
                raise
            errors.extend({**e, "file": upload.filename} for e in exc.errors or [])
    if executable_only:
        errors.extend({"line": None, "element": None, "file": upload.filename,
                       "message": "Must contain at least one executable process"}  # Zeebe's words
                      for upload, processes, _ in parsed if not processes)
    seen: dict[str, str] = {}
    for upload, processes, _ in parsed:
        for proc in processes:
            errors.extend(spiff_forms.attach(proc.meta, json_forms, upload.filename, _called_forms(proc)))
            errors.extend(form_definitions.link_forms(proc.meta, upload.filename, parsed_forms))
        for proc in processes:
            if proc.key in seen:
                errors.append({"line": None, "element": proc.key, "file": upload.filename,
                               "message": f"process '{proc.key}' is also in {seen[proc.key]}: one file per process"})
            seen.setdefault(proc.key, upload.filename)
    if errors:
        raise engine.BpmnInvalid("one or more files cannot be deployed", errors=errors)
    notes = [{"file": upload.filename, **n} for upload, _, _ in parsed for n in engine.idle_notes(upload.data)]
    # A file that makes no definition is stored as it is; a byte-identical one already stored makes nothing new.
    idle = [(upload, digest) for upload, processes, digest in parsed if not processes]
    kept = [stored_files.live(upload.filename, digest) for upload, digest in idle]
    idle_unchanged = [k for k in kept if k is not None]
    idle_changed = [pair for pair, k in zip(idle, kept, strict=True) if k is None]

    unchanged: list[Definition] = []
    changed: list[tuple[Upload, engine.ParsedProcess, str]] = []
    for upload, processes, digest in parsed:
        for proc in processes:
            current = latest(proc.key)
            # A changed JSON form file makes a new version, as a changed diagram does.
            # So does a new version of the Camunda Form its start event binds (zeebe:formDefinition formId).
            if current is not None and current.xml_sha256 == digest and \
                    spiff_forms.forms_of(current.meta) == spiff_forms.forms_of(proc.meta) and \
                    (current.meta or {}).get("start_form") == proc.meta.get("start_form"):
                unchanged.append(current)
            else:
                changed.append((upload, proc, digest))
    dmn_changes = decisions.changes(parsed_dmn)
    form_changes = form_definitions.changes(parsed_forms)
    if not changed and not dmn_changes.changed and not form_changes.changed and not idle_changed:
        first = (unchanged + dmn_changes.unchanged + form_changes.unchanged + idle_unchanged)[0]
        return DeployResult(db.session.get(Deployment, first.deployment_id), unchanged, False,
                            dmn_changes.unchanged, form_changes.unchanged, notes)

    deployment = into or Deployment(created_by=actor, note=note)
    db.session.add(deployment)
    db.session.flush()
    made = []
    for upload, proc, digest in changed:
        version = (db.session.execute(select(func.max(Definition.version)).where(Definition.key == proc.key))
                   .scalar_one() or 0) + 1
        definition = Definition(key=proc.key, name=proc.name, version=version, deployment_id=deployment.id,
                                filename=upload.filename, xml=upload.data, xml_sha256=digest,
                                spec=json.dumps(proc.spec, separators=(",", ":")), meta=proc.meta)
        db.session.add(definition)
        made.append(definition)
    db.session.add_all(StoredFile(deployment_id=deployment.id, filename=upload.filename, data=upload.data,
                                  sha256=digest, notes=[n for n in notes if n["file"] == upload.filename])
                       for upload, digest in idle_changed)
    db.session.flush()
    if made:
        generations.bump(generations.Kind.DEFINITIONS)  # every process's latest version of these keys
    made_decisions = decisions.store(deployment, dmn_changes)
    made_forms = form_definitions.store(deployment, form_changes)
    starters.record(made)
    history.record("deployment.created", actor, data={
        "deployment_id": deployment.id, "note": note,
        "definitions": [{"id": d.id, "key": d.key, "version": d.version} for d in made],
        **({"decision_definitions": [{"id": d.id, "key": d.key, "version": d.version} for d in made_decisions]}
           if made_decisions else {}),
        **({"form_definitions": [{"id": f.id, "key": f.key, "version": f.version} for f in made_forms]}
           if made_forms else {}),
        **({"notes": notes} if notes else {})})
    timer_starts.schedule(made, actor)  # timer start events: start timers of the new versions
    return DeployResult(deployment, made + unchanged, True, made_decisions + dmn_changes.unchanged,
                        made_forms + form_changes.unchanged, notes)


def _called_forms(proc: engine.ParsedProcess) -> dict[str, Any]:
    """The JSON Schema forms of the user tasks of the deployed processes `proc` calls, by task id."""
    found: dict[str, Any] = {}
    for key in proc.spec.get("subprocess_specs", {}):
        callee = latest(key)
        for task, spec in ((callee.meta or {}).get("user_tasks", {}) if callee is not None else {}).items():
            if (spec.get("form") or {}).get("format") == spiff_forms.FORMAT:
                found.setdefault(task, spec["form"])
    return found


def get_definition(definition_id: str) -> Definition:
    found = db.session.get(Definition, definition_id)
    if found is None:
        raise NotFound(f"no process definition with id '{definition_id}'")
    return found


def list_definitions(key: str | None, latest_only: bool, limit: int, after: str | None,
                     startable_by: str | None = None) -> Page:
    """Definitions, newest first; `startable_by`: only those the user of that name may start."""
    q = select(Definition)
    if startable_by is not None:
        q = q.where(starters.startable_clause(startable_by))
    if key:
        q = q.where(Definition.key == key)
    if latest_only:
        newest = (select(Definition.key, func.max(Definition.version).label("v"))
                  .group_by(Definition.key).subquery())
        q = q.join(newest, (Definition.key == newest.c.key) & (Definition.version == newest.c.v))
    return page(q, [Definition.created_at, Definition.id], [dt.datetime, str], limit, after,
                descending=True)


def list_deployments(limit: int, after: str | None, deployment_id: str | None = None,
                     note: str | None = None) -> Page:
    """Deployments, newest first; optionally one id, or those with a given note (a Camunda deployment name)."""
    q = select(Deployment)
    if deployment_id:
        q = q.where(Deployment.id == deployment_id)
    if note is not None:
        q = q.where(Deployment.note == note)
    return page(q, [Deployment.created_at, Deployment.id], [dt.datetime, str], limit, after, descending=True)


# Built once: every start asks one of these (Core, on the connection: no ORM bookkeeping for three columns).
_T = Definition.__table__
_DEFINITION = select(_T.c.id, _T.c.key, _T.c.version).where(_T.c.key == bindparam("key"))
_VERSION = _DEFINITION.where(_T.c.version == bindparam("version"))
_LATEST = _DEFINITION.order_by(_T.c.version.desc()).limit(1)


def resolve(key: str, version: int | None) -> Any:
    """The definition to start: a given version or the latest (a row with id, key, version).

    Unknown key or version: 422. Only three columns: starting needs the id, and the spec comes from
    the process's cache, never from the XML and spec blobs of the row. Kept per process while no new
    version is deployed (services/generations.py), so a start usually asks nothing of the database here.
    """
    # In a unit of work (it settles before commit), a start on SQLite takes a warm entry without a read.
    found = generations.cached(generations.Kind.DEFINITIONS, (key, version or None), lambda: _lookup(key, version),
                               settled_later=units.active() is not None)
    if found is None:
        what = f"version {version} of process '{key}'" if version else f"process '{key}'"
        raise Invalid(f"there is no deployed {what}",
                      errors=[{"field": "version" if version else "process", "message": "not deployed"}])
    return found


def _lookup(key: str, version: int | None) -> Any:
    conn = db.session.connection()
    if version:
        return conn.execute(_VERSION, {"key": key, "version": version}).first()
    return conn.execute(_LATEST, {"key": key}).first()


# Compiled definitions live in services/definitions.py (one bounded cache); the names stay here too.
DefinitionInfo = definitions.DefinitionInfo
info = definitions.info
_INFO = definitions.CACHE
