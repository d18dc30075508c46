"""Decision definitions: deploy (versioned per decision id, like processes), read, evaluate with its audit event."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from models import DecisionDefinition, Deployment, Instance, db

from .. import dmn
from ..exceptions import Invalid, NotFound
from ..feel import to_json
from . import history
from .pagination import Page, page
from .tx import transactional


@dataclass
class ParsedDmn:
    filename: str
    data: bytes
    digest: str
    decisions: list[tuple[str, str]]  # (key, name)


@dataclass
class DecisionChanges:
    changed: list[tuple[ParsedDmn, str, str]] = field(default_factory=list)
    unchanged: list[DecisionDefinition] = field(default_factory=list)


def is_dmn(filename: str, data: bytes) -> bool:
    return filename.lower().endswith(".dmn") or dmn.is_dmn(data)


def parse_uploads(uploads: list[Any]) -> list[ParsedDmn]:
    """Compile every .dmn upload; a model that cannot be evaluated is refused naming its element."""
    parsed, errors, seen = [], [], {}
    for up in uploads:
        try:
            model = dmn.load(up.data)
        except dmn.DmnModelError as exc:
            errors.append({"file": up.filename, "element": exc.element, "line": exc.line, "message": exc.detail})
            continue
        keys = [(d.id, d.name) for d in model.decisions.values()]
        if not keys:
            errors.append({"file": up.filename, "element": "definitions", "line": None,
                           "message": "the file has no decision"})
        for key, _ in keys:
            if key in seen:
                errors.append({"file": up.filename, "element": key, "line": None,
                               "message": f"decision '{key}' is also in {seen[key]}: one file per decision"})
            seen.setdefault(key, up.filename)
        _MODELS_BY_DIGEST[hashlib.sha256(up.data).hexdigest()] = model
        parsed.append(ParsedDmn(up.filename, up.data, hashlib.sha256(up.data).hexdigest(), keys))
    if errors:
        raise Invalid(errors[0]["message"] if len(errors) == 1 else "one or more DMN files cannot be deployed",
                      errors=errors)
    return parsed


def latest(key: str) -> DecisionDefinition | None:
    return db.session.execute(select(DecisionDefinition).where(DecisionDefinition.key == key)
                              .order_by(DecisionDefinition.version.desc()).limit(1)).scalar_one_or_none()


def changes(parsed: list[ParsedDmn]) -> DecisionChanges:
    out = DecisionChanges()
    for p in parsed:
        for key, name in p.decisions:
            current = latest(key)
            if current is not None and current.xml_sha256 == p.digest:
                out.unchanged.append(current)
            else:
                out.changed.append((p, key, name))
    return out


def store(deployment: Deployment, found: DecisionChanges) -> list[DecisionDefinition]:
    made = []
    for p, key, name in found.changed:
        version = (db.session.execute(select(func.max(DecisionDefinition.version))
                                      .where(DecisionDefinition.key == key)).scalar_one() or 0) + 1
        row = DecisionDefinition(key=key, name=name, version=version, deployment_id=deployment.id,
                                 filename=p.filename, xml=p.data, xml_sha256=p.digest)
        db.session.add(row)
        made.append(row)
    db.session.flush()
    return made


def get_definition(definition_id: str) -> DecisionDefinition:
    found = db.session.get(DecisionDefinition, definition_id)
    if found is None:
        raise NotFound(f"no decision definition with id '{definition_id}'")
    return found


def list_definitions(key: str | None, latest_only: bool, limit: int, after: str | None) -> Page:
    q = select(DecisionDefinition)
    if key:
        q = q.where(DecisionDefinition.key == key)
    if latest_only:
        newest = (select(DecisionDefinition.key, func.max(DecisionDefinition.version).label("v"))
                  .group_by(DecisionDefinition.key).subquery())
        q = q.join(newest, (DecisionDefinition.key == newest.c.key) & (DecisionDefinition.version == newest.c.v))
    return page(q, [DecisionDefinition.created_at, DecisionDefinition.id], [dt.datetime, str], limit, after,
                descending=True)


# Compiled models are immutable: cached by the file's digest for the life of the process.
_MODELS_BY_DIGEST: dict[str, dmn.DmnModel] = {}


def model_of(row: DecisionDefinition) -> dmn.DmnModel:
    hit = _MODELS_BY_DIGEST.get(row.xml_sha256)
    if hit is None:
        hit = _MODELS_BY_DIGEST[row.xml_sha256] = dmn.load(row.xml)
    return hit


def resolve(key: str, version: int | None = None) -> DecisionDefinition:
    q = select(DecisionDefinition).where(DecisionDefinition.key == key)
    if version:
        q = q.where(DecisionDefinition.version == version)
    row = db.session.execute(q.order_by(DecisionDefinition.version.desc()).limit(1)).scalar_one_or_none()
    if row is None:
        what = f"version {version} of decision '{key}'" if version else f"decision '{key}'"
        raise NotFound(f"there is no deployed {what}")
    return row


@dataclass
class Evaluated:
    decision: str
    version: int
    result: list[dict[str, Any]]
    matched_rules: list[str]
    outputs: list[dict[str, Any]]
    value: Any  # the FEEL value, for mapDecisionResult


def evaluate_row(row: DecisionDefinition, variables: dict[str, Any], actor: str,
                 instance: Instance | None = None, activity: str | None = None) -> Evaluated:
    """Evaluate inside the caller's transaction and record `decision.evaluated`."""
    found = dmn.evaluate(model_of(row), row.key, variables)
    outputs = [{k: to_json(v) for k, v in o.items()} for o in found.outputs]
    history.record("decision.evaluated", actor, instance, activity=activity, data={
        "decision": row.key, "version": row.version, "decision_definition_id": row.id,
        "inputs": to_json(found.inputs), "matched_rules": found.matched_rules, "outputs": outputs})
    return Evaluated(row.key, row.version, outputs, found.matched_rules, outputs, found.value)


@transactional
def evaluate(key: str, variables: dict[str, Any], version: int | None, actor: str) -> Evaluated:
    """POST /api/decision-definitions/key/{key}/evaluate: a FEEL or decision error is a 422."""
    return evaluate_row(resolve(key, version), variables, actor)
