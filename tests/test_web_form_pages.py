"""The form editor's JSON actions and the task page's Camunda Form through Flask's test client: a form made in
the editor deploys as a `.form` (versioned, with its note, a proposal under four eyes), refusals are named, the
pages' roles and CSRF hold; the task page hands the form-js viewer its schema and takes what the viewer posts
(`form_js`) through the completion route, the server validating it against the schema as the API does.
(tests/test_web_form_editor.py drives the same pages in Chromium.)"""

from __future__ import annotations

import io
import json
import re
from typing import Any

from tests.test_web import Pages
from tests.test_zeebe_dialect import diagram

SCHEMA = {"id": "expense_form", "type": "default", "schemaVersion": 19, "components": [
    {"type": "number", "key": "amount", "label": "Amount", "validate": {"required": True, "min": 1}},
    {"type": "radio", "key": "decision", "label": "Decision", "validate": {"required": True},
     "values": [{"label": "Approve", "value": "approve"}, {"label": "Reject", "value": "reject"}]},
    {"type": "textfield", "key": "note", "label": "Note", "readonly": True},
    {"type": "text", "text": "Thank you"}]}
LINKED = ('<bpmn:userTask id="ask" name="Ask"><bpmn:extensionElements><zeebe:assignmentDefinition '
          'candidateGroups="clerks"/><zeebe:formDefinition formId="expense_form"/></bpmn:extensionElements>'
          '</bpmn:userTask>\n\n')


def _post(pages: Pages, url: str, body: dict[str, Any], csrf: bool = True) -> Any:
    """A JSON post of the editor's script: the CSRF token in its header."""
    return pages.client.post(url, json=body, headers={"X-CSRF-Token": pages.csrf} if csrf else {})


def test_a_form_made_in_the_editor_deploys_as_a_versioned_form_file(app, api):
    anna = Pages(app, api.as_user("anna", "analyst").token)
    page = anna.text("/ui/forms/editor")
    assert "form-editor.min.js" in page and "bpmn-modeler.min.js" not in page
    assert "form-editor.min.js" not in anna.text("/ui/processes") and "/ui/forms/editor" in anna.text("/ui/processes")
    r = _post(anna, "/ui/forms/editor/validate", {"schema": SCHEMA})
    assert r.status_code == 200 and r.get_json()["valid"] is True
    assert api.get("/api/forms").get_json()["items"] == []  # validating stores nothing
    r = _post(anna, "/ui/forms/editor/deploy", {"schema": SCHEMA, "note": "the expense form"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"created": True, "deployed": "form expense_form v1",
                            "location": "/ui/forms/editor?key=expense_form&version=1"}
    [made] = api.get("/api/forms").get_json()["items"]
    assert (made["id"], made["version"]) == ("expense_form", 1)
    assert api.get("/api/forms/expense_form").get_json()["components"] == SCHEMA["components"]
    events = api.get("/api/history/events", query_string={"type": "deployment.created"}).get_json()["items"]
    assert [e["data"]["note"] for e in events] == ["the expense form"] and events[0]["actor"] == "anna"
    # Opened again: the page carries the deployed schema; the same schema deploys no new version.
    page = anna.text("/ui/forms/editor?key=expense_form")
    data = json.loads(re.search(r'id="editor-data">(.*?)</script>', page, re.S).group(1))
    assert data["schema"]["id"] == "expense_form" and data["version"] == 1
    r = _post(anna, "/ui/forms/editor/deploy", {"schema": SCHEMA, "note": "again"})
    assert r.get_json()["created"] is False and r.get_json()["deployed"] == "form expense_form v1"
    changed = {**SCHEMA, "components": SCHEMA["components"][:2]}
    r = _post(anna, "/ui/forms/editor/deploy", {"schema": changed, "note": "no note field"})
    assert r.get_json()["deployed"] == "form expense_form v2"
    # The diagram editor offers the deployed forms to link from a user task.
    assert '<option value="expense_form">' in anna.text("/ui/editor")


def test_the_form_editor_names_what_it_refuses_and_keeps_the_pages_rules(app, api):
    anna = Pages(app, api.as_user("anna", "analyst").token)
    anna.get("/ui/forms/editor")
    r = _post(anna, "/ui/forms/editor/deploy", {"note": "x"})
    assert r.status_code == 400 and r.get_json()["errors"][0]["field"] == "schema"
    r = _post(anna, "/ui/forms/editor/validate", {"schema": {"id": "", "components": []}})
    assert r.status_code == 200 and r.get_json()["valid"] is False
    assert "no `id`" in r.get_json()["errors"][0]["message"]
    r = _post(anna, "/ui/forms/editor/deploy", {"schema": {"id": "x", "components": "none"}})
    assert r.status_code == 422 and "components" in r.get_json()["errors"][0]["message"]
    assert api.get("/api/forms").get_json()["items"] == []
    assert _post(anna, "/ui/forms/editor/deploy", {"schema": SCHEMA}, csrf=False).status_code == 403
    assert anna.get("/ui/forms/editor?key=nope").status_code == 404
    olga = Pages(app, api.as_user("olga", "operator").token)
    assert olga.get("/ui/forms/editor").status_code == 403
    assert _post(olga, "/ui/forms/editor/deploy", {"schema": SCHEMA}).status_code == 403


def test_with_deployment_approval_on_a_form_is_proposed(app, api):
    app.config["DEPLOY_APPROVAL"] = True
    anna = Pages(app, api.as_user("anna", "analyst").token)
    anna.get("/ui/forms/editor")
    r = _post(anna, "/ui/forms/editor/deploy", {"schema": SCHEMA, "note": "please"})
    assert r.status_code == 200 and r.get_json()["proposed"] and r.get_json()["created"] is False
    assert api.get("/api/forms").get_json()["items"] == []
    [proposal] = api.get("/api/deployments", query_string={"status": "proposed"}).get_json()["items"]
    assert proposal["created_by"] == "anna" and proposal["note"] == "please"


def _task_page(app: Any, api: Any) -> tuple[Pages, str, str]:
    r = api.client.post("/api/deployments", headers=api._headers(), content_type="multipart/form-data", data={
        "file": [(io.BytesIO(json.dumps(SCHEMA).encode()), "expense.form"),
                 (io.BytesIO(diagram("cf_web", LINKED)), "expense.bpmn")]})
    assert r.status_code == 201, r.get_json()
    instance = api.start("cf_web", {"amount": 12})
    [task] = instance["tasks"]
    olga = Pages(app, api.as_user("olga", "operator", ["clerks"]).token)
    olga.get(f"/ui/tasks/{task['id']}")
    assert olga.post(f"/ui/tasks/{task['id']}/claim").status_code == 303
    return olga, task["id"], instance["id"]


def test_the_task_page_renders_a_camunda_form_with_the_viewer_and_completes_through_it(app, api):
    olga, task_id, instance_id = _task_page(app, api)
    page = olga.text(f"/ui/tasks/{task_id}")
    assert "form-viewer.min.js" in page and "task_form.js" in page and "form-js.css" in page
    viewer = json.loads(re.search(r'id="form-js-data">(.*?)</script>', page, re.S).group(1))
    assert viewer["schema"]["id"] == "expense_form" and viewer["data"]["amount"] == 12
    assert 'id="f-amount"' in page  # the server-rendered inputs stay, for a browser without JavaScript
    # What the viewer posts is validated on the server against the schema: the API's messages, named.
    r = olga.post(f"/ui/tasks/{task_id}/complete", {"form_js": json.dumps({"amount": 0, "decision": "maybe"})})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'id="form-errors"' in page and "Amount" in page and "Decision" in page
    kept = json.loads(re.search(r'id="form-js-data">(.*?)</script>', page, re.S).group(1))
    assert kept["data"]["amount"] == 0 and kept["data"]["decision"] == "maybe"  # what was typed is kept
    # A read-only field and keys the form does not have are not taken; an empty value is left out.
    r = olga.post(f"/ui/tasks/{task_id}/complete", {"form_js": json.dumps(
        {"amount": 250, "decision": "approve", "note": "forged", "other": 1, "empty": ""}), "task_comment": "ok"})
    assert r.status_code == 303, r.get_data(as_text=True)[:500]
    variables = api.get(f"/api/process-instances/{instance_id}").get_json()["variables"]
    assert variables == {"amount": 250, "decision": "approve"}


def test_without_javascript_the_server_rendered_inputs_complete_the_same_form(app, api):
    olga, task_id, instance_id = _task_page(app, api)
    r = olga.post(f"/ui/tasks/{task_id}/complete", {"amount": "250", "decision": "reject"})
    assert r.status_code == 303, r.get_data(as_text=True)[:500]
    assert api.get(f"/api/process-instances/{instance_id}").get_json()["variables"] == {
        "amount": 250, "decision": "reject"}


def test_viewer_data_that_is_not_a_json_object_is_a_named_422(app, api):
    olga, task_id, _ = _task_page(app, api)
    r = olga.post(f"/ui/tasks/{task_id}/complete", {"form_js": "[1, 2]"})
    assert r.status_code == 422 and "must be a JSON object" in r.get_data(as_text=True)
