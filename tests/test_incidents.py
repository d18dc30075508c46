"""Incidents and repair: a failing step parks the instance, an analyst fixes the data and retries."""

from __future__ import annotations


def _incidents(api, **params):
    r = api.get("/api/incidents", query_string=params)
    assert r.status_code == 200, r.get_json()
    return r.get_json()["items"]


def test_failing_script_is_repaired_and_retried_to_completion(api):
    api.deploy("ex_script_fail.bpmn")
    inst = api.start("ex_script_fail", {"amount": 10, "count": 0, "customer": "ACME"})
    assert inst["status"] == "failed"
    [incident] = inst["incidents"]
    assert incident["activity"] == "calc"
    assert incident["type"] == "script"
    assert "ZeroDivisionError" in incident["message"]
    assert incident["resolved_at"] is None
    # Nothing is lost: the data up to the failed step is kept, including what the first script made.
    assert inst["variables"] == {"amount": 10, "count": 0, "customer": "ACME", "prepared": True}
    assert [i["id"] for i in _incidents(api, open="true")] == [incident["id"]]

    r = api.patch(f"/api/process-instances/{inst['id']}/variables",
                  {"set": {"count": 4}, "reason": "count was entered as 0 by mistake"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "failed"
    assert r.get_json()["variables"]["count"] == 4

    r = api.post(f"/api/process-instances/{inst['id']}/retry", {"reason": "repaired"})
    assert r.status_code == 200, r.get_json()
    retried = r.get_json()
    assert retried["status"] == "running"
    assert retried["variables"]["ratio"] == 2.5 and retried["variables"]["label"] == "ratio 2.5"
    assert [t["activity"] for t in retried["tasks"]] == ["review"]
    assert retried["incidents"][0]["resolved_at"] is not None
    assert _incidents(api, open="true") == []

    done = api.complete(retried["tasks"][0]["id"], {"approved": True})
    assert done["status"] == "completed"
    assert done["variables"] == {"amount": 10, "count": 4, "customer": "ACME", "prepared": True, "ratio": 2.5,
                                 "label": "ratio 2.5", "approved": True}
    events = api.history(inst["id"])
    types = [e["type"] for e in events]
    for expected in ("instance.failed", "incident.created", "variables.updated", "incident.resolved",
                     "instance.completed"):
        assert expected in types
    updated = next(e for e in events if e["type"] == "variables.updated")
    assert updated["data"]["reason"] == "count was entered as 0 by mistake"
    assert updated["data"]["set"] == {"count": 4}
    # The script before the failure ran once: retry re-runs only the failed step.
    assert [e["activity"] for e in events if e["type"] == "activity.completed"].count("prepare") == 1


def test_missing_variable_fails_again_until_repaired(api):
    api.deploy("ex_script_fail.bpmn")
    inst = api.start("ex_script_fail", {"amount": 10})
    assert inst["status"] == "failed"
    assert "count" in inst["incidents"][0]["message"] and "NameError" in inst["incidents"][0]["message"]

    again = api.post(f"/api/process-instances/{inst['id']}/retry", {"reason": "repaired"}).get_json()
    assert again["status"] == "failed"
    assert [i["resolved_at"] is None for i in again["incidents"]] == [False, True]
    assert len(_incidents(api, open="true")) == 1

    r = api.patch(f"/api/process-instances/{inst['id']}/variables",
                  {"set": {"count": 5}, "unset": ["amount"], "reason": "wrong field"})
    assert r.get_json()["variables"] == {"count": 5, "prepared": True}
    r = api.patch(f"/api/process-instances/{inst['id']}/variables", {"set": {"amount": 20}, "reason": "re-entered"})
    assert r.status_code == 200
    fixed = api.post(f"/api/process-instances/{inst['id']}/retry", {"reason": "repaired"}).get_json()
    assert fixed["status"] == "running"
    assert fixed["variables"]["ratio"] == 4.0
    assert all(i["resolved_at"] for i in fixed["incidents"])


def test_gateway_without_matching_flow_in_a_subprocess(api):
    api.deploy("ex_gateway_fail.bpmn")
    inst = api.start("ex_gateway_fail", {"amount": 50})
    assert inst["status"] == "failed"
    assert inst["incidents"][0]["activity"] == "route"
    assert inst["incidents"][0]["type"] == "gateway"
    api.patch(f"/api/process-instances/{inst['id']}/variables", {"set": {"amount": 500}, "reason": "typo"})
    done = api.post(f"/api/process-instances/{inst['id']}/retry", {"reason": "repaired"}).get_json()
    assert done["status"] == "completed"
    assert done["variables"]["amount"] == 500


def test_incident_names_the_script_line(api):
    api.deploy("ex_script_fail.bpmn")
    inst = api.start("ex_script_fail", {"amount": 10, "count": 0})
    assert "line 2" in inst["incidents"][0]["message"]


def test_repair_requests_that_make_no_sense(api):
    api.deploy("ex_script_fail.bpmn")
    inst = api.start("ex_script_fail", {"amount": 10, "count": 2})
    assert inst["status"] == "running"
    url = f"/api/process-instances/{inst['id']}"
    assert api.patch(f"{url}/variables", {"reason": "nothing"}).status_code == 422
    assert api.patch(f"{url}/variables", {"set": {"a": 1}, "unset": ["a"], "reason": "r"}).status_code == 422
    assert api.patch(f"{url}/variables", {"set": {"a": {"typename": "x"}}, "reason": "r"}).status_code == 422
    assert api.post(f"{url}/retry", {"reason": "repaired"}).status_code == 409
    assert api.patch("/api/process-instances/nope/variables", {"set": {"a": 1}, "reason": "r"}).status_code == 404
    # A running instance may be repaired too: the waiting user task sees the new value.
    fixed = api.patch(f"{url}/variables", {"set": {"note": "checked"}, "reason": "add note"}).get_json()
    assert fixed["variables"]["note"] == "checked"
    done = api.complete(inst["tasks"][0]["id"])
    assert done["variables"]["note"] == "checked"
    assert api.patch(f"{url}/variables", {"set": {"a": 1}, "reason": "r"}).status_code == 409


def test_incident_list_filters_and_roles(api):
    api.deploy("ex_script_fail.bpmn", "ex_gateway_fail.bpmn")
    one = api.start("ex_script_fail", {"amount": 1, "count": 0})
    two = api.start("ex_gateway_fail", {"amount": 50})
    assert [i["instance_id"] for i in _incidents(api)] == [two["id"], one["id"]]
    assert [i["instance_id"] for i in _incidents(api, process="ex_script_fail")] == [one["id"]]
    assert _incidents(api, open="false") == []
    page = api.get("/api/incidents", query_string={"limit": 1}).get_json()
    assert len(page["items"]) == 1 and page["next"]
    rest = api.get("/api/incidents", query_string={"limit": 1, "after": page["next"]}).get_json()
    assert rest["items"][0]["instance_id"] == one["id"]

    operator = api.as_user("olga", "operator")
    auditor = api.as_user("audrey", "auditor")
    analyst = api.as_user("anna", "analyst")
    assert operator.get("/api/incidents").status_code == 403
    assert auditor.get("/api/incidents").status_code == 200
    assert auditor.post(f"/api/process-instances/{one['id']}/retry", {"reason": "repaired"}).status_code == 403
    repair = {"set": {"count": 1}, "reason": "fix"}
    assert operator.patch(f"/api/process-instances/{one['id']}/variables", repair).status_code == 403
    r = analyst.patch(f"/api/process-instances/{one['id']}/variables", {"set": {"count": 1}, "reason": "fix"})
    assert r.status_code == 200
    retried = analyst.post(f"/api/process-instances/{one['id']}/retry", {"reason": "repaired"}).get_json()
    assert retried["status"] == "running"
    assert [e["actor"] for e in api.history(one["id"]) if e["type"] == "incident.resolved"] == ["anna"]
