"""Four-eyes deployment approval and the diff of two versions."""

from __future__ import annotations

import io

import pytest

from tests.client import DIAGRAMS

PARALLEL = (DIAGRAMS / "core_parallel_tasks.bpmn").read_text()


@pytest.fixture
def app_config(app_config):
    return {**app_config, "DEPLOY_APPROVAL": True}


def _upload(client, xml: str, name: str = "core_parallel_tasks.bpmn", note: str = "why"):
    form = {"file": [(io.BytesIO(xml.encode()), name)], "note": note}
    return client.client.post("/api/deployments", data=form, content_type="multipart/form-data",
                              headers={"Authorization": f"Bearer {client.token}"})


def test_a_proposal_starts_nothing_and_needs_another_person(api):
    anna = api.as_user("anna", "analyst")
    paul = api.as_user("paul", "approver")
    r = _upload(anna, PARALLEL, note="first version")
    assert r.status_code == 202, r.get_json()
    proposal = r.get_json()
    assert proposal["status"] == "proposed" and proposal["definitions"] == [] and proposal["note"] == "first version"

    r = anna.post("/api/process-instances", {"process": "core_parallel_tasks"})
    assert r.status_code == 422
    listed = api.get("/api/deployments", query_string={"status": "proposed"}).get_json()["items"]
    assert [d["id"] for d in listed] == [proposal["id"]]
    assert api.get("/api/process-definitions", query_string={"key": "core_parallel_tasks"}).get_json()["items"] == []

    # Never the proposer; an analyst may not approve at all; an approver other than the proposer may.
    assert anna.post(f"/api/deployments/{proposal['id']}/approve").status_code == 403
    assert api.as_user("bob", "analyst").post(f"/api/deployments/{proposal['id']}/approve").status_code == 403
    r = paul.post(f"/api/deployments/{proposal['id']}/approve", {"comment": "looks right"})
    assert r.status_code == 200, r.get_json()
    approved = r.get_json()
    assert approved["status"] == "approved" and approved["decided_by"] == "paul"
    assert [(d["key"], d["version"], d["deployment_id"]) for d in approved["definitions"]] == [
        ("core_parallel_tasks", 1, proposal["id"])]
    assert anna.start("core_parallel_tasks")["status"] == "running"
    assert paul.post(f"/api/deployments/{proposal['id']}/approve").status_code == 409

    # An admin deploys directly; an admin's own proposal does not exist.
    direct = api.deploy("gov_review.bpmn")
    assert direct["status"] == "approved" and direct["definitions"][0]["version"] == 1

    events = api.get("/api/history/events", query_string={"limit": 500}).get_json()["items"]
    types = [(e["type"], e["actor"]) for e in events if e["type"].startswith("deployment.")]
    assert ("deployment.proposed", "anna") in types and ("deployment.approved", "paul") in types
    [approved_event] = [e for e in events if e["type"] == "deployment.approved"]
    assert approved_event["data"]["comment"] == "looks right" and approved_event["data"]["proposed_by"] == "anna"


def test_a_rejected_proposal_never_becomes_live(api):
    anna = api.as_user("anna", "analyst")
    proposal = _upload(anna, PARALLEL).get_json()
    r = api.post(f"/api/deployments/{proposal['id']}/reject", {"reason": ""})
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "reason"
    r = api.post(f"/api/deployments/{proposal['id']}/reject", {"reason": "the finance branch is missing a check"})
    assert r.status_code == 200 and r.get_json()["status"] == "rejected"
    assert api.post(f"/api/deployments/{proposal['id']}/approve").status_code == 409
    assert anna.post("/api/process-instances", {"process": "core_parallel_tasks"}).status_code == 422
    [event] = [e for e in api.get("/api/history/events", query_string={"type": "deployment.rejected"})
               .get_json()["items"]]
    assert event["data"]["reason"] == "the finance branch is missing a check" and event["actor"] == "admin"
    assert api.get("/api/deployments/nope").status_code == 404
    assert api.get("/api/deployments", query_string={"status": "odd"}).status_code == 422
    # A broken file is refused at once, as a deployment would be.
    assert _upload(anna, PARALLEL.replace('sourceRef="Gateway_join"', 'sourceRef="nowhere"')).status_code == 422


def test_the_diff_lists_exactly_the_changed_elements(api):
    api.deploy("core_parallel_tasks.bpmn")
    anna = api.as_user("anna", "analyst")
    v2 = (PARALLEL.replace('name="Finance review"', 'name="Finance check"')
          .replace("approved = legal_ok and finance_ok", "approved = legal_ok and finance_ok and True")
          .replace('<dc:Bounds x="500" y="80" width="100" height="80" />',
                   '<dc:Bounds x="510" y="90" width="100" height="80" />'))
    proposal = _upload(anna, v2).get_json()
    found = api.get(f"/api/deployments/{proposal['id']}/diff").get_json()
    [process] = found["processes"]
    assert process["key"] == "core_parallel_tasks" and process["from_version"] == 1
    assert process["added"] == [] and process["removed"] == []
    assert {c["id"]: c["changes"] for c in process["changed"]} == {
        "Activity_finance": ["name"], "Activity_decide": ["scripts"]}
    assert process["layout_changed"] == ["Activity_legal"] and process["layout_only"] is False

    moved_only = PARALLEL.replace('<dc:Bounds x="820" y="80" width="100" height="80" />',
                                  '<dc:Bounds x="830" y="80" width="100" height="80" />')
    layout = _upload(anna, moved_only, note="tidy").get_json()
    [process] = api.get(f"/api/deployments/{layout['id']}/diff").get_json()["processes"]
    assert process["layout_only"] is True and process["layout_changed"] == ["Activity_decide"]

    added = (PARALLEL.replace('<bpmn:endEvent id="Event_end">', '<bpmn:endEvent id="Event_end" name="Done">')
             .replace('camunda:candidateGroups="legal"', 'camunda:candidateGroups="lawyers"'))
    third = _upload(anna, added).get_json()
    assert "id" in third, third
    approved = api.post(f"/api/deployments/{third['id']}/approve").get_json()
    assert approved["definitions"][0]["version"] == 2
    [process] = api.get(f"/api/deployments/{third['id']}/diff").get_json()["processes"]
    assert (process["from_version"], process["to_version"]) == (1, 2)
    assert {c["id"]: c["changes"] for c in process["changed"]} == {
        "Event_end": ["name"], "Activity_legal": ["assignments"]}
