"""A script throws a BPMN error (`raise BpmnError("CODE")`), as a Camunda script does: an error boundary event
that catches the code takes it; nothing catching it fails the instance with an incident."""

from __future__ import annotations

CHECK = b'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:error id="err" errorCode="%(caught)s"/>
  <bpmn:process id="check" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="validate"/>
    <bpmn:scriptTask id="validate" scriptFormat="python"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>if amount &gt; 100:
    raise BpmnError("TOO_MUCH", "over the limit")
checked = True</bpmn:script></bpmn:scriptTask>
    <bpmn:boundaryEvent id="tooMuch" attachedToRef="validate">
      <bpmn:outgoing>f3</bpmn:outgoing><bpmn:errorEventDefinition errorRef="err"/></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="validate" targetRef="ok"/>
    <bpmn:endEvent id="ok"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="tooMuch" targetRef="review"/>
    <bpmn:userTask id="review"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f4" sourceRef="review" targetRef="reviewed"/>
    <bpmn:endEvent id="reviewed"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>'''


def test_an_error_boundary_event_catches_what_the_script_throws(api):
    api.deploy(CHECK % {b"caught": b"TOO_MUCH"})
    fine = api.start("check", {"amount": 50})
    assert fine["status"] == "completed" and fine["variables"]["checked"] is True
    caught = api.start("check", {"amount": 500})
    assert caught["status"] == "running" and [t["activity"] for t in caught["tasks"]] == ["review"]
    assert "checked" not in caught["variables"]
    done = [e["activity"] for e in api.history(caught["id"]) if e["type"] == "activity.completed"]
    assert "tooMuch" in done and "validate" not in done and "ok" not in done


def test_an_error_nothing_catches_is_an_incident(api):
    api.deploy(CHECK % {b"caught": b"OTHER"})
    failed = api.start("check", {"amount": 500})
    assert failed["status"] == "failed"
    [incident] = failed["incidents"]
    assert incident["activity"] == "validate" and "TOO_MUCH" in incident["message"]
