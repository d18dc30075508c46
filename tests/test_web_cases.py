"""Issue 23 through Flask's test client, on both databases: the "Start a case" page turns a start event's
camunda:formData into inputs (no JSON typing), and the task page shows the case: business key, the
variables the process marks visible, earlier decisions with their comments, and the form prefilled
from the current values (a "revise" step shows what was sent back)."""

from __future__ import annotations

import re

from tests.test_web import Pages

CLAIM = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs_claim" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="claim" name="Insurance claim" isExecutable="true">
    <bpmn:extensionElements><camunda:properties>
      <camunda:property name="visibleVariables" value="customer, amount, reason"/>
    </camunda:properties></bpmn:extensionElements>
    <bpmn:startEvent id="start" name="Claim filed">
      <bpmn:extensionElements><camunda:formData businessKey="claim_no">
        <camunda:formField id="claim_no" label="Claim number" type="string">
          <camunda:validation><camunda:constraint name="required"/></camunda:validation></camunda:formField>
        <camunda:formField id="customer" label="Customer" type="string">
          <camunda:validation><camunda:constraint name="required"/></camunda:validation></camunda:formField>
        <camunda:formField id="amount" label="Amount" type="long">
          <camunda:validation><camunda:constraint name="required"/><camunda:constraint name="min" config="1"/>
          </camunda:validation></camunda:formField>
        <camunda:formField id="express" label="Express" type="boolean"/>
        <camunda:formField id="secret_note" label="Internal note" type="string"/>
      </camunda:formData></bpmn:extensionElements>
      <bpmn:outgoing>f1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="check" name="Check the claim" camunda:candidateGroups="adjusters">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="approved" label="Approve?" type="boolean">
          <camunda:validation><camunda:constraint name="required"/></camunda:validation></camunda:formField>
        <camunda:formField id="reason" label="Reason" type="string"/>
      </camunda:formData></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="ok" default="f3"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f3</bpmn:outgoing><bpmn:outgoing>f5</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:userTask id="revise" name="Revise the claim" camunda:candidateGroups="adjusters">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="amount" label="Amount" type="long"/>
        <camunda:formField id="reason" label="Reason" type="string"/>
      </camunda:formData></bpmn:extensionElements>
      <bpmn:incoming>f5</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="done"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="check"/>
    <bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="ok"/>
    <bpmn:sequenceFlow id="f3" sourceRef="ok" targetRef="done"/>
    <bpmn:sequenceFlow id="f5" sourceRef="ok" targetRef="revise">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"
        xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">${!approved}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="revise" targetRef="check"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _inputs(page: str) -> dict[str, str]:
    """name -> value of the text inputs of a page."""
    return {m.group(1): m.group(2) for m in re.finditer(r'<input type="text"[^>]*name="([^"]+)" value="([^"]*)"',
                                                         page)}


def test_start_a_case_lists_what_the_user_may_start_and_asks_the_start_form(app, api):
    api.deploy(CLAIM)
    olga = api.as_user("olga", "operator", ["adjusters"])
    pages = Pages(app, olga.token)
    listing = pages.text("/ui/start")
    assert "Insurance claim" in listing and 'href="/ui/start/claim"' in listing and "5 fields" in listing
    form = pages.text("/ui/start/claim")
    assert 'name="variables"' not in form and "<textarea" not in form  # no JSON to type
    assert 'name="business_key"' not in form  # the form's claim_no is the business key
    for field in ("claim_no", "customer", "amount"):
        assert f'id="f-{field}"' in form
    assert re.search(r'<input type="checkbox"[^>]*name="express"', form)

    r = pages.post("/ui/start/claim", {"claim_no": "CL-7", "customer": "Ada", "amount": "lots"})
    assert r.status_code == 422
    again = r.get_data(as_text=True)
    assert 'id="error-amount">Amount must be a whole number<' in again
    assert _inputs(again)["customer"] == "Ada"  # what was typed is kept
    assert api.get("/api/process-instances", query_string={"process": "claim"}).get_json()["items"] == []

    r = pages.post("/ui/start/claim", {"claim_no": "CL-7", "customer": "Ada", "amount": "1200", "express": "true"})
    assert r.status_code == 303 and "/ui/instances/" in r.headers["Location"]
    started = api.get("/api/process-instances", query_string={"business_key": "CL-7"}).get_json()["items"]
    assert len(started) == 1 and started[0]["started_by"] == "olga"
    variables = api.instance(started[0]["id"])["variables"]
    assert variables == {"claim_no": "CL-7", "customer": "Ada", "amount": 1200, "express": True}, variables


def test_start_page_refuses_who_may_not_start(app, api):
    api.deploy(CLAIM)
    aude = api.as_user("aude", "auditor")
    pages = Pages(app, aude.token)
    assert pages.get("/ui/start").status_code == 403
    assert pages.post("/ui/start/claim", {"claim_no": "X", "customer": "Y", "amount": "3"}).status_code == 403
    assert "Start a case" not in pages.text("/ui/history")


def test_the_task_page_shows_the_case_earlier_decisions_and_prefills_the_revise_form(app, api):
    api.deploy(CLAIM)
    olga = api.as_user("olga", "operator", ["adjusters"])
    instance = olga.start("claim", {"claim_no": "CL-9", "customer": "Bo", "amount": 900,
                                    "secret_note": "known to us"})
    check = instance["tasks"][0]
    assert olga.post(f"/api/tasks/{check['id']}/claim").status_code == 200
    olga.complete(check["id"], {"approved": False, "reason": "receipt missing"})
    revise = olga.tasks(instance=instance["id"])[0]
    assert revise["activity"] == "revise"
    pages = Pages(app, olga.token)
    pages.post(f"/ui/tasks/{revise['id']}/claim")
    page = pages.text(f"/ui/tasks/{revise['id']}")
    details = page[page.index('id="case-details"'):page.index('id="earlier-decisions"')]
    assert 'id="case-business-key">CL-9<' in details
    assert 'data-variable="customer">Bo<' in details and 'data-variable="amount">900<' in details
    assert "secret_note" not in details and "known to us" not in page  # not in visibleVariables
    earlier = page[page.index('id="earlier-decisions"'):]
    assert "Check the claim" in earlier and "olga" in earlier and "receipt missing" in earlier
    assert _inputs(page) == {"amount": "900", "reason": "receipt missing"}  # prefilled from the variables

    r = pages.post(f"/ui/tasks/{revise['id']}/complete", {"amount": "700", "reason": "receipt added"})
    assert r.status_code == 303
    back = olga.tasks(instance=instance["id"])[0]
    assert back["activity"] == "check"
    pages.post(f"/ui/tasks/{back['id']}/claim")
    page = pages.text(f"/ui/tasks/{back['id']}")
    radios = re.findall(r'<input type="radio"[^>]*name="approved"[^>]*>', page)
    assert [("checked" in r) for r in radios] == [False, True]  # approved=false, from the first round
    assert api.instance(instance["id"])["variables"]["amount"] == 700


def test_without_the_property_every_variable_is_shown(app, api):
    api.deploy(CLAIM.replace(b'name="visibleVariables"', b'name="somethingElse"'))
    instance = api.start("claim", {"claim_no": "CL-1", "customer": "Cy", "amount": 5, "secret_note": "n"})
    anna = api.as_user("anna", "analyst")
    page = Pages(app, anna.token).text(f"/ui/tasks/{instance['tasks'][0]['id']}")
    for name in ("claim_no", "customer", "amount", "secret_note"):
        assert f'data-variable="{name}"' in page
