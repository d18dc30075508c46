"""Four-eyes deployment approval (`BPMN_SERVER_DEPLOY_APPROVAL=on`) and the diff of a deployment.

With approval on, a deployment by anyone but an admin is a proposal: its files are checked exactly as a
deployment would check them (a dry run of `deployments.deploy` in a savepoint, rolled back) and kept, but
no definition is made, so nothing can start from them. An admin or an `approver`, never the proposer,
approves it (then it is deployed into the same deployment row, with its note) or rejects it with a reason.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from flask import current_app
from sqlalchemy import select

from models import Definition, Deployment, ProposedFile, User, db, utcnow

from .. import engine
from ..db import is_postgres
from ..exceptions import Conflict, Forbidden, Invalid, NotFound
from . import deployments, history, model_zip, reasons, stored_files
from .deployments import DeployResult, Upload
from .pagination import Page, page
from .tx import pending_events, transactional


class DeploymentStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"


def enabled() -> bool:
    return bool(current_app.config.get("DEPLOY_APPROVAL"))


def required_for(user: User) -> bool:
    return enabled() and user.role != "admin"


@transactional
def submit(files: list[Upload], user: User, note: str | None, executable_only: bool = False) -> DeployResult:
    """Deploy, or with approval on (and not an admin) propose: `result.deployment.status` says which.
    `executable_only`: refuse a file with no executable process (Camunda 8's API) instead of storing it."""
    if not required_for(user):
        return deployments.deploy(files, user.name, note, executable_only=executable_only)
    mark = len(pending_events())
    checking = db.session.begin_nested()
    try:
        trial = deployments.deploy(files, user.name, note, executable_only=executable_only)  # every check
    finally:
        checking.rollback()
        del pending_events()[mark:]
    if not trial.created:  # identical to what is live: nothing to approve
        return deployments.deploy(files, user.name, note, executable_only=executable_only)
    proposal = Deployment(created_by=user.name, note=note, status=DeploymentStatus.PROPOSED.value)
    db.session.add(proposal)
    db.session.flush()
    db.session.add_all(ProposedFile(deployment_id=proposal.id, position=i, filename=f.filename, data=f.data)
                       for i, f in enumerate(files))
    db.session.flush()
    history.record("deployment.proposed", user.name, data={
        "deployment_id": proposal.id, "note": note, "processes": _summary(diff(proposal.id))})
    return DeployResult(proposal, [], True, notes=trial.notes)


def _summary(found: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": p["key"], "from_version": p["from_version"], "added": len(p["added"]),
             "removed": len(p["removed"]), "changed": len(p["changed"]), "layout_only": p["layout_only"]}
            for p in found["processes"]]


def _lock(deployment_id: str) -> Deployment:
    q = select(Deployment).where(Deployment.id == deployment_id).execution_options(populate_existing=True)
    if is_postgres():
        q = q.with_for_update()
    found = db.session.execute(q).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no deployment with id '{deployment_id}'")
    return found


def _decidable(deployment: Deployment, user: User) -> None:
    if deployment.status != DeploymentStatus.PROPOSED.value:
        raise Conflict(f"the deployment is {deployment.status}; only a proposed one can be decided")
    if deployment.created_by == user.name:
        raise Forbidden("a proposal is approved or rejected by someone else than its proposer (four eyes)")


def _files(deployment_id: str) -> list[Upload]:
    rows = db.session.execute(select(ProposedFile).where(ProposedFile.deployment_id == deployment_id)
                              .order_by(ProposedFile.position)).scalars()
    return [Upload(r.filename, r.data) for r in rows]


@transactional
def approve(deployment_id: str, user: User, comment: str | None = None) -> DeployResult:
    """Make a proposal's versions live (a file identical to the live version by now makes none)."""
    proposal = _lock(deployment_id)
    _decidable(proposal, user)
    result = deployments.deploy(_files(proposal.id), user.name, proposal.note, into=proposal)
    proposal.status = DeploymentStatus.APPROVED.value
    proposal.decided_by, proposal.decided_at, proposal.decision_reason = user.name, utcnow(), comment
    made = [d for d in result.definitions if d.deployment_id == proposal.id]
    history.record("deployment.approved", user.name, data={
        "deployment_id": proposal.id, "proposed_by": proposal.created_by, "note": proposal.note,
        "comment": comment, "definitions": [{"id": d.id, "key": d.key, "version": d.version} for d in made]})
    return DeployResult(proposal, made, True, result.decisions if result.created else [], notes=result.notes)


@transactional
def reject(deployment_id: str, user: User, reason: str | None) -> Deployment:
    reason = reasons.required(reason, "reject a deployment")
    proposal = _lock(deployment_id)
    _decidable(proposal, user)
    proposal.status = DeploymentStatus.REJECTED.value
    proposal.decided_by, proposal.decided_at, proposal.decision_reason = user.name, utcnow(), reason
    history.record("deployment.rejected", user.name, data={
        "deployment_id": proposal.id, "proposed_by": proposal.created_by, "reason": reason})
    return proposal


def get(deployment_id: str) -> Deployment:
    found = db.session.get(Deployment, deployment_id)
    if found is None:
        raise NotFound(f"no deployment with id '{deployment_id}'")
    return found


def definitions_of(deployment_id: str) -> list[Definition]:
    return list(db.session.execute(select(Definition).where(Definition.deployment_id == deployment_id)
                                   .order_by(Definition.key)).scalars())


def list_deployments(status: str | None, limit: int, after: str | None) -> Page:
    """Deployments newest first, optionally of one status."""
    q = select(Deployment)
    if status:
        if status not in {s.value for s in DeploymentStatus}:
            raise Invalid("status must be proposed, approved or rejected",
                          errors=[{"field": "status", "message": "unknown status"}])
        q = q.where(Deployment.status == status)
    return page(q, [Deployment.created_at, Deployment.id], [dt.datetime, str], limit, after, descending=True)


def _previous(key: str, before: int | None) -> Definition | None:
    q = select(Definition).where(Definition.key == key)
    if before is not None:
        q = q.where(Definition.version < before)
    return db.session.execute(q.order_by(Definition.version.desc()).limit(1)).scalar_one_or_none()


def _proposed(deployment_id: str) -> list[tuple[str, bytes]]:
    """The diagrams of a proposal's files, as deploy unpacks them (a spiff-arena model zip's too)."""
    found = []
    for f in _files(deployment_id):
        for name, data in (model_zip.entries(f.filename, f.data) if model_zip.is_zip(f.filename, f.data)
                           else [(f.filename, f.data)]):
            if not name.lower().endswith((".dmn", ".form", ".json")):  # decisions and forms: not drawn
                found.append((name, data))
    return found


def diff(deployment_id: str) -> dict[str, Any]:
    """Per process of a deployment: what it changes against the version it replaces (for a proposal, the
    live version; for a deployed one, the version before its own), with the definitions drawn on each side
    (`to_definition_id` is None for a proposal: its drawing is `proposed_xml`)."""
    deployment = get(deployment_id)
    pairs: list[tuple[str, Definition | None, bytes, Definition | None]] = []
    if deployment.status == DeploymentStatus.APPROVED.value:
        for d in definitions_of(deployment.id):
            pairs.append((d.key, _previous(d.key, d.version), d.xml, d))
    else:
        for _name, data in _proposed(deployment.id):
            for key in engine.process_ids(data):
                pairs.append((key, _previous(key, None), data, None))
    processes = []
    for key, old, new, made in pairs:
        found = next((p for p in engine.diff_diagrams(old.xml if old else None, new) if p["key"] == key), None)
        if found is not None:
            processes.append({**found, "from_version": old.version if old else None,
                              "to_version": made.version if made else None,
                              "from_definition_id": old.id if old else None,
                              "to_definition_id": made.id if made else None})
    return {"deployment_id": deployment.id, "status": deployment.status, "processes": processes}


def files_of(deployment_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A deployment's BPMN files (name, the process keys of each) and their notes (what of them does not run):
    for a live deployment what it stored (deployments.files_of), for a proposal or a rejected one what it proposes."""
    deployment = get(deployment_id)
    if deployment.status == DeploymentStatus.APPROVED.value:
        return stored_files.files_of(deployment_id)
    found, notes = [], []
    for name, data in _proposed(deployment_id):
        try:
            found.append({"name": name, "processes": engine.process_ids(data)})
            notes.extend({"file": name, **n} for n in engine.idle_notes(data))
        except engine.BpmnMalformed:
            found.append({"name": name, "processes": []})  # checked when proposed; kept as sent
    return sorted(found, key=lambda f: f["name"]), notes


def file_data(deployment_id: str, name: str) -> bytes:
    """One BPMN file of a deployment as uploaded: stored or made definitions, or (a proposal) proposed."""
    if get(deployment_id).status == DeploymentStatus.APPROVED.value:
        return stored_files.file_data(deployment_id, name)
    found = next((data for file, data in _proposed(deployment_id) if file == name), None)
    if found is None:
        raise NotFound(f"deployment '{deployment_id}' has no file '{name}'")
    return found


def proposed_xml(deployment_id: str, key: str) -> bytes:
    """The proposed diagram that holds process `key` (to draw a proposal before it is live)."""
    get(deployment_id)
    for _name, data in _proposed(deployment_id):
        if key in engine.process_ids(data):
            return data
    raise NotFound(f"deployment '{deployment_id}' proposes no process '{key}'")
