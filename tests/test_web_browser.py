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


def session(browser: Any, server: ServerProcess, token: str) -> Any:
    """A fresh browser context (its own cookies), logged in with `token`."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True)
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
    for name in ("operator-form-errors", "operator-instance-finished", "analyst-upload-errors"):
        assert f"docs/screenshots/{name}.png" in readme
        assert (SHOTS / f"{name}.png").exists()
