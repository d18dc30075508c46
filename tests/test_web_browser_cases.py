"""Issue 23 in headless Chromium against a real `bpmn-server serve`: an operator starts a case through
the start event's form (no JSON), and works its first task with the case's details beside the form."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_web_browser import browser, server, session  # noqa: F401 - the fixtures and the login
from tests.test_web_cases import CLAIM

pytestmark = pytest.mark.e2e


def test_operator_starts_a_case_through_its_start_form_and_sees_it_on_the_task(browser: Any,  # noqa: F811
                                                                                 server: Any) -> None:  # noqa: F811
    server.deploy("claim.bpmn", xml=CLAIM)
    page = session(browser, server, server.user("olga", "operator", ["adjusters"]))
    page.click("header nav >> text=Start a case")
    page.click("text=Insurance claim")
    page.wait_for_selector("form.start-form")
    assert page.locator("form.start-form textarea").count() == 0
    page.fill("#f-claim_no", "CL-21")
    page.fill("#f-customer", "Ada Lovelace")
    page.fill("#f-amount", "a lot")
    page.click("form.start-form button[type=submit]")
    page.wait_for_selector("#error-amount")
    assert page.inner_text("#error-amount") == "Amount must be a whole number"
    assert page.input_value("#f-customer") == "Ada Lovelace"
    page.fill("#f-amount", "1500")
    page.check("#f-express")
    page.click("form.start-form button[type=submit]")
    page.wait_for_url("**/ui/instances/*")
    assert "Started #CL-21" in page.content()

    page.click("header nav >> text=Tasks")
    page.click("text=Group tasks")
    row = page.locator("tr", has_text="Check the claim")
    assert "CL-21" in row.inner_text()
    row.locator("button", has_text="Claim").click()
    page.wait_for_selector("form.task-form")
    details = page.inner_text("#case-details")
    assert "CL-21" in details and "Ada Lovelace" in details and "1500" in details
    page.locator('input[name="approved"][value="false"]').check()
    page.fill("#f-reason", "photos missing")
    page.click("form.task-form button[type=submit]")
    page.wait_for_url("**/ui/instances/*")
    page.click("header nav >> text=Tasks")
    page.click("text=Group tasks")
    page.locator("tr", has_text="Revise the claim").locator("button", has_text="Claim").click()
    page.wait_for_selector("form.task-form")
    assert page.input_value("#f-amount") == "1500" and page.input_value("#f-reason") == "photos missing"
    assert "photos missing" in page.inner_text("#earlier-decisions")
    page.context.close()
