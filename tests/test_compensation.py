"""Compensation (engine/compensation.py): a failed order undoes what it did, last first, through the API."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.client import Api
from tests.conftest import ADMIN_TOKEN

BOOKINGS = b'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="x">
  <bpmn:process id="bookings" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="book"/>
    <bpmn:scriptTask id="book" scriptFormat="python">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:multiInstanceLoopCharacteristics isSequential="true">
        <bpmn:loopCardinality xsi:type="bpmn:tFormalExpression">3</bpmn:loopCardinality>
      </bpmn:multiInstanceLoopCharacteristics>
      <bpmn:script>booked = booked + [len(booked)]</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:boundaryEvent id="bc" attachedToRef="book"><bpmn:compensateEventDefinition/></bpmn:boundaryEvent>
    <bpmn:scriptTask id="unbook" scriptFormat="python" isForCompensation="true">
      <bpmn:script>undone = undone + [len(booked)]</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="book" targetRef="e"/>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming><bpmn:compensateEventDefinition/></bpmn:endEvent>
    <bpmn:association id="a" sourceRef="bc" targetRef="unbook"/>
  </bpmn:process>
</bpmn:definitions>'''
ORDER = (Path(__file__).resolve().parent.parent / "processes" / "order_refund.bpmn").read_bytes()


def _shipping_failed(api: Api) -> dict:
    api.deploy(ORDER)
    inst = api.start("order_refund", {"amount": 120})
    [ship] = [t for t in api.tasks() if t["instance_id"] == inst["id"]]
    assert ship["activity"] == "ship"
    api.complete(ship["id"], {"shipped": False})
    return inst


def _compensated(api: Api, instance_id: str) -> list[str]:
    return [e["activity"] for e in api.history(instance_id) if e["type"] == "activity.compensated"]


def test_a_shipped_order_is_not_compensated(api):
    api.deploy(ORDER)
    inst = api.start("order_refund", {"amount": 120})
    [ship] = [t for t in api.tasks() if t["instance_id"] == inst["id"]]
    api.complete(ship["id"], {"shipped": True})
    done = api.instance(inst["id"])
    assert done["status"] == "completed"
    assert "refunded" not in done["variables"] and _compensated(api, inst["id"]) == []


def test_failed_shipping_undoes_the_order_last_first_with_the_variables_of_then(api):
    inst = _shipping_failed(api)
    # The stock was reserved after the card was charged: it is put back first, by a person.
    running = api.instance(inst["id"])
    assert running["status"] == "running"
    [release] = [t for t in api.tasks() if t["instance_id"] == inst["id"]]
    assert release["activity"] == "release" and "refunded" not in running["variables"]
    assert _compensated(api, inst["id"]) == []
    api.complete(release["id"])
    done = api.instance(inst["id"])
    assert done["status"] == "completed"
    # The refund saw the variables as they were when the card was charged (status was "reserved" later).
    assert done["variables"]["refunded"] == 120
    assert done["variables"]["refund_saw_status"] == "charged"
    assert _compensated(api, inst["id"]) == ["reserve", "charge"]


def test_an_instance_saved_mid_compensation_resumes_after_a_restart(app_config, api):
    from bpmn_server import create_app
    from models import db

    inst = _shipping_failed(api)
    with api.app.app_context():  # the first server goes away; its state is in the database
        db.session.remove()
        db.engine.dispose()
    again = Api(create_app(app_config), ADMIN_TOKEN)
    [release] = [t for t in again.tasks() if t["instance_id"] == inst["id"]]
    again.complete(release["id"])
    done = again.instance(inst["id"])
    assert done["status"] == "completed" and done["variables"]["refunded"] == 120
    assert _compensated(again, inst["id"]) == ["reserve", "charge"]
    with again.app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_each_instance_of_a_multi_instance_activity_is_compensated_last_first(api):
    api.deploy(BOOKINGS)
    inst = api.start("bookings", {"booked": [], "undone": []})
    done = api.instance(inst["id"])
    assert done["status"] == "completed" and done["variables"]["booked"] == [0, 1, 2]
    events = [e for e in api.history(inst["id"]) if e["type"] == "activity.compensated"]
    assert [e["activity"] for e in events] == ["book", "book", "book"]  # each instance once, not the whole too
    instances = [e["task_id"] for e in api.history(inst["id"])
                 if e["type"] == "activity.completed" and e["activity"] == "book"]
    assert [e["task_id"] for e in events] == [t for t in reversed(instances) if t in {e["task_id"] for e in events}]
    # The first instance is undone last, with the variables it completed with (one booking then).
    assert done["variables"]["undone"] == [1]


CALLER = b'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="c" targetNamespace="x">
  <bpmn:process id="caller" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="call"/>
    <bpmn:callActivity id="call" calledElement="callee"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing></bpmn:callActivity>
    <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="e"/>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming><bpmn:compensateEventDefinition/></bpmn:endEvent>
  </bpmn:process>
  <bpmn:process id="callee" isExecutable="true">
    <bpmn:startEvent id="s2"><bpmn:outgoing>g1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="g1" sourceRef="s2" targetRef="work"/>
    <bpmn:scriptTask id="work" scriptFormat="python"><bpmn:incoming>g1</bpmn:incoming>
      <bpmn:outgoing>g2</bpmn:outgoing><bpmn:script>done = True</bpmn:script></bpmn:scriptTask>
    <bpmn:boundaryEvent id="wc" attachedToRef="work"><bpmn:compensateEventDefinition/></bpmn:boundaryEvent>
    <bpmn:scriptTask id="undo" scriptFormat="python" isForCompensation="true">
      <bpmn:script>done = False</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="g2" sourceRef="work" targetRef="e2"/>
    <bpmn:endEvent id="e2"><bpmn:incoming>g2</bpmn:incoming></bpmn:endEvent>
    <bpmn:association id="a" sourceRef="wc" targetRef="undo"/>
  </bpmn:process>
</bpmn:definitions>'''


def test_compensating_a_call_activity_runs_the_called_handlers(api):
    # More in tests/test_compensation_call.py.
    api.deploy(CALLER)
    done = api.start("caller")
    assert done["status"] == "completed" and done["variables"]["done"] is False
    assert [e["activity"] for e in api.history(done["id"]) if e["type"] == "activity.compensated"] == ["work"]


def test_the_instance_page_marks_compensated_activities(app, api):
    from tests.test_web import Pages

    inst = _shipping_failed(api)
    [release] = [t for t in api.tasks() if t["instance_id"] == inst["id"]]
    api.complete(release["id"])
    page = Pages(app, api.token).text(f"/ui/instances/{inst['id']}")
    block = re.search(r'<script type="application/json" id="instance-diagram-data">(.*?)</script>', page, re.S)
    drawing = json.loads(block.group(1))
    assert "compensated" in drawing["markers"]["charge"] and "compensated" in drawing["markers"]["reserve"]
    assert "compensated" not in drawing["markers"].get("ship", [])


def test_activity_ref_compensates_only_that_activity_and_nothing_twice(api):
    # Undo the charge alone first (an intermediate throw naming it), then everything: the charge is not undone again.
    xml = ORDER.replace(b'''<bpmn:sequenceFlow id="f9" sourceRef="shipped_q" targetRef="undone"/>''',
                        b'''<bpmn:sequenceFlow id="f9" sourceRef="shipped_q" targetRef="refund_first"/>
    <bpmn:intermediateThrowEvent id="refund_first"><bpmn:incoming>f9</bpmn:incoming>
      <bpmn:outgoing>f10</bpmn:outgoing><bpmn:compensateEventDefinition activityRef="charge"/>
    </bpmn:intermediateThrowEvent>
    <bpmn:sequenceFlow id="f10" sourceRef="refund_first" targetRef="undone"/>''')
    xml = xml.replace(b'<bpmn:incoming>f9</bpmn:incoming>\n      <bpmn:compensateEventDefinition/>',
                      b'<bpmn:incoming>f10</bpmn:incoming>\n      <bpmn:compensateEventDefinition/>')
    api.deploy(xml)
    inst = api.start("order_refund", {"amount": 120})
    [ship] = [t for t in api.tasks() if t["instance_id"] == inst["id"]]
    api.complete(ship["id"], {"shipped": False})
    assert _compensated(api, inst["id"]) == ["charge"]  # refunded already; the stock is being put back now
    [release] = [t for t in api.tasks() if t["instance_id"] == inst["id"]]
    api.complete(release["id"])
    assert api.instance(inst["id"])["status"] == "completed"
    assert _compensated(api, inst["id"]) == ["charge", "reserve"]
