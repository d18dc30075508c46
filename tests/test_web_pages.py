"""Issue 14's page items through the API and Flask's test client: a required yes/no is a real
choice, what happened is said after a start or a retry that failed, upload problems all at once,
prefix filters on the instance list, an expired session sends to the login page and back.
(tests/test_web_browser.py checks the same in Chromium, at desktop and phone width.)"""

from __future__ import annotations

import html
import io
import re

from tests.test_web import Pages

APPROVAL = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs_approval" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="approval" name="Expense approval" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="approve" name="Approve the report">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="approved" label="Approve?" type="boolean" defaultValue="false">
          <camunda:validation><camunda:constraint name="required"/></camunda:validation></camunda:formField>
        <camunda:formField id="urgent" label="Urgent" type="boolean"/>
      </camunda:formData></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="done"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="approve"/>
    <bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="done"/>
  </bpmn:process>
</bpmn:definitions>
"""


def test_the_api_refuses_a_missing_required_boolean(api):
    api.deploy(APPROVAL)
    task = api.start("approval")["tasks"][0]
    r = api.post(f"/api/tasks/{task['id']}/complete", {"variables": {"urgent": True}})
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["errors"] == [{"field": "approved", "message": "is required"}]
    done = api.complete(task["id"], {"approved": False})
    assert done["variables"]["approved"] is False and done["status"] == "completed"


def test_a_required_boolean_is_a_yes_no_choice_without_default(app, api):
    api.deploy(APPROVAL)
    instance = api.start("approval")
    task = instance["tasks"][0]
    pages = Pages(app, api.token)
    pages.post(f"/ui/tasks/{task['id']}/claim")
    page = pages.text(f"/ui/tasks/{task['id']}")
    radios = re.findall(r'<input type="radio"[^>]*name="approved"[^>]*>', page)
    assert len(radios) == 2 and not any("checked" in r for r in radios), radios
    assert re.search(r'<legend>Approve\?\s*<span class="req"', page)
    assert re.search(r'<input type="checkbox"[^>]*name="urgent"', page)  # optional: still a box
    r = pages.post(f"/ui/tasks/{task['id']}/complete", {"urgent": "true"})
    assert r.status_code == 422
    shown = html.unescape(r.get_data(as_text=True))
    assert re.search(r'id="error-approved">Approve\? is required<', shown)
    assert api.instance(instance["id"])["status"] == "running"
    r = pages.post(f"/ui/tasks/{task['id']}/complete", {"approved": "false"})
    assert r.status_code == 303
    assert api.instance(instance["id"])["variables"] == {"approved": False, "urgent": False}


MANY_PROBLEMS = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs_many" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="many_problems" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="bad_script" scriptFormat="python"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:script>total = = 1</bpmn:script></bpmn:scriptTask>
    <bpmn:userTask id="bad_form"><bpmn:extensionElements><camunda:formData>
        <camunda:formField id="x" type="colour"/></camunda:formData></bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:intermediateCatchEvent id="bad_timer"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDuration>soon</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="done"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="bad_script"/>
    <bpmn:sequenceFlow id="f2" sourceRef="bad_script" targetRef="bad_form"/>
    <bpmn:sequenceFlow id="f3" sourceRef="bad_form" targetRef="bad_timer"/>
    <bpmn:sequenceFlow id="f4" sourceRef="bad_timer" targetRef="done"/>
  </bpmn:process>
</bpmn:definitions>
"""


def test_the_upload_page_shows_every_problem_of_a_file_at_once(app, api):
    r = api.post("/api/deployments", data={"file": (io.BytesIO(MANY_PROBLEMS), "many.bpmn")},
                 content_type="multipart/form-data")
    assert r.status_code == 422
    reported = r.get_json()["errors"]
    assert {"bad_script", "bad_timer"} <= {e.get("element") for e in reported}, reported
    pages = Pages(app, api.as_user("anna", "analyst").token)
    pages.get("/ui/deploy")
    r = pages.post("/ui/deploy", {"file": (io.BytesIO(MANY_PROBLEMS), "many.bpmn"), "note": "try"},
                   content_type="multipart/form-data")
    assert r.status_code == 422
    page = html.unescape(r.get_data(as_text=True))
    problems = re.search(r'<ul class="problems">(.*?)</ul>', page, re.S).group(1)
    assert len(re.findall(r"<li>", problems)) == len(reported)  # every one, not the first
    for error in reported:
        assert error["message"] in problems
    assert f"{len(reported)} problems" in page


def test_instance_filters_match_a_prefix_of_business_key_and_process(app, api):
    api.deploy("review_timeout.bpmn")
    api.deploy(APPROVAL)
    for key in ("INV-2026-001", "INV-2026-002", "INV-2025-9", "ORD_1"):
        api.start("approval", business_key=key)
    api.start("review_timeout", {"amount": 1, "skip": False}, business_key="INV-2026-777")
    pages = Pages(app, api.token)

    def keys(query: str) -> set[str]:
        return set(re.findall(r'data-label="Business key">([^<]*)<', pages.text(f"/ui/instances?{query}")))

    assert keys("business_key=INV-2026") == {"INV-2026-001", "INV-2026-002", "INV-2026-777"}
    assert keys("business_key=INV-2026&process=appr") == {"INV-2026-001", "INV-2026-002"}
    assert keys("process=review") == {"INV-2026-777"}
    assert keys("business_key=ORD_") == {"ORD_1"} and keys("business_key=ORD%25") == set()  # no wildcards
    assert keys("business_key=2026") == set()  # a prefix, not "contains"
    # The API keeps its exact match (the contract's filter).
    assert api.get("/api/process-instances?business_key=INV-2026").get_json()["items"] == []


SCRIPT_FAILS = "ex_script_fail"


def test_a_start_or_retry_that_fails_says_so(app, api):
    api.deploy("ex_script_fail.bpmn")
    pages = Pages(app, api.as_user("anna", "analyst").token)
    pages.get(f"/ui/processes/{SCRIPT_FAILS}")
    r = pages.post(f"/ui/processes/{SCRIPT_FAILS}/start", {"variables": '{"amount": 10, "count": 0}',
                                                           "business_key": "EXP-9"})
    assert r.status_code == 303
    page = pages.text(r.headers["Location"])
    flash = re.search(r'<div class="flash flash-(\w+)"[^>]*>([^<]*)<', page)
    assert flash.group(1) == "error", flash.group(0)
    assert "Started #EXP-9" in flash.group(2) and "but it failed at once" in flash.group(2)
    assert "division by zero" in flash.group(2)
    instance_id = r.headers["Location"].rsplit("/", 1)[1]
    r = pages.post(f"/ui/instances/{instance_id}/retry", {"reason": "try again"})
    flash = re.search(r'<div class="flash flash-(\w+)"[^>]*>([^<]*)<', pages.text(r.headers["Location"]))
    assert flash.group(1) == "error" and flash.group(2).startswith("Retried: it failed again:")
    assert "ran again" not in flash.group(2) and "division by zero" in flash.group(2)
    r = pages.post(f"/ui/instances/{instance_id}/variables", {"set": '{"count": 2}', "reason": "count was 0"})
    assert "The variables are updated." in pages.text(r.headers["Location"])
    r = pages.post(f"/ui/instances/{instance_id}/retry", {"reason": "fixed"})
    flash = re.search(r'<div class="flash flash-(\w+)"[^>]*>([^<]*)<', pages.text(r.headers["Location"]))
    assert flash.group(1) == "ok" and "Retried: the failed step ran" in flash.group(2)


def test_a_post_after_the_session_ended_goes_to_login_and_back(app, api):
    api.deploy(APPROVAL)
    task = api.start("approval")["tasks"][0]
    pages = Pages(app, api.token)
    pages.post(f"/ui/tasks/{task['id']}/claim")
    pages.get(f"/ui/tasks/{task['id']}")
    pages.client.delete_cookie("bpmn_session")  # the session ended (expired, or the browser dropped it)
    r = pages.client.post(f"/ui/tasks/{task['id']}/complete", data={"approved": "true", "csrf_token": pages.csrf},
                          headers={"Referer": f"http://localhost/ui/tasks/{task['id']}"})
    assert r.status_code == 303
    assert r.headers["Location"] == f"/ui/login?next=/ui/tasks/{task['id']}&expired=1"
    login = pages.text(r.headers["Location"])
    assert "Your session ended before the form was sent" in login and "data-keeps-input" in login
    r = pages.post(r.headers["Location"], {"token": api.token})
    assert r.status_code == 303 and r.headers["Location"] == f"/ui/tasks/{task['id']}"
    assert api.get(f"/api/tasks/{task['id']}").get_json()["status"] == "open"  # nothing ran
    # Logged in, a post without the session's token is still refused, with a way back.
    r = pages.client.post(f"/ui/tasks/{task['id']}/complete", data={"approved": "true"})
    assert r.status_code == 403 and "security token" in r.get_data(as_text=True)
