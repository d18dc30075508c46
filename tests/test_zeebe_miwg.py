"""The MIWG Camunda 8 exports (C.9.x, `modeler:executionPlatform="Camunda Cloud"`) deploy and run their paths:
FEEL conditions, jobs as external tasks, io mappings, a called decision, call activities, message end events
done by workers, user tasks with Zeebe assignment and an embedded Camunda Form."""

from __future__ import annotations

import pytest

from tests.conftest import corpus_dir
from tests.dmn.build import table
from tests.test_decisions import deploy

MIWG = corpus_dir() / "miwg"
# risk_check as C.9.0 expects it: a list of {risk, riskLevel} (COLLECT), by credit score.
RISK = table("risk_check", [("Score", "score")], [("risk", "string"), ("riskLevel", "string")],
             [["< 50", '"low score"', '"red"'], ["[50..70)", '"medium score"', '"yellow"'],
              [">= 70", '"none"', '"green"']], "COLLECT")


@pytest.fixture
def onboarding(api):
    if not (MIWG / "C.9.0.bpmn").exists():
        pytest.skip(f"the MIWG corpus is not at {MIWG}")
    deploy(api, ("risk_check.dmn", RISK))
    for name in ("C.9.1.bpmn", "C.9.2.bpmn", "C.9.0.bpmn"):  # the callees first
        deploy(api, (name, (MIWG / name).read_bytes()))
    return api


def _fetch(api, topic, worker="w"):
    r = api.post("/api/external-tasks/fetch-and-lock",
                 {"worker_id": worker, "topics": [{"name": topic, "lock_duration_ms": 60000}], "max_tasks": 5})
    assert r.status_code == 200, r.get_json()
    return r.get_json()["items"]


def _complete(api, task, variables=None, worker="w"):
    r = api.post(f"/api/external-tasks/{task['id']}/complete", {"worker_id": worker, "variables": variables or {}})
    assert r.status_code == 200, r.get_json()


def _start(api, score_applicant):
    r = api.post("/api/process-instances", {"process": "customer_onboarding_en", "variables": {
        "applicant": score_applicant, "applicationNumber": "A-1", "product": "car", "corporation": "ACME"}})
    assert r.status_code == 201, r.get_json()
    inst = r.get_json()
    assert isinstance(inst["variables"]["documentReferenceId"], str)  # the start event's output mapping (FEEL)
    return inst


def _score(api, inst, score):
    [job] = _fetch(api, "calculateScore")
    assert job["instance_id"] == inst["id"] and job["activity"] == "ServiceTask_GetCreditScore"
    assert job["headers"] == {} and job["job_retries"] == 3
    _complete(api, job, {"score": score})


def test_green_path_issues_the_policy_and_mails_with_mapped_inputs(onboarding):
    api = onboarding
    inst = _start(api, {"name": "Ada", "email": "ada@example.com", "age": 30})
    _score(api, inst, 90)
    now = api.instance(inst["id"])
    # The decision's result went through the output mappings only (`result` stays local, as in Zeebe).
    assert now["variables"]["riskLevels"] == ["green"] and now["variables"]["risks"] == ["none"]
    assert "result" not in now["variables"]
    [issue] = _fetch(api, "issuePolicy")
    _complete(api, issue)
    [mail] = _fetch(api, "io.camunda:sendgrid:1")
    assert mail["activity"] == "SendTask_SendPolicy"
    variables = mail["variables"]
    assert variables["to"] == {"email": "ada@example.com", "name": "Ada"}  # dotted targets build a context
    assert variables["from"] == {"email": "demo@camunda.com", "name": "ACME"}  # static and FEEL sources
    assert variables["template"]["id"] == "d-0d0120b0c7f148ef8a1c262f2cf07092"
    assert variables["template"]["data"] == {"name": "Ada", "applicationNumber": "A-1", "product": "car"}
    assert variables["apiKey"] == "secrets.SENDGRID_DEMO"
    _complete(api, mail, {"mailId": "m-1"})
    done = api.instance(inst["id"])
    assert done["status"] == "completed"
    assert "to" not in done["variables"] and "apiKey" not in done["variables"]  # inputs are local
    assert done["variables"]["mailId"] == "m-1"  # no output mappings: the job's variables are merged


def test_red_path_rejects(onboarding):
    api = onboarding
    inst = _start(api, {"name": "Bob", "email": "bob@example.com", "age": 40})
    _score(api, inst, 10)
    [reject] = _fetch(api, "rejectPolicy")
    _complete(api, reject)
    [mail] = _fetch(api, "io.camunda:sendgrid:1")
    assert mail["activity"] == "SendTask_SendRejection"
    _complete(api, mail)
    assert api.instance(inst["id"])["status"] == "completed"


def test_yellow_path_calls_the_manual_check_with_its_camunda_form(onboarding):
    api = onboarding
    inst = _start(api, {"name": "Cy", "email": "cy@example.com", "age": 51})
    _score(api, inst, 60)
    clerk = api.as_user("carla", "operator", ["clerks"])
    [task] = clerk.get("/api/tasks?status=open").get_json()["items"]
    assert task["activity"] == "UserTask_DecideOnApplication" and task["candidate_groups"] == ["clerks"]
    form = task["form"]  # the embedded Camunda Form: its schema, and the fields checked on completion
    assert form["schema"]["id"] == "Form_0840o2b"
    assert [(f["id"], f["type"]) for f in form["fields"]][2:4] == [("age", "number"), ("employment", "string")]
    waiting = api.instance(inst["id"])["variables"]  # the user task's input mappings, FEEL
    assert waiting["risksText"] == "medium score" and waiting["age"] == 51 and waiting["applicantName"] == "Cy"
    r = clerk.post(f"/api/tasks/{task['id']}/claim")
    assert r.status_code == 200, r.get_json()
    r = clerk.post(f"/api/tasks/{task['id']}/complete", {"variables": {"approved": "yes", "age": "51"}})
    assert r.status_code == 422
    assert {e["field"] for e in r.get_json()["errors"]} == {"approved", "age"}
    r = clerk.post(f"/api/tasks/{task['id']}/complete", {"variables": {"approved": True}})
    assert r.status_code == 200, r.get_json()
    events = [(e["type"], e.get("activity")) for e in api.history(inst["id"])]
    assert ("activity.completed", "EndEvent_ManuallyDecided") in events


def test_cancellation_message_runs_the_message_end_events_as_jobs(onboarding):
    api = onboarding
    inst = _start(api, {"name": "Di", "email": "di@example.com", "age": 22})
    # The message's zeebe:subscription correlationKey is the constant "=01": Camunda 8 clients send "1".
    r = api.post("/v2/messages/correlation", {"name": "Message_CancellationRequested", "correlationKey": "2"})
    assert r.status_code == 404, r.get_json()
    r = api.post("/v2/messages/correlation", {"name": "Message_CancellationRequested", "correlationKey": "1"})
    assert r.status_code == 200, r.get_json()
    [cancel] = _fetch(api, "cancelApplication")
    _complete(api, cancel)
    customer, operations = _fetch(api, "informCustomerSuccessfulCancelation"), \
        _fetch(api, "informOperationsSuccessfulCancelation")
    assert [customer[0]["activity"], operations[0]["activity"]] == ["EndMessageEvent_InformCustomer",
                                                                     "EndMessageEvent_InformOperations"]
    _complete(api, customer[0])
    _complete(api, operations[0])
    done = api.instance(inst["id"])
    assert done["status"] == "completed"
    activities = {e.get("activity") for e in api.history(inst["id"])}
    assert "EndMessageEvent_InformCustomer" in activities
