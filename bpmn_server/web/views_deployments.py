"""Deployments: the list (proposals first), and one deployment's changes drawn side by side, the version it
replaces on the left and the new one on the right, each element marked added, removed, changed or moved;
an approver (never the proposer) approves or rejects a proposal there."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for

from models import User

from ..auth import allowed
from ..exceptions import BpmnServerError, Forbidden
from ..services import approval
from . import bp
from .session import page

# What each kind of change is called on the drawing and in the list beside it.
MARKS = {"added": "added", "removed": "removed", "changed": "changed", "moved": "moved only"}


def _drawing(source: dict[str, Any], marks: dict[str, str], titles: dict[str, str]) -> dict[str, Any]:
    badges = [{"element": element, "kind": mark, "text": MARKS[mark], "title": titles.get(element, "")}
              for element, mark in marks.items()]
    return {**source, "markers": {element: [mark] for element, mark in marks.items()}, "badges": badges}


def _sides(deployment_id: str, process: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The two drawings of one process: the old one marks what is removed, the new one the rest."""
    old: dict[str, str] = {e["id"]: "removed" for e in process["removed"]}
    new: dict[str, str] = {e["id"]: "moved" for e in [{"id": i} for i in process["layout_changed"]]}
    new.update({e["id"]: "changed" for e in process["changed"]})
    new.update({e["id"]: "added" for e in process["added"]})
    titles: dict[str, str] = defaultdict(str)
    for e in process["changed"]:
        titles[e["id"]] = "changed: " + ", ".join(e["changes"])
    left = None
    if process["from_definition_id"]:
        left = _drawing({"xml_url": url_for("web.definition_xml", definition_id=process["from_definition_id"])},
                        old, titles)
    if process["to_definition_id"]:
        source = {"xml_url": url_for("web.definition_xml", definition_id=process["to_definition_id"])}
    else:
        source = {"xml": approval.proposed_xml(deployment_id, process["key"]).decode("utf-8", "replace")}
    return left, _drawing(source, new, titles)


@bp.route("/deployments")
@page("definitions.read")
def deployment_list(user: User) -> str:
    status = request.args.get("status") or None
    found = approval.list_deployments(status, 50, request.args.get("after") or None)
    proposed = approval.list_deployments("proposed", 50, None).items if status is None else []
    return render_template("web/deployments.html", items=found.items, next=found.next, proposed=proposed,
                           status=status)


@bp.route("/deployments/<deployment_id>")
@page("definitions.read")
def deployment_page(user: User, deployment_id: str) -> str:
    deployment = approval.get(deployment_id)
    changes = approval.diff(deployment_id)["processes"]
    panels = [{"process": p, "sides": _sides(deployment_id, p)} for p in changes]
    may_decide = (deployment.status == approval.DeploymentStatus.PROPOSED.value and
                  allowed(user, "deployments.approve") and deployment.created_by != user.name)
    _files, notes = approval.files_of(deployment_id)  # a non-executable process: stored, said so here
    return render_template("web/deployment.html", deployment=deployment, panels=panels, may_decide=may_decide,
                           definitions=approval.definitions_of(deployment_id), notes=notes)


@bp.route("/deployments/<deployment_id>/decide", methods=["POST"])
@page("deployments.approve")
def deployment_decide(user: User, deployment_id: str) -> Response:
    text = request.form.get("text", "").strip()
    try:
        if request.form.get("decision") == "approve":
            result = approval.approve(deployment_id, user, text or None)
            made = ", ".join(f"{d.key} v{d.version}" for d in result.definitions) or "no new version"
            flash(f"Approved: {made} is live.", "ok")
        else:
            approval.reject(deployment_id, user, text)
            flash("Rejected: nothing of it becomes live.", "ok")
    except Forbidden:
        raise
    except BpmnServerError as exc:
        details = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in exc.errors or [] if isinstance(e, dict))
        flash(f"{exc.title}: {exc.detail}" + (f" ({details})" if details else ""), "error")
    return redirect(url_for("web.deployment_page", deployment_id=deployment_id), 303)
