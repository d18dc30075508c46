"""The form editor: make a Camunda Form (form-js JSON) or change a deployed one in the browser with the bpmn.io
form editor, check it with the server's validator and deploy it as a `.form` with a change note (a proposal when
deployment approval is on), like the diagram editor does for diagrams.

Only this page loads the form editor (static/vendor/form-js-editor, built from web/vendor-src). Its two actions
are JSON posts from static/form_editor.js carrying the CSRF token in the X-CSRF-Token header.
"""

from __future__ import annotations

import json
from typing import Any

from flask import flash, jsonify, render_template, request, url_for

from models import User

from ..exceptions import BadRequest, BpmnServerError
from ..services import approval, deployments, form_definitions, validation
from . import bp
from .session import page


def _upload() -> deployments.Upload:
    """The form of a JSON post, {"schema": {...form-js JSON...}}, as the `.form` file a deploy takes, named after
    the form's id (a 400 naming the field when the schema is missing)."""
    body = request.get_json(silent=True)
    schema = body.get("schema") if isinstance(body, dict) else None
    if not isinstance(schema, dict):
        raise BadRequest("send the form as JSON: {\"schema\": {...}}",
                         errors=[{"field": "schema", "message": "required: the form-js JSON of the form"}])
    key = schema.get("id") if isinstance(schema.get("id"), str) else ""
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in key.strip()) or "form"
    return deployments.Upload(f"{name}.form", json.dumps(schema, indent=2, ensure_ascii=False).encode())


def _refused(exc: BpmnServerError) -> tuple[Any, int]:
    return jsonify({"title": exc.title, "detail": exc.detail,
                    "errors": [e for e in exc.errors or [] if isinstance(e, dict)]}), exc.status


def _note() -> str | None:
    return str((request.get_json(silent=True) or {}).get("note") or "").strip() or None


@bp.route("/forms/editor")
@page("definitions.deploy")
def form_editor(user: User) -> str:
    """A new form, or (?key=K, &version=N) a deployed form to change (its latest version without `version`)."""
    opened = None
    key = request.args.get("key")
    if key:
        raw = request.args.get("version") or ""
        opened = form_definitions.resolve(key, int(raw) if raw.isdigit() else None)  # 404 page when unknown
    data: dict[str, Any] = {
        "draft": "form." + (opened.key if opened else "new"),
        "validate_url": url_for("web.form_editor_validate"),
        "deploy_url": url_for("web.form_editor_deploy"),
    }
    if opened:
        data.update(schema=form_definitions.schema_of(opened), key=opened.key, version=opened.version)
    deployed = form_definitions.list_forms(None, True, 500, None).items
    return render_template("web/form_editor.html", opened=opened, data=data,
                           deployed=sorted(deployed, key=lambda f: f.key))


@bp.route("/forms/editor/validate", methods=["POST"])
@page("definitions.deploy")
def form_editor_validate(user: User) -> Any:
    """What a deploy would say about the form; nothing is deployed."""
    try:
        upload = _upload()
    except BpmnServerError as exc:
        return _refused(exc)
    return jsonify(vars(validation.validate([upload], user.name)))


@bp.route("/forms/editor/deploy", methods=["POST"])
@page("definitions.deploy")
def form_editor_deploy(user: User) -> Any:
    """Deploy the form as a `.form` with the post's change note; the answer says which version it made."""
    try:
        result = approval.submit([_upload()], user, _note())  # with deployment approval on, maybe a proposal
    except BpmnServerError as exc:
        if exc.status >= 500:
            raise
        return _refused(exc)
    if result.deployment.status == "proposed":
        flash("Proposed: the form is live once an admin or approver approves it "
              f"(deployment {result.deployment.id}).", "ok")
        return jsonify({"created": False, "proposed": result.deployment.id, "deployed": "",
                        "location": url_for("web.form_editor")})
    made = ", ".join(f"form {f.key} v{f.version}" for f in result.forms)
    flash(f"Deployed {made}." if result.created else f"Nothing changed: {made} is the latest already.", "ok")
    first = result.forms[0] if result.forms else None
    location = url_for("web.form_editor", key=first.key, version=first.version) if first else url_for(
        "web.form_editor")
    return jsonify({"created": result.created, "deployed": made, "location": location})
