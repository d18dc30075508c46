"""Business rule tasks call deployed DMN decisions (Camunda 7 decisionRef, Camunda 8 calledDecision)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.dmn.bpmn import rule_task_process
from tests.dmn.build import table
from tests.test_decisions import deploy

C7 = 'camunda:decisionRef="{ref}" camunda:resultVariable="res" camunda:mapDecisionResult="{mode}"'
ONE_RULE = table("approve", [("Amount", "amount")], [("approved", "boolean")],
                 [["<= 1000", "true"], ["> 1000", "false"]], "UNIQUE")
TWO_OUTPUTS = table("limits", [("Amount", "amount")], [("approved", "boolean"), ("reason", "string")],
                    [["<= 1000", "true", '"small"'], ["> 1000", "false", '"too large"']])
MANY = table("checks", [("Amount", "amount")], [("check", "string")],
             [["> 0", '"identity"'], ["> 100", '"credit"'], ["> 10000", '"board"']], "RULE ORDER")


def _process(api, key: str, attrs: str, zeebe: str = ""):
    deploy(api, (f"{key}.bpmn", rule_task_process(key, attrs, zeebe)))


@pytest.mark.parametrize("mode,dmn,amount,expected", [
    ("singleEntry", ONE_RULE, 50, True),
    ("singleEntry", ONE_RULE, 5000, False),
    ("singleResult", TWO_OUTPUTS, 50, {"approved": True, "reason": "small"}),
    ("collectEntries", MANY, 500, ["identity", "credit"]),
    ("resultList", TWO_OUTPUTS, 5000, [{"approved": False, "reason": "too large"}]),
])
def test_map_decision_result(api, mode, dmn, amount, expected):
    key = dmn.split(b'decision id="')[1].split(b'"')[0].decode()
    deploy(api, (f"{key}.dmn", dmn))
    _process(api, "p_" + mode, C7.format(ref=key, mode=mode))
    inst = api.start("p_" + mode, {"amount": amount})
    assert inst["status"] == "running", inst
    assert inst["variables"]["res"] == expected
    [event] = [e for e in api.history(inst["id"]) if e["type"] == "decision.evaluated"]
    assert event["activity"] == "decide" and event["data"]["decision"] == key and event["data"]["version"] == 1
    assert event["data"]["inputs"] == {"Amount": amount}


@pytest.mark.parametrize("mode,dmn,code", [
    ("singleEntry", TWO_OUTPUTS, "DMN-01008"),
    ("singleEntry", MANY, "DMN-01007"),
    ("singleResult", MANY, "DMN-01007"),
    ("collectEntries", TWO_OUTPUTS, "DMN-01010"),
])
def test_map_decision_result_errors_are_incidents(api, mode, dmn, code):
    key = dmn.split(b'decision id="')[1].split(b'"')[0].decode()
    deploy(api, (f"{key}.dmn", dmn))
    _process(api, "p", C7.format(ref=key, mode=mode))
    inst = api.start("p", {"amount": 500})
    assert inst["status"] == "failed"
    [incident] = inst["incidents"]
    assert incident["type"] == "decision" and incident["activity"] == "decide"
    assert code in incident["message"]


def test_missing_decision_is_an_incident_repaired_by_deploying_and_retrying(api):
    _process(api, "p", C7.format(ref="approve", mode="singleEntry"))
    inst = api.start("p", {"amount": 50})
    assert inst["status"] == "failed"
    [incident] = inst["incidents"]
    assert incident["type"] == "decision" and "approve" in incident["message"]
    deploy(api, ("approve.dmn", ONE_RULE))
    retried = api.post(f"/api/process-instances/{inst['id']}/retry", {"reason": "repaired"}).get_json()
    assert retried["status"] == "running"
    assert retried["variables"]["res"] is True
    assert [t["activity"] for t in retried["tasks"]] == ["review"]


def test_decision_error_is_repaired_with_variables_and_retried(api):
    strict = table("strict", [("Amount", "amount")], [("ok", "boolean")], [["> 1", "true"], ["> 2", "false"]])
    deploy(api, ("strict.dmn", strict))
    _process(api, "p", C7.format(ref="strict", mode="singleEntry"))
    inst = api.start("p", {"amount": 10})
    assert inst["status"] == "failed" and "UNIQUE" in inst["incidents"][0]["message"]
    api.patch(f"/api/process-instances/{inst['id']}/variables", {"set": {"amount": 2}, "reason": "typo"})
    retried = api.post(f"/api/process-instances/{inst['id']}/retry", {"reason": "repaired"}).get_json()
    assert retried["status"] == "running" and retried["variables"]["res"] is True


def test_latest_version_binds_when_the_task_starts_and_version_binding_pins(api):
    deploy(api, ("approve.dmn", ONE_RULE))
    _process(api, "latest", C7.format(ref="approve", mode="singleEntry"))
    _process(api, "pinned", C7.format(ref="approve", mode="singleEntry")
             + ' camunda:decisionRefBinding="version" camunda:decisionRefVersion="1"')
    deploy(api, ("approve.dmn", ONE_RULE.replace(b"&lt;= 1000", b"&lt;= 10").replace(b"&gt; 1000", b"&gt; 10")))
    assert api.start("latest", {"amount": 50})["variables"]["res"] is False
    assert api.start("pinned", {"amount": 50})["variables"]["res"] is True


def test_zeebe_called_decision(api):
    deploy(api, ("limits.dmn", TWO_OUTPUTS), ("approve.dmn", ONE_RULE))
    _process(api, "z1", "", '<zeebe:calledDecision decisionId="approve" resultVariable="ok"/>')
    _process(api, "z2", "", '<zeebe:calledDecision decisionId="limits" resultVariable="out"/>')
    assert api.start("z1", {"amount": 5})["variables"]["ok"] is True
    assert api.start("z2", {"amount": 5000})["variables"]["out"] == {"approved": False, "reason": "too large"}


def test_business_rule_tasks_that_cannot_run_are_refused(api):
    for attrs, words in [('camunda:class="com.example.Rules"', "[java-delegate] businessRuleTask"),
                         ("", "decisionRef"),
                         ('camunda:decisionRef="${ref}"', "expression"),
                         ('camunda:decisionRef="a" camunda:decisionRefBinding="deployment"', "deployment"),
                         ('camunda:decisionRef="a" camunda:mapDecisionResult="bogus"', "bogus")]:
        r = api.client.post("/api/deployments", data=rule_task_process("bad", attrs),
                            content_type="application/xml", headers=api._headers())
        assert r.status_code == 422, r.get_json()
        assert words in str(r.get_json()) and "decide" in str(r.get_json())


FEEL_GATEWAY = '''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="http://example.com/bpmn">
  <bpmn:process id="feel_route" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw" default="small"/>
    <bpmn:sequenceFlow id="big" sourceRef="gw" targetRef="big_task">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="small" sourceRef="gw" targetRef="small_task"/>
    <bpmn:userTask id="big_task"/>
    <bpmn:userTask id="small_task"/>
    <bpmn:sequenceFlow id="f2" sourceRef="big_task" targetRef="end"/>
    <bpmn:sequenceFlow id="f3" sourceRef="small_task" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
'''


def test_feel_conditions_with_the_equals_prefix(api):
    xml = FEEL_GATEWAY.replace("{condition}", '= amount &gt; 500 and customer.tier in ("gold", "silver")')
    deploy(api, ("route.bpmn", xml.encode()))
    big = api.start("feel_route", {"amount": 800, "customer": {"tier": "gold"}})
    assert [t["activity"] for t in big["tasks"]] == ["big_task"]
    small = api.start("feel_route", {"amount": 800, "customer": {"tier": "bronze"}})
    assert [t["activity"] for t in small["tasks"]] == ["small_task"]
    unknown = api.start("feel_route", {"customer": {"tier": "gold"}})  # null > 500 is null: not taken
    assert [t["activity"] for t in unknown["tasks"]] == ["small_task"]


def test_feel_syntax_error_in_a_condition_is_a_422_with_its_position(api):
    body = deploy(api, ("route.bpmn", FEEL_GATEWAY.replace("{condition}", "= amount &gt; (5 +").encode()),
                  expect=422)
    [err] = body["errors"]
    assert err["element"] == "big" and "line 1, column" in err["message"]


def test_zeebe_job_worker_business_rule_task_is_an_external_task(api):
    _process(api, "job", "", '<zeebe:taskDefinition type="DMN"/>')
    inst = api.start("job", {"amount": 5})
    r = api.post("/api/external-tasks/fetch-and-lock",
                 {"worker_id": "w", "topics": [{"name": "DMN", "lock_duration_ms": 30000}], "max_tasks": 1})
    [task] = r.get_json()["items"]
    assert task["instance_id"] == inst["id"] and task["activity"] == "decide"


def test_feel_timer_duration(api):
    from tests.client import DIAGRAMS

    xml = (DIAGRAMS / "timer_catch.bpmn").read_bytes().replace(b"${wait}", b'= duration("PT" + string(hours) + "H")')
    deploy(api, ("timer.bpmn", xml))
    inst = api.start("timer_catch", {"hours": 3})
    [waiting] = [w for w in inst["waiting"] if w["type"] == "timer"]
    started = dt.datetime.fromisoformat(inst["started_at"].replace("Z", "+00:00"))
    due = dt.datetime.fromisoformat(waiting["due_at"].replace("Z", "+00:00"))
    assert dt.timedelta(hours=2, minutes=59) < due - started < dt.timedelta(hours=3, minutes=1)


def test_feel_assignee(api):
    xml = rule_task_process("assign", 'camunda:decisionRef="approve" camunda:resultVariable="res" '
                                      'camunda:mapDecisionResult="singleEntry"')
    xml = xml.replace(b'<bpmn:userTask id="review" name="Review"/>',
                      b'<bpmn:userTask id="review" name="Review" camunda:assignee="= lower case(owner)"/>')
    deploy(api, ("approve.dmn", ONE_RULE), ("assign.bpmn", xml))
    inst = api.start("assign", {"amount": 5, "owner": "ALICE"})
    assert [t["assignee"] for t in inst["tasks"]] == ["alice"]
    bad = xml.replace(b"= lower case(owner)", b"= lower case(owner")
    body = deploy(api, ("bad.bpmn", bad.replace(b'id="assign"', b'id="assign2"')), expect=422)
    assert "camunda:assignee" in body["errors"][0]["message"] and body["errors"][0]["element"] == "review"


def test_the_instance_page_shows_each_decision_with_inputs_rules_and_outputs(app, api):
    """The audit question "why was this refused" is answered on the instance page too (issue 17)."""
    import html
    import re

    from tests.test_web import Pages

    deploy(api, ("limits.dmn", TWO_OUTPUTS))
    _process(api, "p_page", C7.format(ref="limits", mode="singleResult"))
    inst = api.start("p_page", {"amount": 5000})
    page = html.unescape(Pages(app, api.token).text(f"/ui/instances/{inst['id']}"))
    section = re.search(r'<section class="card" id="decisions">(.*?)</section>', page, re.S).group(1)
    [row] = re.findall(r'<tr class="decision">(.*?)</tr>', section, re.S)
    assert "<strong>limits</strong>" in row and "v1" in row and "<code>decide</code>" in row
    assert "<code>Amount</code> = 5000" in row
    assert "<code>r2</code>" in row  # the matched rule
    assert '<code>approved</code> = false' in row and '<code>reason</code> = "too large"' in row
