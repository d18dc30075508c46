"""The editor pages' JSON actions through Flask's test client: the same problems as a deploy, a deploy
with its note, the CSRF token and the roles of the other pages, bad input named.
(tests/test_web_editor.py drives the same pages in Chromium.)"""

from __future__ import annotations

import io
from typing import Any

import pytest

from tests.client import DIAGRAMS
from tests.conftest import ROOT
from tests.test_web import Pages

APPROVAL = (DIAGRAMS / "core_approval.bpmn").read_text()
BAD_SCRIPT = (DIAGRAMS / "core_bad_script.bpmn").read_text()


def _post(pages: Pages, url: str, body: dict[str, Any], csrf: bool = True) -> Any:
    return pages.client.post(url, json=body, headers={"X-CSRF-Token": pages.csrf} if csrf else {})


def test_validate_and_deploy_from_the_editor(app, api):
    anna = api.as_user("anna", "analyst")
    pages = Pages(app, anna.token)
    page = pages.text("/ui/editor")
    assert "bpmn-modeler.min.js" in page and "dmn-modeler" not in page
    assert "bpmn-modeler.min.js" not in pages.text("/ui/processes")  # only the editor loads it
    r = _post(pages, "/ui/editor/validate", {"xml": BAD_SCRIPT, "filename": "bad.bpmn"})
    assert r.status_code == 200
    refused = api.deploy(BAD_SCRIPT.encode(), expect=422)
    assert r.get_json()["valid"] is False and r.get_json()["errors"] == refused["errors"]
    r = _post(pages, "/ui/editor/deploy", {"xml": BAD_SCRIPT, "filename": "bad.bpmn", "note": "try"})
    assert r.status_code == 422 and [e["element"] for e in r.get_json()["errors"]] == ["Activity_broken_1",
                                                                                     "Activity_broken_2"]
    assert api.get("/api/process-definitions").get_json()["items"] == []
    r = _post(pages, "/ui/editor/deploy", {"xml": APPROVAL, "filename": "approval", "note": "from the editor"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"created": True, "deployed": "core_approval v1", "location": "/ui/processes/core_approval"}
    deployment = api.get("/api/process-definitions").get_json()["items"][0]
    assert deployment["version"] == 1
    events = api.get("/api/history/events", query_string={"type": "deployment.created"}).get_json()["items"]
    assert [e["data"]["note"] for e in events] == ["from the editor"] and events[0]["actor"] == "anna"
    page = pages.text("/ui/processes/core_approval")
    assert f"/ui/editor?definition={deployment['id']}" in page
    assert "core_approval" in pages.text(f"/ui/editor?definition={deployment['id']}")


def test_the_editor_keeps_the_pages_rules(app, api):
    anna = Pages(app, api.as_user("anna", "analyst").token)
    anna.get("/ui/editor")
    r = _post(anna, "/ui/editor/deploy", {"xml": APPROVAL}, csrf=False)
    assert r.status_code == 403
    r = _post(anna, "/ui/editor/validate", {"filename": "x.bpmn"})
    assert r.status_code == 400 and r.get_json()["errors"] == [{"field": "xml", "message": "required"}]
    assert anna.get("/ui/editor?definition=nope").status_code == 404
    olga = Pages(app, api.as_user("olga", "operator").token)
    assert olga.get("/ui/editor").status_code == 403
    assert olga.get("/ui/decisions/editor").status_code == 403
    assert _post(olga, "/ui/editor/deploy", {"xml": APPROVAL}).status_code == 403
    assert "/ui/editor" not in olga.text("/ui/processes")
    assert api.get("/api/process-definitions").get_json()["items"] == []


def test_decision_table_editor_deploys_a_dmn_and_evaluates_it(app, api):
    anna = Pages(app, api.as_user("anna", "analyst").token)
    page = anna.text("/ui/decisions/editor")
    assert "dmn-modeler.production.min.js" in page and "bpmn-modeler.min.js" not in page
    dmn = (ROOT / "processes" / "loan_policy.dmn").read_text()
    r = _post(anna, "/ui/editor/validate", {"xml": dmn, "filename": "loan_policy.dmn"})
    assert r.get_json()["valid"] is True and r.get_json()["decisions"] == [{"key": "loan_policy", "version": 1}]
    r = _post(anna, "/ui/editor/deploy", {"xml": dmn, "filename": "loan_policy.dmn", "note": "policy"})
    assert r.status_code == 200 and r.get_json()["deployed"] == "loan_policy v1"
    assert r.get_json()["location"].startswith("/ui/decisions/editor?definition=")
    assert "Evaluate v1" in anna.text(r.get_json()["location"])
    sample = '{"credit_score": 700, "amount": 60000, "monthly_income": 4000}'
    r = _post(anna, "/ui/decisions/loan_policy/evaluate", {"variables": sample, "version": 1})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["matched_rules"] == ["Rule_too_large"] and r.get_json()["result"][0]["decision"] == "decline"
    r = _post(anna, "/ui/decisions/loan_policy/evaluate", {"variables": "[1]"})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "variables"
    r = _post(anna, "/ui/decisions/loan_policy/evaluate", {"variables": "{}", "version": "two"})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "version"


@pytest.mark.parametrize("via", ["editor", "upload page"])
def test_with_deployment_approval_on_the_pages_propose_too(app, app_config, api, via):
    """Four eyes (issue 20) hold for the web pages as for the API: an analyst's deploy is a proposal."""
    app.config["DEPLOY_APPROVAL"] = True
    anna = Pages(app, api.as_user("anna", "analyst").token)
    if via == "editor":
        anna.get("/ui/editor")
        r = _post(anna, "/ui/editor/deploy", {"xml": APPROVAL, "filename": "approval", "note": "please"})
        assert r.status_code == 200 and r.get_json()["proposed"] and r.get_json()["created"] is False
    else:
        anna.get("/ui/deploy")
        r = anna.post("/ui/deploy", {"note": "please", "file": (io.BytesIO(APPROVAL.encode()), "approval.bpmn")},
                      content_type="multipart/form-data")
        assert r.status_code == 303
    assert "Proposed" in anna.text("/ui/processes")
    assert api.get("/api/process-definitions").get_json()["items"] == []
    [proposal] = api.get("/api/deployments", query_string={"status": "proposed"}).get_json()["items"]
    assert proposal["created_by"] == "anna" and proposal["note"] == "please"
