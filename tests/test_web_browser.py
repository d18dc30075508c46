"""The web pages in headless Chromium (Debian's `chromium`, driven by Playwright), against a real
`bpmn-server serve`: an operator works a task through its form, an analyst uploads diagrams and
starts an instance, an auditor exports the history and cannot change anything.

Screenshots of the last run are kept in docs/screenshots/ (linked from the README).
Skipped, with the reason, where Chromium or Playwright is not installed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DIAGRAMS, ROOT
from tests.server import SERVER, ServerProcess

pytestmark = pytest.mark.e2e
CHROMIUM = os.environ.get("BPMN_TEST_CHROMIUM", "/usr/bin/chromium")
SHOTS = ROOT / "docs" / "screenshots"

ORDER = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs_web_order" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="web_order" name="Order approval" isExecutable="true">
    <bpmn:startEvent id="start" name="Order received"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="review_order" name="Approve the order" camunda:candidateGroups="clerks">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="amount" label="Amount" type="long">
          <camunda:validation><camunda:constraint name="required"/><camunda:constraint name="min" config="1"/>
          </camunda:validation></camunda:formField>
        <camunda:formField id="decision" label="Decision" type="enum">
          <camunda:validation><camunda:constraint name="required"/></camunda:validation>
          <camunda:value id="approve" name="Approve"/><camunda:value id="reject" name="Reject"/></camunda:formField>
        <camunda:formField id="comment" label="Comment" type="string"/>
      </camunda:formData></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="too_late" name="4 hours" attachedToRef="review_order"><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT4H</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="done" name="Decided"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="expired" name="Expired"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review_order"/>
    <bpmn:sequenceFlow id="f2" sourceRef="review_order" targetRef="done"/>
    <bpmn:sequenceFlow id="f3" sourceRef="too_late" targetRef="expired"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    if not Path(CHROMIUM).exists():
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if not SERVER.exists():
        return f"the bpmn-server console script is not beside {sys.executable}"
    return None


if _missing():
    pytest.skip(_missing(), allow_module_level=True)


@pytest.fixture(scope="module")
def browser() -> Any:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def server(server_process: Any) -> ServerProcess:
    """One `bpmn-server serve` on a free port, ready, with the API as the admin for setting up."""
    return server_process(env={"BPMN_SERVER_SCHEDULER": "off"}, request_timeout=30).wait_ready()


PHONE = {"width": 390, "height": 844}


def session(browser: Any, server: ServerProcess, token: str, viewport: dict[str, int] | None = None) -> Any:
    """A fresh browser context (its own cookies), logged in with `token`."""
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 860}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{server.url}/ui/login")
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def drawn(page: Any, selector: str = ".diagram") -> None:
    page.wait_for_selector(f'{selector}[data-state="ready"]')


def test_operator_claims_and_completes_a_task_through_its_form(browser, server):
    server.deploy("order.bpmn", xml=ORDER, note="first version")
    olga = server.user("olga", "operator", ["clerks"])
    instance = server.post("/api/process-instances", {"process": "web_order", "business_key": "ORD-1042"})
    page = session(browser, server, olga)
    assert "/ui/tasks" in page.url and "You hold no open tasks" in page.content()
    page.click("text=Group tasks")
    row = page.locator("tr", has_text="Approve the order")
    assert "ORD-1042" in row.inner_text() and "in 3 h" in row.inner_text()  # the boundary timer's deadline
    shot(page, "operator-group-tasks")
    row.locator("button", has_text="Claim").click()
    page.wait_for_selector("form.task-form")
    assert "Deadline" in page.locator("dl.facts").inner_text()
    page.fill("#f-amount", "lots")
    page.fill("#f-comment", "rush order")
    page.click("form.task-form button[type=submit]")
    page.wait_for_selector("#error-amount")
    assert page.inner_text("#error-amount") == "Amount must be a whole number"
    assert page.inner_text("#error-decision") == "Decision is required"
    assert page.input_value("#f-comment") == "rush order"
    drawn(page)
    shot(page, "operator-form-errors")
    page.fill("#f-amount", "250")
    page.select_option("#f-decision", "approve")
    page.click("form.task-form button[type=submit]")
    page.wait_for_url(f"**/ui/instances/{instance['id']}")
    assert page.inner_text("#instance-status") == "completed"
    drawn(page)
    assert page.locator('g.djs-element.m-done[data-element-id="done"]').count() == 1
    assert page.locator('g.djs-element.m-done[data-element-id="review_order"]').count() == 1
    assert page.locator('g.djs-element.m-done[data-element-id="expired"]').count() == 0
    shot(page, "operator-instance-finished")
    variables = server.get(f"/api/process-instances/{instance['id']}")["variables"]
    assert variables == {"amount": 250, "decision": "approve", "comment": "rush order"}
    page.context.close()


def test_analyst_uploads_and_auditor_exports_but_changes_nothing(browser, server):
    anna = server.user("anna", "analyst")
    page = session(browser, server, anna)
    page.click("text=Processes")
    page.click("text=Upload a diagram")
    page.set_input_files("#file", str(DIAGRAMS / "core_bad_script.bpmn"))
    page.fill("#note", "first try")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#problems")
    problems = page.inner_text("#problems")
    assert "line 7" in problems and "Activity_broken_1" in problems and "Activity_broken_2" in problems
    drawn(page)
    assert page.locator(".badge-error").count() == 2
    shot(page, "analyst-upload-errors")
    for note in ("first version", "longer review"):
        page.goto(f"{server.url}/ui/deploy")
        xml = (DIAGRAMS / "review_timeout.bpmn").read_bytes()
        if note == "longer review":
            xml = xml.replace(b"PT1H", b"PT8H")
        page.set_input_files("#file", files=[{"name": "review.bpmn", "mimeType": "application/xml", "buffer": xml}])
        page.fill("#note", note)
        page.click("main form button[type=submit]")
        page.wait_for_url("**/ui/processes/review_timeout")
    assert page.locator("section.panel").count() == 2 and "longer review" in page.content()
    page.fill("#variables", '{"amount": 300, "skip": false}')
    page.fill("#business_key", "INV-77")
    page.click("text=Start v2")
    page.wait_for_url("**/ui/instances/*")
    instance_url = page.url
    drawn(page)
    assert page.locator('g.djs-element.m-active[data-element-id="review"]').count() == 1
    assert page.locator('g.djs-element.m-done[data-element-id="calc"]').count() == 1
    shot(page, "analyst-instance-running")
    page.goto(f"{server.url}/ui/processes/review_timeout")
    page.wait_for_selector('.diagram[data-state="ready"] >> nth=1')
    shot(page, "analyst-versions")
    page.goto(f"{server.url}/ui/dashboard")
    shot(page, "dashboard")
    page.context.close()

    audit = session(browser, server, server.user("aude", "auditor"))
    assert "/ui/history" in audit.url
    with audit.expect_download() as download:
        audit.click("#export-csv")
    lines = Path(download.value.path()).read_text().splitlines()
    assert lines[0].startswith("id,seq,at,type") and any("instance.started" in line for line in lines)
    shot(audit, "auditor-history")
    audit.goto(instance_url)
    drawn(audit)
    assert audit.locator("form.change").count() == 0 and audit.locator("text=Cancel instance").count() == 0
    forged = audit.evaluate("""async (url) => {
        const token = document.querySelector('meta[name=csrf-token]').content;
        const body = new URLSearchParams({csrf_token: token, reason: 'forged'});
        const r = await fetch(url, {method: 'POST', body, credentials: 'same-origin', redirect: 'manual'});
        return r.status; }""", f"{instance_url}/cancel")
    assert forged == 403
    assert server.get(f"/api/process-instances/{instance_url.rsplit('/', 1)[1]}")["status"] == "running"
    audit.context.close()


def test_screenshots_are_kept_where_the_readme_links_them():
    readme = (ROOT / "README.md").read_text()
    for name in ("operator-form-errors", "operator-instance-finished", "analyst-upload-errors", "phone-task-list",
                 "phone-task-form", "generated-layout-lanes"):
        assert f"docs/screenshots/{name}.png" in readme
        assert (SHOTS / f"{name}.png").exists()


EXPENSE = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs_web_expense" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="web_expense" name="Expense report" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="approve" name="Approve the expense report of the Berlin office" camunda:candidateGroups="clerks">
      <bpmn:extensionElements><camunda:formData>
        <camunda:formField id="amount" label="Amount accepted" type="long">
          <camunda:validation><camunda:constraint name="required"/></camunda:validation></camunda:formField>
        <camunda:formField id="approved" label="Approve?" type="boolean" defaultValue="false">
          <camunda:validation><camunda:constraint name="required"/></camunda:validation></camunda:formField>
        <camunda:formField id="comment" label="Comment" type="string"/>
        <camunda:formField id="urgent" label="Pay this week" type="boolean"/>
      </camunda:formData></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="done"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="approve"/>
    <bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="done"/>
  </bpmn:process>
</bpmn:definitions>
"""

NO_SIDEWAYS = "() => document.documentElement.scrollWidth - window.innerWidth"


def test_phone_task_list_and_form_a_yes_no_choice_and_an_expired_session(browser, server):
    server.deploy("expense.bpmn", xml=EXPENSE)
    server.deploy("order.bpmn", xml=ORDER)
    olga = server.user("olga.kowalczyk-brandenburger", "operator", ["clerks"])
    instance = server.post("/api/process-instances", {"process": "web_expense", "business_key": "EXP-2026-0042"})
    server.post("/api/process-instances", {"process": "web_order", "business_key": "ORD-2026-1042"})
    page = session(browser, server, olga, PHONE)
    page.click("text=Group tasks")
    page.wait_for_selector("table.tasks")
    assert page.evaluate(NO_SIDEWAYS) <= 0, "the task list scrolls sideways at 390 px"
    name = page.locator("header .who .name").bounding_box()
    assert name["x"] >= 0 and name["x"] + name["width"] <= PHONE["width"]  # the user name is on screen
    for cell in page.locator("table.tasks td").all():
        box = cell.bounding_box()
        assert box is None or box["x"] + box["width"] <= PHONE["width"] + 1
    shot(page, "phone-task-list")
    page.locator("tr", has_text="Approve the expense report").locator("button", has_text="Claim").click()
    page.wait_for_selector("form.task-form")
    assert page.evaluate(NO_SIDEWAYS) <= 0, "the task form scrolls sideways at 390 px"
    # A required yes/no: two radios, neither chosen, marked required; an optional one stays a box.
    assert page.locator("input[name=approved][type=radio]").count() == 2
    assert page.locator("input[name=approved]:checked").count() == 0
    assert page.locator("fieldset#f-approved legend .req").count() == 1
    assert page.locator("input[name=urgent][type=checkbox]").count() == 1
    page.fill("#f-comment", "receipts attached")
    page.click("form.task-form button[type=submit]")
    page.wait_for_selector("#error-approved")
    assert page.inner_text("#error-approved") == "Approve? is required"
    assert page.evaluate("document.activeElement.id") == "f-amount"  # the first bad field has the focus
    assert page.get_attribute("#f-amount", "aria-invalid") == "true"
    assert page.get_attribute("#f-amount", "aria-describedby") == "error-amount"
    assert page.get_attribute("fieldset#f-approved", "aria-describedby") == "error-approved"
    assert page.get_attribute("#f-comment", "aria-invalid") is None
    assert page.evaluate(NO_SIDEWAYS) <= 0
    shot(page, "phone-task-form")
    # The session ends while the form is being filled in: log in again, come back to it as it was.
    page.goto(f"{server.url}/ui/tasks/{instance['tasks'][0]['id']}")
    page.fill("#f-amount", "120")
    page.check("input[name=approved][value=false]")
    page.fill("#f-comment", "no receipts")
    page.context.clear_cookies()
    page.click("form.task-form button[type=submit]")
    page.wait_for_selector("#expired")
    assert "/ui/login" in page.url
    page.fill("#token", olga)
    page.click("button[type=submit]")
    page.wait_for_selector("form.task-form[data-restored=true]")
    assert page.input_value("#f-amount") == "120" and page.input_value("#f-comment") == "no receipts"
    assert page.is_checked("input[name=approved][value=false]")
    page.click("form.task-form button[type=submit]")
    page.wait_for_url(f"**/ui/instances/{instance['id']}")
    variables = server.get(f"/api/process-instances/{instance['id']}")["variables"]
    assert variables == {"amount": 120, "approved": False, "comment": "no receipts", "urgent": False}
    page.context.close()


def test_long_values_fold_bad_json_is_kept_fire_now_asks_and_a_failed_start_says_so(browser, server):
    server.deploy("review_timeout.bpmn")
    server.deploy("ex_script_fail.bpmn")
    big = {"amount": 300, "skip": False, "attachment": "x" * 10_000, "lines": [f"item {i}" for i in range(400)]}
    instance = server.post("/api/process-instances", {"process": "review_timeout", "variables": big})
    page = session(browser, server, server.user("anna", "analyst"))
    page.goto(f"{server.url}/ui/instances/{instance['id']}")
    drawn(page)
    assert page.evaluate(NO_SIDEWAYS) <= 0, "a 10 kB value widens the page"
    variables = page.locator("#variables")
    folded = variables.bounding_box()["height"]
    page.click("button.fold-toggle >> nth=0")
    assert variables.bounding_box()["height"] > folded * 3 and page.evaluate(NO_SIDEWAYS) <= 0
    # Bad JSON in "Edit variables": the text stays for fixing.
    page.click("text=Edit variables")
    page.fill("#set", '{"amount": 350, "note": corrected}')
    page.fill("#var-reason", "amount typed wrong")
    page.click("text=Save variables")
    page.wait_for_selector(".flash-error")
    assert "not valid JSON" in page.inner_text(".flash-error")
    assert page.input_value("#set") == '{"amount": 350, "note": corrected}'
    assert page.input_value("#var-reason") == "amount typed wrong"
    # "Fire now" asks first; dismissing it fires nothing.
    answers = iter([False, True])
    page.on("dialog", lambda dialog: dialog.accept() if next(answers) else dialog.dismiss())
    page.click("text=Fire now")
    page.wait_for_timeout(300)
    assert server.get(f"/api/process-instances/{instance['id']}")["status"] == "running"
    page.click("text=Fire now")
    page.wait_for_selector(".flash-ok")
    assert server.get(f"/api/process-instances/{instance['id']}")["status"] == "completed"
    # A start that fails at once says so.
    page.goto(f"{server.url}/ui/processes/ex_script_fail")
    page.fill("#variables", '{"amount": 10, "count": 0}')
    page.fill("#business_key", "EXP-9")
    page.click("text=Start v1")
    page.wait_for_selector(".flash-error")
    message = page.inner_text(".flash-error")
    assert message.startswith("Started #EXP-9") and "failed at once" in message and "division by zero" in message
    page.context.close()


CROSSINGS = """(selector) => {
  const reg = document.querySelector(selector).bpmnViewer.get('elementRegistry');
  const boxes = reg.filter(e => !e.waypoints && e.parent && e.type !== 'label' &&
    !['bpmn:Participant', 'bpmn:Lane'].includes(e.type));
  const crossed = [];
  reg.filter(e => e.type === 'bpmn:SequenceFlow').forEach(c => {
    for (let i = 0; i + 1 < c.waypoints.length; i++) {
      const a = c.waypoints[i], b = c.waypoints[i + 1];
      const x1 = Math.min(a.x, b.x), x2 = Math.max(a.x, b.x), y1 = Math.min(a.y, b.y), y2 = Math.max(a.y, b.y);
      boxes.forEach(s => {
        if ([c.source, c.target, c.source.host].includes(s)) { return; }
        if (x2 > s.x + 1 && x1 < s.x + s.width - 1 && y2 > s.y + 1 && y1 < s.y + s.height - 1) {
          crossed.push(c.id + ' crosses ' + s.id);
        }
      });
    }
  });
  return crossed;
}"""

INSIDE = """([selector, node, lane]) => {
  const reg = document.querySelector(selector).bpmnViewer.get('elementRegistry');
  const n = reg.get(node), l = reg.get(lane);
  if (!n || !l) { return false; }
  const cy = n.y + n.height / 2;
  return cy > l.y && cy < l.y + l.height && n.x > l.x && n.x + n.width < l.x + l.width;
}"""


def test_diagrams_without_layout_are_laid_out_with_lanes_and_clear_flows(browser, server):
    page = session(browser, server, server.user("anna", "analyst"))
    for name in ("task_lanes.bpmn", "timer_boundary.bpmn", "ex_errors.bpmn", "camunda_order.bpmn",
                 "ex_gateway_fail.bpmn"):
        key = server.deploy(name)["definitions"][0]["key"]
        page.goto(f"{server.url}/ui/processes/{key}")
        drawn(page)
        assert page.get_attribute(".diagram", "data-layout") == "generated", name
        assert page.evaluate(CROSSINGS, ".diagram") == [], name
        if name == "task_lanes.bpmn":
            for node, lane in (("lead_check", "lane_lead"), ("start", "lane_lead"), ("fin_check", "lane_fin"),
                               ("fin_override", "lane_fin")):
                assert page.evaluate(INSIDE, [".diagram", node, lane]), (node, lane)
            assert page.locator('g.djs-element[data-element-id="pool"]').count() == 1
            shot(page, "generated-layout-lanes")
    page.context.close()
