"""Compensation of a call activity's effects through the called process's own handlers (engine/compensation.py)."""

from __future__ import annotations

PAYMENT = b'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="p" targetNamespace="x">
  <bpmn:process id="payment" isExecutable="true">
    <bpmn:startEvent id="ps"><bpmn:outgoing>p1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="p1" sourceRef="ps" targetRef="charge"/>
    <bpmn:scriptTask id="charge" scriptFormat="python">
      <bpmn:incoming>p1</bpmn:incoming><bpmn:outgoing>p2</bpmn:outgoing>
      <bpmn:script>charged = amount
log = log + ["charge"]</bpmn:script></bpmn:scriptTask>
    <bpmn:boundaryEvent id="chargeUndo" attachedToRef="charge"><bpmn:compensateEventDefinition/></bpmn:boundaryEvent>
    <bpmn:scriptTask id="refund" scriptFormat="python" isForCompensation="true">
      <bpmn:script>refunded = charged
log = log + ["refund"]</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="p2" sourceRef="charge" targetRef="receipt"/>
    <bpmn:scriptTask id="receipt" scriptFormat="python">
      <bpmn:incoming>p2</bpmn:incoming><bpmn:outgoing>p3</bpmn:outgoing>
      <bpmn:script>log = log + ["receipt"]</bpmn:script></bpmn:scriptTask>
    <bpmn:boundaryEvent id="receiptUndo" attachedToRef="receipt"><bpmn:compensateEventDefinition/></bpmn:boundaryEvent>
    <bpmn:userTask id="void" name="Void the receipt" isForCompensation="true"/>
    <bpmn:sequenceFlow id="p3" sourceRef="receipt" targetRef="pe"/>
    <bpmn:endEvent id="pe"><bpmn:incoming>p3</bpmn:incoming></bpmn:endEvent>
    <bpmn:association id="pa1" sourceRef="chargeUndo" targetRef="refund"/>
    <bpmn:association id="pa2" sourceRef="receiptUndo" targetRef="void"/>
  </bpmn:process>
</bpmn:definitions>'''
ORDER = b'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="o" targetNamespace="x">
  <bpmn:process id="order" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="pay"/>
    <bpmn:callActivity id="pay" calledElement="payment"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing></bpmn:callActivity>
    <bpmn:sequenceFlow id="f2" sourceRef="pay" targetRef="ship"/>
    <bpmn:userTask id="ship" name="Ship"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f3" sourceRef="ship" targetRef="shipped"/>
    <bpmn:exclusiveGateway id="shipped" default="ok"><bpmn:incoming>f3</bpmn:incoming>
      <bpmn:outgoing>ok</bpmn:outgoing><bpmn:outgoing>failed</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="ok" sourceRef="shipped" targetRef="done"/>
    <bpmn:endEvent id="done"><bpmn:incoming>ok</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="failed" sourceRef="shipped" targetRef="undo">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${!ok}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:endEvent id="undo"><bpmn:incoming>failed</bpmn:incoming><bpmn:compensateEventDefinition/></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>'''


def _compensated(api, instance_id):
    return [e["activity"] for e in api.history(instance_id) if e["type"] == "activity.compensated"]


def _ship(api, ok):
    inst = api.start("order", {"amount": 40, "log": []})
    [ship] = [t for t in api.tasks(instance=inst["id"], status="open") if t["activity"] == "ship"]
    return inst, api.complete(ship["id"], {"ok": ok})


def test_a_failed_order_undoes_the_payment_through_the_called_process_handlers_last_first(api):
    api.deploy(PAYMENT)
    api.deploy(ORDER)
    inst, after = _ship(api, ok=False)
    # The receipt was made last: its handler (a person voids it) runs first; the refund waits for it.
    assert after["status"] == "running" and [t["activity"] for t in after["tasks"]] == ["void"]
    assert _compensated(api, inst["id"]) == [] and "refunded" not in after["variables"]
    done = api.complete(after["tasks"][0]["id"])
    assert done["status"] == "completed"
    assert done["variables"]["refunded"] == 40  # the refund saw the variables of the charge
    assert _compensated(api, inst["id"]) == ["receipt", "charge"]


def test_a_shipped_order_is_not_compensated(api):
    api.deploy(PAYMENT)
    api.deploy(ORDER)
    inst, after = _ship(api, ok=True)
    assert after["status"] == "completed" and "refunded" not in after["variables"]
    assert _compensated(api, inst["id"]) == []


def test_both_processes_in_one_file(api):
    both = ORDER.replace(b"</bpmn:definitions>", PAYMENT.split(b'targetNamespace="x">')[1].replace(
        b"</bpmn:definitions>", b"") + b"</bpmn:definitions>")
    api.deploy(both)
    inst, after = _ship(api, ok=False)
    done = api.complete(after["tasks"][0]["id"])
    assert done["status"] == "completed" and _compensated(api, inst["id"]) == ["receipt", "charge"]


def test_an_id_of_both_processes_is_refused_naming_the_call_activity(api):
    api.deploy(PAYMENT)
    clash = ORDER.replace(b'id="ship"', b'id="refund"').replace(b'targetRef="ship"', b'targetRef="refund"') \
        .replace(b'sourceRef="ship"', b'sourceRef="refund"')
    r = api.post("/api/deployments", data=clash, content_type="application/xml")
    assert r.status_code == 422
    [error] = [e for e in r.get_json()["errors"] if e["element"] == "pay"]
    assert "'refund'" in error["message"]
