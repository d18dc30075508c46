"""Processes: the deployed list, two versions side by side with counts per activity, upload with a
change note (problems shown next to the elements), and starting an instance."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for

from models import User

from ..exceptions import BpmnServerError, Invalid
from ..services import approval, dashboard, deployments, heatmap, instances, starters
from . import bp, forms, outcome, overlays
from .session import page

HEAT_DAYS = 30  # the heat map's time spent: visits completed in the last 30 days


@bp.route("/processes")
@page("definitions.read")
def process_list(user: User) -> str:
    latest = deployments.list_definitions(None, True, 500, None).items
    return render_template("web/processes.html", items=sorted(latest, key=lambda d: d.key))


def _pick(versions: list[Any], wanted: str | None, fallback: int) -> Any:
    for v in versions:
        if wanted and str(v.version) == wanted:
            return v
    return versions[min(fallback, len(versions) - 1)] if versions else None


@bp.route("/processes/<key>")
@page("definitions.read")
def process_page(user: User, key: str) -> str:
    versions = dashboard.versions(key)
    if not versions:
        deployments.resolve(key, None)  # 422 "there is no deployed process"
    # Newest on the right, the one before it on the left; ?left=N&right=M picks others.
    right = _pick(versions, request.args.get("right"), 0)
    left = _pick(versions, request.args.get("left"), 1)
    shown = [v for v in (left, right) if v is not None]
    if len(shown) == 2 and shown[0].id == shown[1].id:
        shown = shown[1:]
    panels = []
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=HEAT_DAYS)  # time spent: how it goes lately
    for v in shown:  # each version's heat map: on the diagram, and as a table beside it
        rows = heatmap.statistics(v.id, since)
        panels.append({"version": v, "diagram": overlays.for_definition(v.id, rows), "rows": rows})
    meta = deployments.info(versions[0].id).meta  # who may start the latest version
    return render_template("web/process.html", key=key, versions=versions, panels=panels, latest=versions[0],
                           heat_days=HEAT_DAYS,
                           starters=starters.of(meta), may_start=starters.may_start(user, meta))


@bp.route("/definitions/<definition_id>/xml")
@page("definitions.read")
def definition_xml(user: User, definition_id: str) -> Response:
    definition = deployments.get_definition(definition_id)
    return Response(definition.xml, mimetype="application/xml", headers={"Cache-Control": "private, max-age=3600"})


@bp.route("/deploy", methods=["GET", "POST"])
@page("definitions.deploy")
def deploy(user: User) -> Any:
    if request.method == "GET":
        return render_template("web/deploy.html", problem=None, errors=[], drawing=None, note="")
    note = request.form.get("note", "").strip() or None
    files = [f for f in request.files.getlist("file") if f.filename]
    uploads = [deployments.Upload(f.filename or "diagram.bpmn", f.read()) for f in files]
    try:
        if not uploads:
            raise Invalid("choose a .bpmn file to upload", errors=[{"field": "file", "message": "required"}])
        result = approval.submit(uploads, user, note)  # with deployment approval on, maybe a proposal
    except BpmnServerError as exc:
        if exc.status >= 500:
            raise
        errors = [e for e in exc.errors or [] if isinstance(e, dict)]
        shown = overlays.for_errors(uploads[0].data, errors) if len(uploads) == 1 and errors else None
        return render_template("web/deploy.html", problem=exc, errors=errors, drawing=shown,
                               note=note or ""), exc.status
    if result.deployment.status == "proposed":
        flash("Proposed: the change is live once an admin or approver approves it "
              f"(deployment {result.deployment.id}).", "ok")
        return redirect(url_for("web.deployment_page", deployment_id=result.deployment.id), 303)
    for n in result.notes:  # a process that is not executable: stored, said so
        flash(f"{n['file']}: {n['message']}", "ok")
    if not result.definitions:
        flash("Stored: no process of it runs." if result.created else "Nothing changed: stored already.", "ok")
        return redirect(url_for("web.deployment_page", deployment_id=result.deployment.id), 303)
    made = ", ".join(f"{d.key} v{d.version}" for d in result.definitions)
    flash(f"Deployed {made}." if result.created else f"Nothing changed: {made} is the latest already.", "ok")
    return redirect(url_for("web.process_page", key=result.definitions[0].key), 303)


@bp.route("/processes/<key>/start", methods=["POST"])
@page("instances.start")
def process_start(user: User, key: str) -> Response:
    try:
        variables = forms.json_object(request.form.get("variables", ""), "variables")
        business_key = request.form.get("business_key", "").strip() or None
        instance = instances.start(key, user.name, variables, None, business_key, user=user)
    except BpmnServerError as exc:
        if exc.status >= 500 or exc.status == 403:
            raise
        flash(f"Could not start {key}: {exc.detail}", "error")
        return redirect(url_for("web.process_page", key=key), 303)
    flash(*outcome.after_start(key, instance))
    return redirect(url_for("web.instance_page", instance_id=instance.id), 303)
