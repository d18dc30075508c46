"""Camunda 7's "Passing Variables" of signal events: camunda:in on the signal definition of a throw or end event
chooses what the signal carries to every catcher, through the relay of what steps throw (services/relay.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.client import DIAGRAMS

CAMUNDA = 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'


def _variables(api, process):
    found = api.get("/api/process-instances", query_string={"process": process}).get_json()["items"]
    return [api.instance(i["id"]) for i in found]


def _task(api, instance_id, activity):
    return next(t for t in api.instance(instance_id)["tasks"] if t["activity"] == activity)


def test_a_thrown_signal_carries_the_variables_its_camunda_in_chose(api):
    api.deploy("c7_signal_variables.bpmn")
    waiting = api.start("sv_waiter", {"mine": 1})
    thrower = api.start("sv_thrower", {"amount": 5, "orderId": 7, "secret": "s"})

    # The instance it started has them as start variables, and nothing else of the thrower's.
    started = _variables(api, "sv_started")
    assert len(started) == 1
    assert started[0]["variables"] == {"total": 5, "label": "Order 7 of 10"}
    # The waiting catcher has them set, beside its own.
    caught = api.instance(waiting["id"])
    assert caught["variables"] == {"mine": 1, "total": 5, "label": "Order 7 of 10"}
    assert [t["activity"] for t in caught["tasks"]] == ["watch"]
    delivered = [e for e in api.history(waiting["id"]) if e["type"] == "signal.delivered"]
    assert delivered[0]["data"]["variables"] == {"total": 5, "label": "Order 7 of 10"}
    assert delivered[0]["data"]["thrown_by"] == thrower["id"]

    # The end event passes its local variables only (variables="all" local="true"): its input parameter.
    api.complete(_task(api, thrower["id"], "pack")["id"])
    moved = api.instance(waiting["id"])
    assert [t["activity"] for t in moved["tasks"]] == ["archive"]  # the boundary event took it
    assert moved["variables"] == {"mine": 1, "total": 5, "label": "Order 7 of 10", "reason": "packed"}
    assert "reason" not in api.instance(thrower["id"])["variables"]  # a local variable of the end event


def test_a_signal_without_camunda_in_carries_no_variables(api):
    api.deploy("ex_signals.bpmn")
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" {CAMUNDA} id="d" targetNamespace="t">
  <bpmn:signal id="S" name="alarm"/>
  <bpmn:process id="plain_thrower" isExecutable="true">
    <bpmn:startEvent id="a"/>
    <bpmn:sequenceFlow id="f1" sourceRef="a" targetRef="raise"/>
    <bpmn:intermediateThrowEvent id="raise"><bpmn:signalEventDefinition signalRef="S"/></bpmn:intermediateThrowEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="raise" targetRef="z"/>
    <bpmn:endEvent id="z"/>
  </bpmn:process>
</bpmn:definitions>"""
    api.deploy(xml)
    api.start("plain_thrower", {"level": 9})
    assert [i["variables"] for i in _variables(api, "ex_sig_start")] == [{}]


@pytest.mark.parametrize("placement, message", [
    ('<bpmn:intermediateCatchEvent id="bad"><bpmn:signalEventDefinition signalRef="S"><bpmn:extensionElements>'
     '<camunda:in source="a" target="b"/></bpmn:extensionElements></bpmn:signalEventDefinition>'
     '</bpmn:intermediateCatchEvent>', "passed by its thrower"),
    ('<bpmn:intermediateThrowEvent id="bad"><bpmn:signalEventDefinition signalRef="S"><bpmn:extensionElements>'
     '<camunda:in businessKey="${k}"/></bpmn:extensionElements></bpmn:signalEventDefinition>'
     '</bpmn:intermediateThrowEvent>', "a signal carries variables"),
    ('<bpmn:intermediateThrowEvent id="bad"><bpmn:signalEventDefinition signalRef="S"><bpmn:extensionElements>'
     '<camunda:out source="a" target="b"/></bpmn:extensionElements></bpmn:signalEventDefinition>'
     '</bpmn:intermediateThrowEvent>', "variable passing is supported on call activities"),
])
def test_camunda_in_where_a_signal_cannot_pass_variables_is_refused(api, placement, message):
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" {CAMUNDA} id="d" targetNamespace="t">
  <bpmn:signal id="S" name="s"/>
  <bpmn:process id="refused" isExecutable="true">
    <bpmn:startEvent id="a"/>
    <bpmn:sequenceFlow id="f1" sourceRef="a" targetRef="bad"/>
    {placement}
    <bpmn:sequenceFlow id="f2" sourceRef="bad" targetRef="z"/>
    <bpmn:endEvent id="z"/>
  </bpmn:process>
</bpmn:definitions>"""
    errors = api.deploy(xml, expect=422)["errors"]
    assert any(e["element"] == "bad" and message in e["message"] for e in errors), errors


def test_a_date_passed_with_a_signal_arrives_as_iso_text(api):
    xml = (DIAGRAMS / "c7_signal_variables.bpmn").read_text().replace(
        'sourceExpression="Order ${orderId} of ${amount * 2}"', 'sourceExpression="${now()}"')
    api.deploy(xml)
    waiting = api.start("sv_waiter")
    api.start("sv_thrower", {"amount": 5, "orderId": 7})
    label = api.instance(waiting["id"])["variables"]["label"]
    assert dt.datetime.fromisoformat(label).tzinfo is not None  # as a date sent to POST /api/signals would be


def test_engine_rest_signal_variables_reach_the_catchers_as_a_thrown_signals_do(api):
    from tests.test_camunda_deploy import Camunda

    api.deploy("c7_signal_variables.bpmn")
    waiting = api.start("sv_waiter", {"mine": 1})
    r = Camunda(api).post("/signal", {"name": "order-placed",
                                      "variables": {"total": {"value": 9, "type": "Integer"},
                                                    "label": {"value": "by REST", "type": "String"}}})
    assert r.status_code == 204, r.get_json()
    assert api.instance(waiting["id"])["variables"] == {"mine": 1, "total": 9, "label": "by REST"}
    assert [i["variables"] for i in _variables(api, "sv_started")] == [{"total": 9, "label": "by REST"}]
