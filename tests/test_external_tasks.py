"""External workers: fetch-and-lock leases, completion, failures with back-off, BPMN errors, lease expiry."""

from __future__ import annotations

import datetime as dt
import threading

from bpmn_server.services import external_tasks

PAYMENT = [{"name": "payment", "lock_duration_ms": 60_000}]


def _fetch(api, worker, topics=None, max_tasks=10, expect=200):
    r = api.post("/api/external-tasks/fetch-and-lock",
                 {"worker_id": worker, "topics": topics or PAYMENT, "max_tasks": max_tasks})
    assert r.status_code == expect, r.get_json()
    return r.get_json()["items"]


def _call(api, task_id, action, expect=200, **body):
    r = api.post(f"/api/external-tasks/{task_id}/{action}", body)
    assert r.status_code == expect, r.get_json()
    return r.get_json()


def _fetch_at(api, worker, seconds_from_now, topics=None):
    """fetch-and-lock with the clock moved forward (the service takes `now`, as the timer service does)."""
    with api.app.app_context():
        now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds_from_now)
        return external_tasks.fetch_and_lock(worker, topics or PAYMENT, 10, now=now)


def test_worker_completes_tasks_and_the_instance_moves_on(api):
    api.deploy("ex_external.bpmn")
    inst = api.start("ex_ext", {"amount": 25}, business_key="ORDER-1")
    assert inst["waiting"] == [{"type": "external", "activity": "charge", "name": "payment"}]
    assert inst["tasks"] == [] and api.tasks() == []  # service tasks are not in the task list

    [task] = _fetch(api, "w1")
    assert {k: task[k] for k in ("topic", "instance_id", "process", "activity", "business_key", "variables",
                                 "retries")} == {
        "topic": "payment", "instance_id": inst["id"], "process": "ex_ext", "activity": "charge",
        "business_key": "ORDER-1", "variables": {"amount": 25}, "retries": None}
    assert task["lock_expires_at"].endswith("Z")
    assert _fetch(api, "w2") == []  # leased

    _call(api, task["id"], "complete", 409, worker_id="w2", variables={})
    done = _call(api, task["id"], "complete", worker_id="w1", variables={"charge_id": "ch_1"})
    assert done["state"] == "completed"
    again = _call(api, task["id"], "complete", worker_id="w1", variables={"charge_id": "ch_1"})
    assert again["state"] == "completed"  # idempotent for the same worker
    _call(api, task["id"], "complete", 409, worker_id="w2", variables={})

    now = api.instance(inst["id"])
    assert now["variables"] == {"amount": 25, "charge_id": "ch_1"}
    assert now["waiting"] == [{"type": "external", "activity": "ship", "name": "shipping"}]
    [ship] = _fetch(api, "w3", [{"name": "shipping", "lock_duration_ms": 1000}, {"name": "payment",
                                                                                   "lock_duration_ms": 1000}])
    assert ship["activity"] == "ship"
    _call(api, ship["id"], "complete", worker_id="w3", variables={"tracking": "T1"})
    final = api.instance(inst["id"])
    assert final["status"] == "completed"
    assert final["variables"] == {"amount": 25, "charge_id": "ch_1", "tracking": "T1"}
    types = [e["type"] for e in api.history(inst["id"])]
    assert types.count("external_task.completed") == 2  # the repeated complete recorded nothing


def test_two_workers_racing_never_get_the_same_task(api):
    api.deploy("ex_external.bpmn")
    started = {api.start("ex_ext", {"n": i})["id"] for i in range(5)}
    results: dict[str, list[dict]] = {}
    barrier = threading.Barrier(4)

    def worker(name: str) -> None:
        client = type(api)(api.app, api.token)
        barrier.wait()
        results[name] = _fetch(client, name, max_tasks=2)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    leased = [task["id"] for items in results.values() for task in items]
    assert len(leased) == len(set(leased)) == 5
    assert {task["instance_id"] for items in results.values() for task in items} == started


def test_failures_back_off_then_count_down_to_an_incident(api):
    api.deploy("ex_external.bpmn")
    inst = api.start("ex_ext", {"amount": 3})
    [task] = _fetch(api, "w1")
    _call(api, task["id"], "failure", 409, worker_id="w2", error="x", retries=1, retry_timeout_ms=0)

    failed = _call(api, task["id"], "failure", worker_id="w1", error="gateway timeout", retries=2,
                   retry_timeout_ms=60_000)
    assert failed["retries"] == 2 and failed["error_message"] == "gateway timeout"
    assert _fetch(api, "w1") == []  # backing off
    assert [t["id"] for t in _fetch_at(api, "w1", 61)] == [task["id"]]

    _call(api, task["id"], "failure", worker_id="w1", error="still down", retries=1, retry_timeout_ms=0)
    [task] = _fetch(api, "w2")  # no back-off asked for: available at once
    assert task["retries"] == 1
    _call(api, task["id"], "failure", worker_id="w2", error="down for good", retries=0, retry_timeout_ms=0)
    assert _fetch_at(api, "w3", 300) == []  # dead-letter: parked
    now = api.instance(inst["id"])
    assert now["status"] == "running"
    [incident] = [i for i in now["incidents"] if i["resolved_at"] is None]
    assert incident["type"] == "external-task" and incident["activity"] == "charge"
    assert "down for good" in incident["message"]
    assert [i["id"] for i in api.get("/api/incidents?open=true").get_json()["items"]] == [incident["id"]]

    retried = api.post(f"/api/process-instances/{inst['id']}/retry", {"reason": "repaired"}).get_json()
    assert all(i["resolved_at"] for i in retried["incidents"])
    [task] = _fetch(api, "w4")
    assert task["retries"] == 1
    _call(api, task["id"], "complete", worker_id="w4", variables={"paid": True})
    assert api.instance(inst["id"])["waiting"][0]["activity"] == "ship"


def test_an_expired_lease_makes_the_task_available_again(api):
    api.deploy("ex_external.bpmn")
    api.start("ex_ext")
    [task] = _fetch(api, "slow", [{"name": "payment", "lock_duration_ms": 1000}])
    [taken] = _fetch_at(api, "fast", 5)
    assert taken["id"] == task["id"] and taken["worker_id"] == "fast"
    _call(api, task["id"], "complete", 409, worker_id="slow", variables={})
    _call(api, task["id"], "extend-lock", 409, worker_id="slow", new_duration_ms=1000)
    assert _call(api, task["id"], "complete", worker_id="fast", variables={})["state"] == "completed"


def test_extend_lock_keeps_the_task(api):
    api.deploy("ex_external.bpmn")
    api.start("ex_ext")
    [task] = _fetch(api, "w1", [{"name": "payment", "lock_duration_ms": 1000}])
    extended = _call(api, task["id"], "extend-lock", worker_id="w1", new_duration_ms=600_000)
    assert extended["lock_expires_at"] > task["lock_expires_at"]
    assert _fetch_at(api, "w2", 5) == []
    _call(api, task["id"], "extend-lock", 409, worker_id="w2", new_duration_ms=1000)


def test_bpmn_error_is_caught_by_the_boundary_event(api):
    api.deploy("ex_external.bpmn")
    inst = api.start("ex_ext", {"amount": 9})
    [task] = _fetch(api, "w1")
    r = _call(api, task["id"], "bpmn-error", worker_id="w1", code="CARD_DECLINED", message="expired card",
              variables={"decline_reason": "expired"})
    assert r["state"] == "cancelled"
    now = api.instance(inst["id"])
    assert [t["activity"] for t in now["tasks"]] == ["ask_customer"]
    assert now["variables"]["decline_reason"] == "expired"
    assert now["waiting"] == [] and _fetch(api, "w1") == []
    assert api.complete(now["tasks"][0]["id"])["status"] == "completed"


def test_uncaught_bpmn_error_parks_the_task_with_an_incident(api):
    api.deploy("ex_external.bpmn")
    inst = api.start("ex_ext")
    [task] = _fetch(api, "w1")
    _call(api, task["id"], "bpmn-error", worker_id="w1", code="NO_SUCH_CODE", message="?")
    now = api.instance(inst["id"])
    assert now["status"] == "running" and now["waiting"][0]["activity"] == "charge"
    assert now["incidents"][0]["type"] == "bpmn-error" and "NO_SUCH_CODE" in now["incidents"][0]["message"]
    assert _fetch(api, "w1") == []
    api.post(f"/api/process-instances/{inst['id']}/retry", {"reason": "repaired"})
    assert len(_fetch(api, "w1")) == 1


def test_requests_that_are_refused(api):
    api.deploy("ex_external.bpmn")
    api.start("ex_ext")
    assert api.post("/api/external-tasks/fetch-and-lock", {"worker_id": "w", "topics": []}).status_code == 400
    assert api.post("/api/external-tasks/fetch-and-lock", {"topics": PAYMENT}).status_code == 400
    _call(api, "nope", "complete", 404, worker_id="w", variables={})
    [task] = _fetch(api, "w")
    _call(api, task["id"], "failure", 400, worker_id="w", error="x", retries=-1, retry_timeout_ms=0)
    auditor = api.as_user("audrey", "auditor")
    worker = api.as_user("robot", "operator")
    assert auditor.post("/api/external-tasks/fetch-and-lock", {"worker_id": "a", "topics": PAYMENT}).status_code == 403
    assert worker.post("/api/external-tasks/fetch-and-lock", {"worker_id": "a", "topics": PAYMENT}).status_code == 200


def test_service_tasks_that_are_not_external_are_refused_at_deploy(api):
    xml = (b'<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
           b'id="d" targetNamespace="t"><bpmn:process id="java" isExecutable="true"><bpmn:startEvent id="s"/>'
           b'<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="call"/><bpmn:serviceTask id="call"/>'
           b'<bpmn:sequenceFlow id="g" sourceRef="call" targetRef="e"/><bpmn:endEvent id="e"/>'
           b'</bpmn:process></bpmn:definitions>')
    r = api.post("/api/deployments", data=xml, headers={"Content-Type": "application/xml"})
    assert r.status_code == 422, r.get_json()
    assert any(e["element"] == "call" and "external" in e["message"] for e in r.get_json()["errors"])


def test_suspended_and_cancelled_instances_offer_no_work(api):
    api.deploy("ex_external.bpmn")
    inst = api.start("ex_ext")
    [task] = _fetch(api, "w1")
    api.post(f"/api/process-instances/{inst['id']}/suspend")
    _call(api, task["id"], "complete", 409, worker_id="w1", variables={})
    assert _fetch_at(api, "w2", 120) == []
    api.post(f"/api/process-instances/{inst['id']}/resume")
    r = api.post(f"/api/process-instances/{inst['id']}/cancel", {"reason": "customer left"})
    assert r.status_code == 200 and r.get_json()["waiting"] == []
    assert _fetch_at(api, "w2", 120) == []
    assert _call(api, task["id"], "complete", 409, worker_id="w1", variables={})["detail"].endswith("cancelled")
