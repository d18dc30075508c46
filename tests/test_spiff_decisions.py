"""spiff-arena's business rule task (`spiffworkflow:calledDecisionId`): it evaluates the latest deployed version of
the DMN decision and merges the result into the variables as SpiffWorkflow does (a single-hit table's outputs by
name, a collect table's outputs as lists by name)."""

from __future__ import annotations

from tests.dmn.build import table
from tests.test_decisions import deploy

SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
LIMITS = table("limits", [("Amount", "amount")], [("approved", "boolean"), ("reason", "string")],
               [["<= 1000", "true", '"small"'], ["> 1000", "false", '"too large"']], "UNIQUE")
CHECKS = table("checks", [("Amount", "amount")], [("check", "string")],
               [["> 0", '"identity"'], ["> 100", '"credit"'], ["> 10000", '"board"']], "COLLECT")


def spiff_rule_process(key: str, decision: str, host: str = "businessRuleTask") -> bytes:
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:spiffworkflow="{SPIFF}"
    id="defs_{key}" targetNamespace="http://example.com/bpmn">
  <bpmn:process id="{key}" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="decide"/>
    <bpmn:{host} id="decide" name="Decide"><bpmn:extensionElements>
      <spiffworkflow:calledDecisionId>{decision}</spiffworkflow:calledDecisionId>
    </bpmn:extensionElements></bpmn:{host}>
    <bpmn:sequenceFlow id="f2" sourceRef="decide" targetRef="review"/>
    <bpmn:userTask id="review" name="Review"/>
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
'''.encode()


def test_a_single_hit_decision_merges_its_outputs_into_the_variables(api):
    deploy(api, ("limits.dmn", LIMITS), ("spiff_limits.bpmn", spiff_rule_process("spiff_limits", "limits")))
    inst = api.start("spiff_limits", {"amount": 5000})
    assert inst["status"] == "running", inst
    assert inst["variables"] == {"amount": 5000, "approved": False, "reason": "too large"}
    [event] = [e for e in api.history(inst["id"]) if e["type"] == "decision.evaluated"]
    assert event["data"]["decision"] == "limits"


def test_a_collect_decision_merges_each_output_as_a_list(api):
    deploy(api, ("checks.dmn", CHECKS), ("spiff_checks.bpmn", spiff_rule_process("spiff_checks", "checks")))
    assert api.start("spiff_checks", {"amount": 500})["variables"]["check"] == ["identity", "credit"]


def test_a_missing_decision_is_an_incident_at_the_task(api):
    deploy(api, ("spiff_none.bpmn", spiff_rule_process("spiff_none", "nowhere")))
    inst = api.start("spiff_none", {"amount": 1})
    assert inst["status"] == "failed"
    [incident] = inst["incidents"]
    assert incident["activity"] == "decide" and "nowhere" in incident["message"]


def test_called_decision_id_elsewhere_or_empty_is_refused_naming_the_element(api):
    body = deploy(api, ("x.bpmn", spiff_rule_process("spiff_bad", "limits", host="serviceTask")), expect=422)
    assert any(e["element"] == "decide" and "[spiffworkflow:calledDecisionId] belongs to a business rule task"
               in e["message"] for e in body["errors"]), body
    body = deploy(api, ("y.bpmn", spiff_rule_process("spiff_empty", "")), expect=422)
    assert any(e["element"] == "decide" and "calledDecisionId" in e["message"] for e in body["errors"]), body
