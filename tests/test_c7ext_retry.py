"""camunda:failedJobRetryTimeCycle: a failing script task is retried by a timer until its attempts are used up,
then it is an incident; an external task's failures follow the cycle instead of the worker's retries."""

from __future__ import annotations

import datetime as dt

from tests.conftest import DIAGRAMS
from tests.test_timers import fire_due


def _timers(api, instance_id):
    return [w for w in api.instance(instance_id)["waiting"] if w["type"] == "timer"]


def test_a_failing_script_is_retried_by_its_cycle_until_an_incident(api, app):
    api.deploy("c7ext_retry.bpmn")
    inst = api.start("c7ext_retry", {"divisor": 0})
    assert inst["status"] == "running" and inst["incidents"] == []  # attempt 1 failed: a retry waits
    [timer] = _timers(api, inst["id"])
    assert timer["activity"] == "Flaky"
    due = dt.datetime.fromisoformat(timer["due_at"].replace("Z", "+00:00"))
    assert dt.timedelta(minutes=9) < due - dt.datetime.now(dt.UTC) <= dt.timedelta(minutes=10)
    assert fire_due(app, due - dt.timedelta(minutes=1)) == 0  # not before its time
    assert fire_due(app, due + dt.timedelta(seconds=1)) == 1  # attempt 2 fails: another retry
    assert api.instance(inst["id"])["status"] == "running"
    [timer] = _timers(api, inst["id"])
    assert fire_due(app, dt.datetime.now(dt.UTC) + dt.timedelta(minutes=21)) == 1  # attempt 3: no more
    failed = api.instance(inst["id"])
    assert failed["status"] == "failed", failed
    [incident] = failed["incidents"]
    assert incident["activity"] == "Flaky" and "division by zero" in incident["message"]
    assert _timers(api, inst["id"]) == []


def test_a_retry_that_succeeds_carries_on(api, app):
    api.deploy("c7ext_retry.bpmn")
    inst = api.start("c7ext_retry", {"divisor": 0})
    r = api.patch(f"/api/process-instances/{inst['id']}/variables", {"set": {"divisor": 5}, "reason": "fix"})
    assert r.status_code == 200, r.get_json()
    assert fire_due(app, dt.datetime.now(dt.UTC) + dt.timedelta(minutes=11)) == 1
    done = api.instance(inst["id"])
    assert done["status"] == "completed" and done["variables"]["result"] == 2


def test_a_malformed_cycle_is_refused(api):
    xml = (DIAGRAMS / "c7ext_retry.bpmn").read_text()
    r = api.deploy(xml.replace("R3/PT10M", "PT10M,PT20M"), expect=422)
    assert any(e["element"] == "Flaky" and "failedJobRetryTimeCycle" in e["message"] for e in r["errors"]), r


EXTERNAL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
  <bpmn:process id="c7ext_retry_external" isExecutable="true">
    <bpmn:startEvent id="Start"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="Charge" camunda:type="external" camunda:topic="c7ext-retry">
      <bpmn:extensionElements>
        <camunda:failedJobRetryTimeCycle>R2/PT5M</camunda:failedJobRetryTimeCycle>
      </bpmn:extensionElements>
      <bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:endEvent id="End"><bpmn:incoming>F2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="Start" targetRef="Charge" />
    <bpmn:sequenceFlow id="F2" sourceRef="Charge" targetRef="End" />
  </bpmn:process>
</bpmn:definitions>"""


def _fetch_at(app, now):
    from bpmn_server.services import external_tasks

    with app.app_context():
        return external_tasks.fetch_and_lock("w1", [{"name": "c7ext-retry", "lock_duration_ms": 1000}], 5, now=now)


def test_an_external_task_fails_by_its_cycle_not_by_the_worker(api, app):
    api.deploy(EXTERNAL)
    inst = api.start("c7ext_retry_external", {})
    now = dt.datetime.now(dt.UTC)
    [task] = _fetch_at(app, now)
    body = {"worker_id": "w1", "error": "down", "retries": 10, "retry_timeout_ms": 0}
    failed = api.post(f"/api/external-tasks/{task['id']}/failure", body).get_json()
    assert failed["retries"] == 1  # R2: two attempts in all, whatever the worker says
    assert _fetch_at(app, now + dt.timedelta(minutes=4)) == []  # the cycle's five minutes
    [again] = _fetch_at(app, now + dt.timedelta(minutes=6))
    r = api.post(f"/api/external-tasks/{again['id']}/failure", body)
    assert r.status_code == 200 and r.get_json()["retries"] == 0
    [incident] = api.instance(inst["id"])["incidents"]
    assert incident["activity"] == "Charge"
