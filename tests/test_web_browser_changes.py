"""A proposed change in headless Chromium against a real `bpmn-server serve` with deployment approval on:
the approver sees the live version and the proposal side by side, each changed element marked on the
drawing, and approves it there."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.conftest import DIAGRAMS
from tests.test_web_browser import browser, drawn, session, shot  # noqa: F401 - the fixture and the login

pytestmark = pytest.mark.e2e

PARALLEL = (DIAGRAMS / "core_parallel_tasks.bpmn").read_bytes()
V2 = (PARALLEL.replace(b'name="Finance review"', b'name="Finance check"')
      .replace(b'camunda:candidateGroups="legal"', b'camunda:candidateGroups="lawyers"')
      .replace(b'<dc:Bounds x="500" y="80" width="100" height="80" />',
               b'<dc:Bounds x="510" y="90" width="100" height="80" />'))


@pytest.fixture
def server(server_process: Any) -> Any:
    return server_process(env={"BPMN_SERVER_SCHEDULER": "off", "BPMN_SERVER_DEPLOY_APPROVAL": "on"},
                          request_timeout=30).wait_ready()


def test_an_approver_reviews_a_proposal_drawn_beside_the_live_version(browser: Any, server: Any) -> None:  # noqa: F811
    server.deploy("core_parallel_tasks.bpmn", note="first version")
    anna = server.user("anna", "analyst")
    r = requests.post(f"{server.url}/api/deployments", headers={"Authorization": f"Bearer {anna}"}, timeout=30,
                      files={"file": ("core_parallel_tasks.bpmn", V2)}, data={"note": "legal goes to the lawyers"})
    assert r.status_code == 202, r.text
    page = session(browser, server, server.user("paul", "approver"))
    page.click("header nav >> text=Processes")
    page.click("text=Deployments and proposals")
    page.click("text=Review the changes")
    drawn(page, "#before-1")
    drawn(page, "#after-1")
    after = page.locator("#after-1")
    assert after.locator('[data-element-id="Activity_finance"].m-changed').count() == 1
    assert after.locator('[data-element-id="Activity_legal"].m-changed').count() == 1
    assert page.locator("#before-1 .m-changed").count() == 0
    assert "changed: assignments" in page.locator("tr.changed", has_text="Activity_legal").inner_text()
    assert page.locator(".badge-changed").count() == 2
    shot(page, "approver-proposed-change")
    page.fill("#decision-text", "lawyers own it now")
    page.click("text=Approve: make it live")
    page.wait_for_selector("text=Approved: core_parallel_tasks v2 is live.")
    assert server.get("/api/process-definitions", key="core_parallel_tasks")["items"][0]["version"] == 2
    page.context.close()
