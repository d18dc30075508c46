"""POST /api/deployments/validate: the problems a deploy would refuse files for, with nothing deployed."""

from __future__ import annotations

import io

from tests.client import DIAGRAMS
from tests.conftest import ROOT

APPROVAL = (DIAGRAMS / "core_approval.bpmn").read_bytes()
BAD_SCRIPT = (DIAGRAMS / "core_bad_script.bpmn").read_bytes()
LOAN_POLICY = ROOT / "processes" / "loan_policy.dmn"


def _validate(api, *files: tuple[bytes, str]):
    return api.client.post("/api/deployments/validate", headers={"Authorization": f"Bearer {api.token}"},
                           content_type="multipart/form-data",
                           data={"file": [(io.BytesIO(data), name) for data, name in files]})


def _nothing_deployed(api) -> None:
    assert api.get("/api/process-definitions").get_json()["items"] == []
    assert api.get("/api/history/events", query_string={"type": "deployment.created"}).get_json()["items"] == []


def test_a_refused_file_gets_the_same_problems_as_its_deploy_and_nothing_is_stored(api):
    r = _validate(api, (BAD_SCRIPT, "bad.bpmn"))
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["valid"] is False
    _nothing_deployed(api)
    refused = api.deploy(BAD_SCRIPT, expect=422)
    assert body["errors"] == refused["errors"]
    assert [e["element"] for e in body["errors"]] == ["Activity_broken_1", "Activity_broken_2"]
    assert body["detail"] == refused["detail"] and body["processes"] == []


def test_a_good_file_is_valid_and_says_which_version_a_deploy_would_make(api):
    body = _validate(api, (APPROVAL, "approval.bpmn")).get_json()
    assert body == {"valid": True, "title": None, "detail": None, "errors": [],
                    "processes": [{"key": "core_approval", "version": 1, "new": True}], "decisions": [], "notes": []}
    _nothing_deployed(api)
    api.deploy(APPROVAL)
    same = _validate(api, (APPROVAL, "approval.bpmn")).get_json()
    assert same["valid"] and same["processes"] == [{"key": "core_approval", "version": 1, "new": False}]
    changed = APPROVAL.replace(b'name="Approval"', b'name="Approval rev 2"')
    body = _validate(api, (changed, "approval.bpmn")).get_json()
    assert body["processes"] == [{"key": "core_approval", "version": 2, "new": True}]
    versions = api.get("/api/process-definitions", query_string={"key": "core_approval"}).get_json()["items"]
    assert [d["version"] for d in versions] == [1]


def test_malformed_xml_and_decisions_are_checked_too(api):
    body = _validate(api, (b"<bpmn:definitions", "broken.bpmn")).get_json()
    assert body["valid"] is False and body["title"] == "Malformed BPMN XML"
    body = _validate(api, (LOAN_POLICY.read_bytes(), "loan_policy.dmn")).get_json()
    assert body["valid"] is True and body["decisions"] and body["decisions"][0]["version"] == 1
    assert api.get("/api/decision-definitions").get_json()["items"] == []


def test_validating_needs_the_deploy_permission_and_a_file(api):
    olga = api.as_user("olga", "operator")
    r = _validate(olga, (APPROVAL, "approval.bpmn"))
    assert r.status_code == 403
    r = api.client.post("/api/deployments/validate", headers={"Authorization": f"Bearer {api.token}"},
                        content_type="multipart/form-data", data={"note": "no file"})
    assert r.status_code == 400 and r.get_json()["errors"] == [{"field": "file", "message": "required"}]
    r = api.client.post("/api/deployments/validate", headers={"Authorization": f"Bearer {api.token}",
                                                               "Content-Type": "application/xml"}, data=APPROVAL)
    assert r.status_code == 200 and r.get_json()["valid"] is True
    _nothing_deployed(api)
