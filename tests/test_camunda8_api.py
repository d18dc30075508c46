"""The Camunda 8 REST subset under /v2, as Camunda documents it: job activation, completion, failure down to an
incident, BPMN errors caught by a boundary event, instance creation, message correlation and publication."""

from __future__ import annotations

import base64

from tests.client import DIAGRAMS


def _v2(api, path, body, expect=200):
    r = api.post(f"/v2{path}", body)
    assert r.status_code == expect, (r.status_code, r.get_json())
    return r.get_json()


def _create(api, order):
    return _v2(api, "/process-instances", {"processDefinitionId": "zeebe_payment",
                                           "variables": {"orderId": order}})


def _activate(api, worker="w1", max_jobs=5):
    return _v2(api, "/jobs/activation", {"type": "charge-card", "worker": worker, "timeout": 30000,
                                         "maxJobsToActivate": max_jobs})["jobs"]


def test_worker_round_trip(api):
    api.deploy("zeebe_payment.bpmn")
    created = _create(api, "o-1")
    assert created["processDefinitionId"] == "zeebe_payment" and created["processInstanceKey"].isdigit()
    [job] = _activate(api)
    assert job["customHeaders"] == {"provider": "acme-pay"} and job["retries"] == 3
    assert job["variables"] == {"orderId": "o-1"} and job["elementId"] == "charge"
    assert job["processInstanceKey"] == created["processInstanceKey"] and job["jobKey"].isdigit()
    assert _activate(api, "w2") == []  # activated jobs are leased
    r = api.post(f"/v2/jobs/{job['jobKey']}/completion", {"variables": {"chargeId": "c-1"}})
    assert r.status_code == 204
    [inst] = api.get("/api/process-instances?process=zeebe_payment").get_json()["items"]
    assert inst["variables"] == {"orderId": "o-1", "chargeId": "c-1"}
    # The catch event's zeebe:subscription correlationKey "= orderId" matches the message's correlationKey.
    _v2(api, "/messages/correlation", {"name": "payment-confirmed", "correlationKey": "nope"}, expect=404)
    found = _v2(api, "/messages/correlation", {"name": "payment-confirmed", "correlationKey": "o-1",
                                               "variables": {"paid": True}})
    assert found["processInstanceKey"] == created["processInstanceKey"]
    assert api.instance(inst["id"])["status"] == "completed"


def test_failure_back_off_incident_and_bpmn_error(api):
    api.deploy("zeebe_payment.bpmn")
    _create(api, "o-2")
    [job] = _activate(api)
    r = api.post(f"/v2/jobs/{job['jobKey']}/failure", {"retries": 0, "errorMessage": "card service down"})
    assert r.status_code == 204
    [inst] = api.get("/api/process-instances?process=zeebe_payment").get_json()["items"]
    incidents = api.instance(inst["id"])["incidents"]
    assert incidents and "card service down" in incidents[0]["message"]

    _create(api, "o-3")
    [job] = _activate(api)
    assert job["variables"]["orderId"] == "o-3"
    r = api.post(f"/v2/jobs/{job['jobKey']}/failure", {"retries": 2, "errorMessage": "busy", "retryBackOff": 0})
    assert r.status_code == 204
    [again] = _activate(api)
    assert again["jobKey"] == job["jobKey"] and again["retries"] == 2
    r = api.post(f"/v2/jobs/{job['jobKey']}/error", {"errorCode": "DECLINED", "errorMessage": "no funds"})
    assert r.status_code == 204
    instance_id = next(i["id"] for i in api.get("/api/process-instances?process=zeebe_payment").get_json()["items"]
                       if i["variables"].get("orderId") == "o-3")
    assert api.instance(instance_id)["status"] == "completed"
    assert any(e.get("activity") == "refused" for e in api.history(instance_id))


def test_publication_and_what_is_not_served(api):
    api.deploy("zeebe_payment.bpmn")
    _create(api, "o-4")
    [job] = _activate(api)
    api.post(f"/v2/jobs/{job['jobKey']}/completion", {})
    assert _v2(api, "/messages/publication", {"name": "payment-confirmed", "correlationKey": "o-4"})["messageKey"]
    assert _v2(api, "/messages/publication", {"name": "payment-confirmed", "correlationKey": "o-9"})["messageKey"]
    r = api.post("/v2/messages/publication", {"name": "payment-confirmed", "correlationKey": "o-9",
                                              "timeToLive": 60000})
    assert r.status_code == 400 and "buffered" in r.get_json()["detail"]
    r = api.post("/v2/jobs/123/completion", {})
    assert r.status_code == 404 and r.get_json()["status"] == 404  # problem details, as Camunda 8 answers
    r = api.post("/v2/jobs/activation", {"type": "charge-card"})
    assert r.status_code in (400, 422) and "maxJobsToActivate" in str(r.get_json())
    r = api.post("/v2/process-instances", {"processDefinitionKey": "1"})
    assert r.status_code == 400


def test_basic_authentication_with_a_users_token(api):
    api.deploy("zeebe_payment.bpmn")
    worker = api.as_user("wendy", "operator")
    basic = base64.b64encode(f"wendy:{worker.token}".encode()).decode()
    r = api.client.post("/v2/jobs/activation", json={"type": "charge-card", "timeout": 1000, "maxJobsToActivate": 1},
                        headers={"Authorization": f"Basic {basic}"})
    assert r.status_code == 200 and r.get_json() == {"jobs": []}
    r = api.client.post("/v2/jobs/activation", json={"type": "charge-card", "timeout": 1000, "maxJobsToActivate": 1})
    assert r.status_code == 401
    assert (DIAGRAMS / "zeebe_payment.bpmn").exists()
