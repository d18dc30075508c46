"""BPMN errors and escalations reported on a user task (issue 15): `POST /api/tasks/{id}/bpmn-error` and
`/bpmn-escalation`, and Camunda's `/task/{id}/bpmnError` and `/bpmnEscalation`."""

from __future__ import annotations

from tests.test_camunda_deploy import Camunda


def _acts(inst):
    return sorted(t["activity"] for t in inst["tasks"])


def _history(api, instance_id):
    return api.get(f"/api/process-instances/{instance_id}/history").get_json()["items"]


def _task(inst, activity):
    return next(t for t in inst["tasks"] if t["activity"] == activity)


def test_an_error_is_caught_by_the_boundary_event_of_the_task(api):
    api.deploy("juel_task_errors.bpmn")
    rita = api.as_user("rita", "operator", ["reviewers"])
    inst = api.start("juel_task_err", {"amount": 5})
    task = _task(inst, "review")
    r = rita.post(f"/api/tasks/{task['id']}/bpmn-error",
                  {"error_code": "REJECTED", "error_message": "receipt missing", "variables": {"reason": "receipt"}})
    assert r.status_code == 200, r.get_json()
    inst = r.get_json()
    assert inst["status"] == "running" and _acts(inst) == ["fix"]
    assert inst["variables"]["reason"] == "receipt"
    closed = api.get(f"/api/tasks/{task['id']}").get_json()
    assert closed["status"] == "cancelled" and closed["completed_by"] == "rita"
    events = _history(api, inst["id"])
    reported = [e for e in events if e["type"] == "task.bpmn_error"]
    assert len(reported) == 1 and reported[0]["actor"] == "rita" and reported[0]["task_id"] == task["id"]
    assert reported[0]["data"] == {"error_code": "REJECTED", "error_message": "receipt missing",
                                   "variables": {"reason": "receipt"}, "caught": True}
    types = [e["type"] for e in events]
    assert types.index("task.bpmn_error") < types.index("task.cancelled")


def test_escalations_non_interrupting_then_interrupting(api):
    api.deploy("juel_task_errors.bpmn")
    inst = api.start("juel_task_err")
    review = _task(inst, "review")
    r = api.post(f"/api/tasks/{review['id']}/bpmn-escalation", {"escalation_code": "HELP"})
    assert r.status_code == 200, r.get_json()
    assert _acts(r.get_json()) == ["help", "review"]  # the review stays open
    r = api.post(f"/api/tasks/{review['id']}/bpmn-escalation", {"escalation_code": "STOP"})
    assert _acts(r.get_json()) == ["help"]
    assert api.get(f"/api/tasks/{review['id']}").get_json()["status"] == "cancelled"


def test_an_uncaught_escalation_changes_nothing(api):
    api.deploy("juel_task_errors.bpmn")
    inst = api.start("juel_task_err")
    r = api.post(f"/api/tasks/{inst['tasks'][0]['id']}/bpmn-escalation", {"escalation_code": "NOBODY"})
    assert r.status_code == 409 and "NOBODY" in r.get_json()["detail"]
    assert api.instance(inst["id"])["status"] == "running"
    assert api.get(f"/api/tasks/{inst['tasks'][0]['id']}").get_json()["status"] == "open"


def test_an_error_is_caught_by_an_enclosing_subprocess(api):
    api.deploy("juel_task_errors.bpmn")
    inst = api.start("juel_task_err_scope")
    r = api.post(f"/api/tasks/{inst['tasks'][0]['id']}/bpmn-error", {"error_code": "ANY"})
    assert r.status_code == 200 and _acts(r.get_json()) == ["handle_scope"]


def test_an_error_is_caught_by_an_event_subprocess(api):
    api.deploy("juel_task_errors.bpmn")
    inst = api.start("juel_task_err_esp")
    assert _acts(inst) == ["check"]  # the handler waits for its error, it does not run at the start
    r = api.post(f"/api/tasks/{inst['tasks'][0]['id']}/bpmn-error", {"error_code": "BAD"})
    assert r.status_code == 200 and _acts(r.get_json()) == ["handle_bad"]
    inst = api.complete(r.get_json()["tasks"][0]["id"])
    assert inst["status"] == "completed"


def test_an_uncaught_error_is_an_incident_and_a_retry_opens_the_task_again(api):
    api.deploy("juel_task_errors.bpmn")
    inst = api.start("juel_task_err")
    task = inst["tasks"][0]
    r = api.post(f"/api/tasks/{task['id']}/bpmn-error", {"error_code": "UNKNOWN", "error_message": "odd"})
    assert r.status_code == 200, r.get_json()
    inst = r.get_json()
    assert inst["status"] == "failed" and inst["tasks"] == []
    incident = inst["incidents"][0]
    assert incident["activity"] == "review" and incident["type"] == "bpmn-error"
    assert "UNKNOWN" in incident["message"] and "odd" in incident["message"]
    assert api.get(f"/api/tasks/{task['id']}").get_json()["status"] == "cancelled"
    data = [e["data"] for e in _history(api, inst["id"]) if e["type"] == "task.bpmn_error"]
    assert data == [{"error_code": "UNKNOWN", "error_message": "odd", "variables": {}, "caught": False}]
    r = api.post(f"/api/process-instances/{inst['id']}/retry", {"reason": "try again"})
    assert r.status_code == 200, r.get_json()
    inst = api.instance(inst["id"])
    assert inst["status"] == "running" and [t["id"] for t in inst["tasks"]] == [task["id"]]
    assert api.complete(task["id"])["status"] == "completed"


def test_who_may_report(api):
    api.deploy("juel_task_errors.bpmn")
    inst = api.start("juel_task_err")
    task = inst["tasks"][0]
    outsider = api.as_user("otto", "operator", ["sales"])
    assert outsider.post(f"/api/tasks/{task['id']}/bpmn-error", {"error_code": "REJECTED"}).status_code == 403
    auditor = api.as_user("aud", "auditor")
    assert auditor.post(f"/api/tasks/{task['id']}/bpmn-error", {"error_code": "REJECTED"}).status_code == 403
    rita = api.as_user("rita", "operator", ["reviewers"])
    rosa = api.as_user("rosa", "operator", ["reviewers"])
    assert rita.post(f"/api/tasks/{task['id']}/claim").status_code == 200
    assert rosa.post(f"/api/tasks/{task['id']}/bpmn-error", {"error_code": "REJECTED"}).status_code == 409
    r = api.post(f"/api/tasks/{task['id']}/bpmn-error", {"error_code": ""})
    assert r.status_code == 400 and r.get_json()["errors"][0]["field"] == "error_code"
    assert rita.post(f"/api/tasks/{task['id']}/bpmn-error", {"error_code": "REJECTED"}).status_code == 200
    assert rita.post(f"/api/tasks/{task['id']}/bpmn-error", {"error_code": "REJECTED"}).status_code == 409
    assert api.post("/api/tasks/nope/bpmn-error", {"error_code": "X"}).status_code == 404


def test_the_camunda_layer_reports_errors_and_escalations(api):
    api.deploy("juel_task_errors.bpmn")
    camunda = Camunda(api)
    inst = api.start("juel_task_err")
    review = inst["tasks"][0]["id"]
    r = camunda.post(f"/task/{review}/bpmnEscalation",
                     {"escalationCode": "HELP", "variables": {"who": {"value": "ann", "type": "String"}}})
    assert r.status_code == 204, r.get_json()
    r = camunda.post(f"/task/{review}/bpmnError", {"errorCode": "REJECTED", "errorMessage": "no",
                                                    "variables": {"n": {"value": 3, "type": "Integer"}}})
    assert r.status_code == 204, r.get_json()
    inst = api.instance(inst["id"])
    assert _acts(inst) == ["fix", "help"] and inst["variables"]["who"] == "ann" and inst["variables"]["n"] == 3
    assert camunda.post("/task/nope/bpmnError", {"errorCode": "X"}).status_code == 404
