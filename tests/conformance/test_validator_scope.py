"""What the deploy-time constraint check deliberately lets through, and how it reports alongside the parser.

No corpus needed: small hand-written diagrams, checked through the engine function the deployment service
calls (a 422 is `BpmnInvalid`).
"""

from __future__ import annotations

import pytest

from bpmn_server import engine
from tests.client import DIAGRAMS

pytestmark = pytest.mark.conformance

NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
      'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"')


def _deploy(xml: str) -> list[str]:
    return [p.key for p in engine.parse_definitions(xml.encode(), "t.bpmn", lambda key: None)]


def _refusal(xml: str) -> list[dict]:
    with pytest.raises(engine.BpmnInvalid) as caught:
        engine.parse_definitions(xml.encode(), "t.bpmn", lambda key: None)
    return caught.value.errors


def test_hand_written_diagram_without_flow_lists_or_namespace_deploys():
    """No targetNamespace, no incoming/outgoing children, no xsi:type on a condition or a timer: accepted."""
    xml = f"""<bpmn:definitions {NS} id="d">
      <bpmn:process id="terse" isExecutable="true">
        <bpmn:startEvent id="s"/>
        <bpmn:exclusiveGateway id="g" default="f3"/>
        <bpmn:intermediateCatchEvent id="wait">
          <bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>
        </bpmn:intermediateCatchEvent>
        <bpmn:endEvent id="e"/>
        <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="g"/>
        <bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="wait">
          <bpmn:conditionExpression>amount &gt; 10</bpmn:conditionExpression>
        </bpmn:sequenceFlow>
        <bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="e"/>
        <bpmn:sequenceFlow id="f4" sourceRef="wait" targetRef="e"/>
      </bpmn:process>
    </bpmn:definitions>"""
    assert _deploy(xml) == ["terse"]


def test_a_documentation_pool_is_not_held_to_the_rules():
    """A non-executable pool (here a pass-through gateway and a flow-less task) does not block its partner."""
    xml = f"""<bpmn:definitions {NS} id="d" targetNamespace="t">
      <bpmn:collaboration id="c">
        <bpmn:participant id="p1" processRef="runs"/><bpmn:participant id="p2" processRef="sketch"/>
      </bpmn:collaboration>
      <bpmn:process id="runs" isExecutable="true">
        <bpmn:startEvent id="s"/><bpmn:endEvent id="e"/>
        <bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/>
      </bpmn:process>
      <bpmn:process id="sketch" isExecutable="false">
        <bpmn:startEvent id="s2"/><bpmn:exclusiveGateway id="g2"/><bpmn:task id="lonely"/><bpmn:endEvent id="e2"/>
        <bpmn:sequenceFlow id="f5" sourceRef="s2" targetRef="g2"/>
        <bpmn:sequenceFlow id="f6" sourceRef="g2" targetRef="e2"/>
      </bpmn:process>
    </bpmn:definitions>"""
    assert _deploy(xml) == ["runs"]


def test_the_same_rule_in_an_executable_process_is_a_422_naming_it():
    xml = f"""<bpmn:definitions {NS} id="d" targetNamespace="t">
      <bpmn:process id="runs" isExecutable="true">
        <bpmn:startEvent id="s"/><bpmn:exclusiveGateway id="g"/><bpmn:endEvent id="e"/>
        <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="g"/>
        <bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="e"/>
        <bpmn:sequenceFlow id="f3" sourceRef="e" targetRef="g"/>
      </bpmn:process>
    </bpmn:definitions>"""
    errors = _refusal(xml)
    assert [(e["element"], e["line"], e["message"].split(" ")[0]) for e in errors] == [
        ("e", 3, "[end-event-outgoing]")]


def test_a_rule_on_an_element_the_parser_refuses_joins_that_error():
    """One entry per element: the parser's reason first, then the rule (a complex gateway that does not split)."""
    errors = _refusal((DIAGRAMS / "core_bad_complex.bpmn").read_text())
    assert [e["element"] for e in errors] == ["Gateway_complex"]
    assert "complex gateway" in errors[0]["message"] and "[gateway-flows]" in errors[0]["message"]


def test_schema_errors_are_reported_with_their_line():
    xml = f"""<bpmn:definitions {NS} id="d" targetNamespace="t">
      <bpmn:process id="runs" isExecutable="true">
        <bpmn:startEvent id="s"/><bpmn:endEvent id="e"/>
        <bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/>
        <bpmn:bogus id="x"/>
      </bpmn:process>
    </bpmn:definitions>"""
    errors = _refusal(xml)
    assert [e["message"][:6] for e in errors] == ["[xsd] "]
    assert errors[0]["line"] == 5
