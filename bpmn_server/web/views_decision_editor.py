"""The decision table editor: change a deployed .dmn (or start a new one) with dmn-js, check and deploy it
through the diagram editor's JSON actions, and evaluate the deployed version on sample inputs.

Only this page loads dmn-js (static/vendor/dmn-js, copied by web/vendor-src/build.sh).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, render_template, request, url_for

from models import User

from ..exceptions import BpmnServerError, Invalid
from ..services import decisions
from . import bp, forms
from .session import page


@bp.route("/decisions/editor")
@page("definitions.deploy")
def decision_editor(user: User) -> str:
    """A new decision table, or (?definition=ID) a deployed decision's file to change."""
    opened = None
    definition_id = request.args.get("definition")
    if definition_id:
        opened = decisions.get_definition(definition_id)  # 404 page for an unknown id
    data: dict[str, Any] = {
        "draft": "dmn." + (opened.key if opened else "new"),
        "validate_url": url_for("web.editor_validate"),
        "deploy_url": url_for("web.editor_deploy"),
    }
    if opened:
        data.update(xml=opened.xml.decode() if isinstance(opened.xml, bytes) else opened.xml,
                    filename=opened.filename or f"{opened.key}.dmn", key=opened.key, version=opened.version,
                    evaluate_url=url_for("web.decision_evaluate", key=opened.key))
    deployed = decisions.list_definitions(None, True, 500, None).items
    return render_template("web/decision_editor.html", opened=opened, data=data,
                           deployed=sorted(deployed, key=lambda d: d.key))


@bp.route("/decisions/<key>/evaluate", methods=["POST"])
@page("decisions.evaluate")
def decision_evaluate(user: User, key: str) -> Any:
    """The evaluate panel: {"variables": "<JSON object as typed>", "version": N} in, the matched rules and
    outputs out (a 422 naming the field for JSON that is not an object)."""
    body = request.get_json(silent=True) or {}
    try:
        variables = forms.json_object(str(body.get("variables") or ""), "variables")
        version = body.get("version")
        if version is not None and (not isinstance(version, int) or version < 1):
            raise Invalid("version must be a whole number from 1", errors=[{"field": "version", "message": "from 1"}])
        found = decisions.evaluate(key, variables, version, user.name)
    except BpmnServerError as exc:
        if exc.status >= 500:
            raise
        return jsonify({"title": exc.title, "detail": exc.detail,
                        "errors": [e for e in exc.errors or [] if isinstance(e, dict)]}), exc.status
    return jsonify({"decision": found.decision, "version": found.version, "matched_rules": found.matched_rules,
                    "result": found.result})
