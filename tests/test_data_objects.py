"""Data associations between a task's data inputs/outputs and a data object (engine/data_objects.py)."""

from __future__ import annotations

QUOTE = b'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:process id="quote" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="price"/>
    <bpmn:scriptTask id="price" scriptFormat="python">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:ioSpecification>
        <bpmn:dataOutput id="computed" name="computed price"/>
        <bpmn:inputSet/><bpmn:outputSet><bpmn:dataOutputRefs>computed</bpmn:dataOutputRefs></bpmn:outputSet>
      </bpmn:ioSpecification>
      <bpmn:dataOutputAssociation id="o1"><bpmn:sourceRef>computed</bpmn:sourceRef>
        <bpmn:targetRef>totalRef</bpmn:targetRef></bpmn:dataOutputAssociation>
      <bpmn:script>computed = 3 * 40</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="price" targetRef="offer"/>
    <bpmn:scriptTask id="offer" scriptFormat="python">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:ioSpecification>
        <bpmn:dataInput id="amount" name="amount"/>
        <bpmn:inputSet><bpmn:dataInputRefs>amount</bpmn:dataInputRefs></bpmn:inputSet><bpmn:outputSet/>
      </bpmn:ioSpecification>
      <bpmn:dataInputAssociation id="i1"><bpmn:sourceRef>totalRef</bpmn:sourceRef>
        <bpmn:targetRef>amount</bpmn:targetRef></bpmn:dataInputAssociation>
      <bpmn:script>offered = amount + 5</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="offer" targetRef="e"/>
    <bpmn:endEvent id="e"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:dataObject id="total" name="order total"/>
    <bpmn:dataObjectReference id="totalRef" dataObjectRef="total"/>
  </bpmn:process>
</bpmn:definitions>'''


def test_a_task_output_written_to_a_data_object_is_the_next_task_input(api):
    api.deploy(QUOTE)
    done = api.start("quote")
    assert done["status"] == "completed", done["incidents"]
    assert done["variables"]["offered"] == 125
