"""The diagram editor: draw a new process or change a deployed version in the browser, check it with the
server's own validator and deploy it with a change note.

The page loads the bpmn.io modeler (static/vendor/bpmn-js-modeler, built from web/vendor-src) and
static/editor.js; only this page does. Its two actions are JSON posts from that script, carrying the
CSRF token in the X-CSRF-Token header like every other post of the pages.
"""

from __future__ import annotations

from typing import Any

from flask import flash, jsonify, render_template, request, url_for
from werkzeug.wrappers import Response

from models import User

from ..exceptions import BadRequest, BpmnServerError
from ..services import approval, deployments, form_definitions, validation
from . import bp
from .session import page


def _upload() -> deployments.Upload:
    """The diagram of a JSON post: {"xml": "...", "filename": "x.bpmn"} (400 naming a missing field)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("xml"), str) or not body["xml"].strip():
        raise BadRequest("send the diagram as JSON: {\"xml\": ...}", errors=[{"field": "xml", "message": "required"}])
    name = str(body.get("filename") or "diagram.bpmn")
    return deployments.Upload(name if name.endswith((".bpmn", ".dmn", ".xml")) else name + ".bpmn",
                              body["xml"].encode())


def _refused(exc: BpmnServerError) -> tuple[Response, int]:
    return jsonify({"title": exc.title, "detail": exc.detail,
                    "errors": [e for e in exc.errors or [] if isinstance(e, dict)]}), exc.status


@bp.route("/editor")
@page("definitions.deploy")
def editor(user: User) -> str:
    """A new diagram, or (?definition=ID) a deployed version to change."""
    opened = None
    definition_id = request.args.get("definition")
    if definition_id:
        opened = deployments.get_definition(definition_id)  # 404 page for an unknown id
    data: dict[str, Any] = {
        "draft": opened.key if opened else "new",
        "validate_url": url_for("web.editor_validate"),
        "deploy_url": url_for("web.editor_deploy"),
        "form_editor_url": url_for("web.form_editor"),
    }
    if opened:
        data.update(xml_url=url_for("web.definition_xml", definition_id=opened.id),
                    filename=opened.filename or f"{opened.key}.bpmn", key=opened.key, version=opened.version)
    # The Camunda Forms a user task can link (zeebe:formDefinition formId, what the server binds).
    forms = sorted({f.key for f in form_definitions.list_forms(None, True, 500, None).items})
    return render_template("web/editor.html", opened=opened, data=data, forms=forms)


@bp.route("/editor/validate", methods=["POST"])
@page("definitions.deploy")
def editor_validate(user: User) -> Any:
    """What a deploy would say about the diagram; nothing is deployed."""
    try:
        upload = _upload()
    except BpmnServerError as exc:
        return _refused(exc)
    return jsonify(vars(validation.validate([upload], user.name)))


@bp.route("/editor/deploy", methods=["POST"])
@page("definitions.deploy")
def editor_deploy(user: User) -> Any:
    """Deploy the diagram with the post's change note; the answer says where its process page is."""
    try:
        upload = _upload()
        note = str((request.get_json(silent=True) or {}).get("note") or "").strip() or None
        result = approval.submit([upload], user, note)  # with deployment approval on, maybe a proposal
    except BpmnServerError as exc:
        if exc.status >= 500:
            raise
        return _refused(exc)
    if result.deployment.status == "proposed":
        flash("Proposed: the change is live once an admin or approver approves it "
              f"(deployment {result.deployment.id}).", "ok")
        return jsonify({"created": False, "proposed": result.deployment.id, "deployed": "",
                        "location": url_for("web.deployment_page", deployment_id=result.deployment.id)})
    made = ", ".join(f"{d.key} v{d.version}" for d in [*result.definitions, *result.decisions])
    for n in result.notes:  # a process that is not executable: stored, said so
        flash(f"{n['file']}: {n['message']}", "ok")
    if not made:
        flash("Stored: no process of it runs." if result.created else "Nothing changed: stored already.", "ok")
    else:
        flash(f"Deployed {made}." if result.created else f"Nothing changed: {made} is the latest already.", "ok")
    if result.definitions:
        location = url_for("web.process_page", key=result.definitions[0].key)
    elif result.decisions:  # a .dmn alone: back to its decision table, the version just made
        location = url_for("web.decision_editor", definition=result.decisions[0].id)
    else:  # no executable process: the deployment that stores it, with its notes
        location = url_for("web.deployment_page", deployment_id=result.deployment.id)
    return jsonify({"created": result.created, "deployed": made, "location": location})
