"""Deployment approval (four eyes) and the diff of a deployment."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from ..auth import current_user
from ..services import approval
from .base import route
from .governance_schemas import ApproveSchema, DeploymentQuery, DiffSchema, ProposalSchema, RejectSchema
from .schemas import page_of

bp = Blueprint("governance", __name__, url_prefix="/api")


def _view(deployment: Any, definitions: list[Any] | None = None) -> dict[str, Any]:
    return {"id": deployment.id, "created_at": deployment.created_at, "created_by": deployment.created_by,
            "note": deployment.note, "status": deployment.status, "decided_by": deployment.decided_by,
            "decided_at": deployment.decided_at, "decision_reason": deployment.decision_reason,
            "definitions": definitions if definitions is not None else approval.definitions_of(deployment.id)}


@route(bp, "/deployments", ["GET"], summary="List deployments (newest first), by status: proposed, approved, "
       "rejected", permission="definitions.read", query=DeploymentQuery, response=page_of(ProposalSchema))
def list_deployments(query: dict[str, Any]) -> Any:
    found = approval.list_deployments(query["status"], query["limit"], query["after"])
    return {"items": [_view(d) for d in found.items], "next": found.next}


@route(bp, "/deployments/<deployment_id>", ["GET"], summary="Get a deployment", permission="definitions.read",
       response=ProposalSchema)
def get_deployment(deployment_id: str) -> Any:
    files, notes = approval.files_of(deployment_id)
    return {**_view(approval.get(deployment_id)), "files": files, "notes": notes}


@route(bp, "/deployments/<deployment_id>/files/<path:name>", ["GET"], summary="One BPMN file of a deployment, as "
       "uploaded (also a file that made no process definition)", permission="definitions.read",
       produces="application/xml")
def get_deployment_file(deployment_id: str, name: str) -> Any:
    return Response(approval.file_data(deployment_id, name), mimetype="application/xml",
                    headers={"Content-Disposition": f'inline; filename="{name.rsplit("/", 1)[-1]}"'})


@route(bp, "/deployments/<deployment_id>/approve", ["POST"], summary="Approve a proposed deployment: its "
       "versions become live (admin or approver, never the proposer)", permission="deployments.approve",
       body=ApproveSchema, response=ProposalSchema)
def approve(deployment_id: str, body: dict[str, Any]) -> Any:
    result = approval.approve(deployment_id, current_user(), body["comment"])
    return _view(result.deployment, result.definitions)


@route(bp, "/deployments/<deployment_id>/reject", ["POST"], summary="Reject a proposed deployment, with a reason "
       "(admin or approver, never the proposer)", permission="deployments.approve", body=RejectSchema,
       response=ProposalSchema)
def reject(deployment_id: str, body: dict[str, Any]) -> Any:
    return _view(approval.reject(deployment_id, current_user(), body["reason"]), [])


@route(bp, "/deployments/<deployment_id>/diff", ["GET"], summary="What a deployment changes, per process: "
       "elements added, removed, changed, and layout-only changes", permission="definitions.read",
       response=DiffSchema)
def diff(deployment_id: str) -> Any:
    return approval.diff(deployment_id)
