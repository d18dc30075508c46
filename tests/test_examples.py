"""The example diagrams in processes/ deploy and run as the README describes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

PROCESSES = Path(__file__).resolve().parent.parent / "processes"


@pytest.mark.parametrize("path", sorted(PROCESSES.glob("*.bpmn")), ids=lambda p: p.name)
def test_every_example_deploys(api, path):
    # With the Camunda Forms of the folder: a diagram's formIds must be deployed or in the same deployment.
    files = [(path.read_bytes(), path.name), *((f.read_bytes(), f.name) for f in sorted(PROCESSES.glob("*.form")))]
    r = api.client.post("/api/deployments", data={"file": [(io.BytesIO(d), n) for d, n in files]},
                        headers=api._headers(), content_type="multipart/form-data")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["definitions"]


def test_the_camunda8_linked_forms_example_checks_start_and_completion(api):
    test_every_example_deploys(api, PROCESSES / "camunda8_leave_request.bpmn")
    r = api.post("/api/process-instances", {"process": "camunda8_leave_request", "variables": {"days": 40}})
    assert r.status_code == 422 and {e["field"] for e in r.get_json()["errors"]} == {"employee", "days"}
    inst = api.start("camunda8_leave_request", {"employee": "Ada", "days": 3})
    r = api.post("/v2/jobs/activation", {"type": "leave-balance", "worker": "hr", "timeout": 30000,
                                         "maxJobsToActivate": 1})
    [job] = r.get_json()["jobs"]
    assert job["customHeaders"] == {"system": "hr"} and job["variables"]["person"] == "Ada"
    assert api.post(f"/v2/jobs/{job['jobKey']}/completion", {"variables": {"remaining": 12}}).status_code == 204
    [task] = api.instance(inst["id"])["tasks"]
    assert task["candidate_groups"] == ["managers"] and task["form"]["form_id"] == "leave-approval"
    r = api.post(f"/api/tasks/{task['id']}/complete", {"variables": {"decision": "maybe"}})
    assert r.status_code == 422 and [e["field"] for e in r.get_json()["errors"]] == ["decision"]
    r = api.post(f"/api/tasks/{task['id']}/complete", {"variables": {"decision": "approved"}})
    assert r.status_code == 200
    done = api.instance(inst["id"])
    assert done["status"] == "completed" and done["variables"]["remaining"] == 12


def _deploy_order(api):
    api.deploy((PROCESSES / "order_fulfilment.bpmn").read_bytes())
    inst = api.start("order_fulfilment", {"total": 120}, business_key="ORD-1")
    assert inst["tasks"] == []  # the charge waits for a payment worker, not a person
    r = api.post("/api/external-tasks/fetch-and-lock",
                 {"worker_id": "payments", "topics": [{"name": "payment", "lock_duration_ms": 30000}],
                  "max_tasks": 1})
    [task] = r.get_json()["items"]
    assert task["instance_id"] == inst["id"] and task["business_key"] == "ORD-1"
    return inst, task


def test_order_is_charged_then_waits_for_the_shipment_message(api):
    inst, task = _deploy_order(api)
    r = api.post(f"/api/external-tasks/{task['id']}/complete",
                 {"worker_id": "payments", "variables": {"payment_id": "P-9"}})
    assert r.status_code in (200, 204)
    waiting = api.instance(inst["id"])["waiting"]
    assert [(w["type"], w.get("name")) for w in waiting] == [("message", "shipment-confirmed")]
    r = api.post("/api/messages", {"name": "shipment-confirmed", "business_key": "ORD-1",
                                   "variables": {"carrier": "DHL"}})
    assert r.status_code == 200 and r.get_json()["instance_id"] == inst["id"]
    done = api.instance(inst["id"])
    assert done["status"] == "completed"
    assert done["variables"]["order_status"] == "fulfilled" and done["variables"]["carrier"] == "DHL"


def test_a_declined_payment_goes_to_sales(api):
    inst, task = _deploy_order(api)
    r = api.post(f"/api/external-tasks/{task['id']}/bpmn-error",
                 {"worker_id": "payments", "code": "payment-declined", "message": "card expired"})
    assert r.status_code in (200, 204)
    now = api.instance(inst["id"])
    assert [(t["activity"], t["candidate_groups"]) for t in now["tasks"]] == [("Task_contact", ["sales"])]
    assert api.complete(now["tasks"][0]["id"])["status"] == "completed"


def test_camunda8_example_runs_a_job_and_its_camunda_form(api):
    api.deploy((PROCESSES / "camunda8_account_opening.bpmn").read_bytes())
    inst = api.start("camunda8_account_opening", {"applicant": "Ada"})
    r = api.post("/v2/jobs/activation", {"type": "credit-score", "worker": "bureau", "timeout": 30000,
                                         "maxJobsToActivate": 1})
    [job] = r.get_json()["jobs"]
    assert job["customHeaders"] == {"bureau": "example-bureau"} and job["variables"]["person"] == "Ada"
    assert api.post(f"/v2/jobs/{job['jobKey']}/completion", {"variables": {"score": 640}}).status_code == 204
    [task] = api.instance(inst["id"])["tasks"]
    assert task["candidate_groups"] == ["clerks"] and task["form"]["schema"]["id"] == "account-review"
    assert task["due_at"]
    r = api.post(f"/api/tasks/{task['id']}/complete", {"variables": {"limit": 20000, "decision": "maybe"}})
    assert r.status_code == 422 and {e["field"] for e in r.get_json()["errors"]} == {"limit", "decision"}
    r = api.post(f"/api/tasks/{task['id']}/complete", {"variables": {"limit": 500, "decision": "open"}})
    assert r.status_code == 200
    assert api.instance(inst["id"])["status"] == "completed"
