"""Event subprocesses started by a message or a signal (issue 15): subscribed while their process runs, reached
through `POST /api/messages`, `POST /api/signals`, the relay of thrown events and `/engine-rest/message` and
`/signal`; interrupting ones cancel what the process was doing, non-interrupting ones run beside it."""

from __future__ import annotations

from tests.test_camunda_deploy import Camunda


def _acts(inst):
    return sorted(t["activity"] for t in inst["tasks"])


def _waiting(inst):
    return sorted((w["type"], w["name"]) for w in inst["waiting"])


ALL = [("message", "esp-cancel"), ("message", "esp-note"), ("signal", "esp-ping"), ("signal", "esp-stop")]


def _message(api, name, **body):
    return api.post("/api/messages", {"name": name, **body})


def test_the_handlers_start_events_are_waiting_while_the_process_runs(api):
    api.deploy("juel_event_subprocess.bpmn")
    inst = api.start("juel_esp", {"pings": 0})
    assert _waiting(inst) == ALL and _acts(inst) == ["work"]


def test_a_non_interrupting_message_handler_runs_beside_the_process_each_time(api):
    api.deploy("juel_event_subprocess.bpmn")
    inst = api.start("juel_esp", {"pings": 0}, business_key="E-1")
    r = _message(api, "esp-note", business_key="E-1", variables={"note": "call back"})
    assert r.status_code == 200 and r.get_json() == {"instance_id": inst["id"], "started": False}
    r = _message(api, "esp-note", business_key="E-1")
    assert r.status_code == 200
    inst = api.instance(inst["id"])
    assert _acts(inst) == ["note_task", "note_task", "work"] and _waiting(inst) == ALL
    assert inst["variables"]["note"] == "call back"
    events = api.get(f"/api/process-instances/{inst['id']}/history").get_json()["items"]
    assert [e["activity"] for e in events if e["type"] == "message.correlated"] == ["note_start", "note_start"]
    for task in [t for t in inst["tasks"] if t["activity"] == "note_task"]:
        api.complete(task["id"], {"read": True})
    inst = api.instance(inst["id"])
    assert inst["status"] == "running" and _acts(inst) == ["work"]
    # What the handlers set are the process's variables once they end, as Camunda's
    assert inst["variables"]["note"] == "call back" and inst["variables"]["read"] is True
    inst = api.complete(inst["tasks"][0]["id"])
    assert inst["status"] == "completed" and inst["variables"]["read"] is True


def test_an_interrupting_message_handler_cancels_the_process_work(api):
    api.deploy("juel_event_subprocess.bpmn")
    inst = api.start("juel_esp", {"pings": 0})
    assert _message(api, "esp-note").status_code == 200
    assert _message(api, "esp-cancel", variables={"why": "customer"}).status_code == 200
    inst = api.instance(inst["id"])
    assert _acts(inst) == ["cancel_task"] and inst["waiting"] == []
    assert inst["variables"]["why"] == "customer"
    events = api.get(f"/api/process-instances/{inst['id']}/history").get_json()["items"]
    assert sorted(e["activity"] for e in events if e["type"] == "task.cancelled") == ["note_task", "work"]
    assert _message(api, "esp-note").status_code == 404  # interrupted: no other handler waits
    assert api.post("/api/signals", {"name": "esp-stop"}).get_json()["delivered"] == 0
    inst = api.complete(inst["tasks"][0]["id"])
    assert inst["status"] == "completed"


def test_signals_start_handlers_interrupting_or_not(api):
    api.deploy("juel_event_subprocess.bpmn")
    first = api.start("juel_esp", {"pings": 0})
    second = api.start("juel_esp", {"pings": 10})
    r = api.post("/api/signals", {"name": "esp-ping"})
    assert r.status_code == 200 and r.get_json()["delivered"] == 2
    assert _acts(api.instance(first["id"])) == ["work"]  # the handler ran and ended; work goes on
    assert api.instance(first["id"])["variables"]["pings"] == 1  # its script's result is the process's
    assert api.instance(second["id"])["variables"]["pings"] == 11
    r = api.post("/api/signals", {"name": "esp-stop"})
    assert r.get_json()["delivered"] == 2
    for inst in (first, second):
        inst = api.instance(inst["id"])
        assert inst["status"] == "completed" and inst["tasks"] == []


def test_thrown_events_reach_the_handlers_of_other_instances(api):
    api.deploy("juel_event_subprocess.bpmn", "juel_event_subprocess_thrower.bpmn")
    inst = api.start("juel_esp", {"pings": 0})
    api.start("juel_esp_note_thrower")
    assert _acts(api.instance(inst["id"])) == ["note_task", "work"]
    api.start("juel_esp_stop_thrower")
    assert api.instance(inst["id"])["status"] == "completed"


def test_the_camunda_layer_reaches_the_handlers(api):
    api.deploy("juel_event_subprocess.bpmn")
    camunda = Camunda(api)
    inst = api.start("juel_esp", {"pings": 0}, business_key="C-1")
    r = camunda.post("/message", {"messageName": "esp-note", "businessKey": "C-1",
                                  "processVariables": {"note": {"value": "hi", "type": "String"}}})
    assert r.status_code == 204, r.get_json()
    assert _acts(api.instance(inst["id"])) == ["note_task", "work"]
    r = camunda.post("/signal", {"name": "esp-stop", "variables": {"reason": {"value": "closed", "type": "String"}}})
    assert r.status_code == 204, r.get_json()
    assert api.instance(inst["id"])["status"] == "completed"
    r = camunda.post("/signal", {"name": "esp-stop", "executionId": "x"})
    assert r.status_code == 400


def test_a_message_handler_inside_a_subprocess(api):
    xml = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:message id="M" name="esp-inner"/>
  <bpmn:process id="juel_esp_nested" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="sub"/>
    <bpmn:subProcess id="sub">
      <bpmn:startEvent id="ss"/>
      <bpmn:sequenceFlow id="g1" sourceRef="ss" targetRef="inner"/>
      <bpmn:userTask id="inner" name="Inner work"/>
      <bpmn:sequenceFlow id="g2" sourceRef="inner" targetRef="se"/>
      <bpmn:endEvent id="se"/>
      <bpmn:subProcess id="handler" triggeredByEvent="true">
        <bpmn:startEvent id="hs"><bpmn:messageEventDefinition messageRef="M"/></bpmn:startEvent>
        <bpmn:sequenceFlow id="h1" sourceRef="hs" targetRef="handle"/>
        <bpmn:userTask id="handle" name="Handle"/>
        <bpmn:sequenceFlow id="h2" sourceRef="handle" targetRef="he"/>
        <bpmn:endEvent id="he"/>
      </bpmn:subProcess>
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="after"/>
    <bpmn:userTask id="after" name="After"/>
    <bpmn:sequenceFlow id="f3" sourceRef="after" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>"""
    api.deploy(xml)
    inst = api.start("juel_esp_nested")
    assert _waiting(inst) == [("message", "esp-inner")]
    assert _message(api, "esp-inner").status_code == 200
    inst = api.instance(inst["id"])
    assert _acts(inst) == ["handle"]
    inst = api.complete(inst["tasks"][0]["id"])
    assert _acts(inst) == ["after"]
    non_interrupting = xml.replace(b'<bpmn:startEvent id="hs">', b'<bpmn:startEvent id="hs" isInterrupting="false">')
    r = api.client.post("/api/deployments", data=non_interrupting, content_type="application/xml",
                        headers={"Authorization": f"Bearer {api.token}"})
    assert r.status_code == 201, r.get_json()  # non-interrupting runs too (test_nested_event_subprocesses.py)
    inst = api.start("juel_esp_nested")
    assert _message(api, "esp-inner").status_code == 200
    assert sorted(_acts(api.instance(inst["id"]))) == ["handle", "inner"]
