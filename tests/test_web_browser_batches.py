"""Issue 23 in headless Chromium against a real `bpmn-server serve` whose clock runs batches: an analyst retries 20
failed instances at once from the instances list, and the batch page follows the progress to completion without
a reload."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_web_browser import browser, session, shot  # noqa: F401 - the fixtures and the login

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(server_process: Any) -> Any:
    """The clock on (it runs the batches), five instances per chunk so that the progress moves in steps."""
    return server_process(env={"BPMN_SERVER_BATCH_CHUNK": "5", "BPMN_SERVER_BATCH_POLL_SECONDS": "2"},
                          request_timeout=30).wait_ready()


def test_bulk_retry_of_twenty_failed_instances_shows_its_progress(browser: Any, server: Any) -> None:  # noqa: F811
    server.deploy("ex_script_fail.bpmn")
    ids = [server.post("/api/process-instances", {"process": "ex_script_fail", "business_key": f"INV-{n:02}",
                                                  "variables": {"amount": 10, "count": 0, "customer": "ACME"}})["id"]
           for n in range(20)]
    for instance_id in ids:  # the repair that makes a retry succeed
        server.call("PATCH", f"/api/process-instances/{instance_id}/variables",
                    json={"set": {"count": 4}, "reason": "count was 0"})
    page = session(browser, server, server.user("anna", "analyst"))
    page.click("header nav >> text=Instances")
    page.select_option("select[name=status]", "failed")
    page.fill("input[name=process]", "ex_script")
    page.click("form.filters >> text=Filter")
    page.wait_for_url("**status=failed**")
    assert page.locator('input[name="instance"]').count() == 20
    page.check("#pick-all")  # every row ticked at once
    assert page.locator('input[name="instance"]:checked').count() == 20
    page.check("#scope-filter")  # ...but run it on everything the filter matches
    page.select_option("#bulk-action", "retry")
    page.fill("#bulk-reason", "count repaired for the March invoices")
    shot(page, "instances-bulk-action")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#bulk-run")
    page.wait_for_url("**/ui/batches/*")
    assert "Batch started: retry on 20 instances." in page.content()
    page.evaluate("window.__samePage = true")
    page.wait_for_selector('#batch-progress[data-status="completed"]', timeout=60_000)
    assert page.evaluate("window.__samePage") is True  # followed by polling, not by a reload
    assert page.inner_text("#count-done") == "20" and page.inner_text("#count-failed") == "0"
    assert page.inner_text("#count-remaining") == "0"
    assert page.locator('tr[data-outcome="ok"]').count() == 20
    shot(page, "batch-progress")
    assert {server.get(f"/api/process-instances/{i}")["status"] for i in ids} == {"running"}
    page.click("text=All batches")
    assert "count repaired for the March invoices" in page.inner_text("table.batches")
    page.context.close()
