"""Issue 23 in headless Chromium against a real `bpmn-server serve`: an operator starts a case through
the start event's form (no JSON), and works its first task with the case's details beside the form."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_web_browser import browser, server, session, shot  # noqa: F401 - the fixtures and the login
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
    shot(page, "start-a-case")
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
    shot(page, "task-case-details")
    page.context.close()


def test_a_saved_filter_shared_with_a_group_shows_in_a_colleagues_menu(browser: Any,  # noqa: F811
                                                                        server: Any) -> None:  # noqa: F811
    server.deploy("claim.bpmn", xml=CLAIM)
    olga = server.user("olga", "operator", ["adjusters"])
    bob = server.user("bob", "operator", ["adjusters"])
    for no, customer, amount in (("B-1", "Ada", 300), ("B-2", "Bo", 9000), ("B-3", "Cy", 9000)):
        server.post("/api/process-instances", {"process": "claim", "variables": {
            "claim_no": no, "customer": customer, "amount": amount}})
    page = session(browser, server, olga)
    page.click("text=+ New filter")
    page.fill("#name", "Large claims")
    page.fill("#process", "claim")
    page.fill("#var_name_0", "amount")
    page.select_option("#var_kind_0", "number")
    page.fill("#var_value_0", "9000")
    page.fill("#columns", "customer")
    page.select_option("#shared_group", "adjusters")
    page.click("form.filter-form button[type=submit]")
    page.wait_for_selector("text=Filter “Large claims” saved and shared with adjusters.")
    rows = page.locator("table.tasks tbody tr")
    assert rows.count() == 2 and "Bo" in rows.nth(0).inner_text() and "Cy" in rows.nth(1).inner_text()
    page.context.close()

    colleague = session(browser, server, bob)
    entry = colleague.locator("#saved-filters a", has_text="Large claims")
    assert entry.locator(".count").inner_text() == "2"
    entry.click()
    colleague.wait_for_selector("th.var-col")
    assert colleague.locator('td[data-column="customer"]').all_inner_texts() == ["Bo", "Cy"]
    assert colleague.locator("text=Delete filter").count() == 0

    # A new task in the filter: the count and the list change, and a notice says so, without a reload.
    server.post("/api/process-instances", {"process": "claim", "variables": {
        "claim_no": "B-4", "customer": "Di", "amount": 9000}})
    colleague.wait_for_function("() => document.getElementById('live-notice').innerText"
                                ".includes('New task in \u201cLarge claims\u201d')", timeout=40_000)
    colleague.wait_for_selector('td[data-column="customer"]:has-text("Di")', timeout=20_000)
    assert entry.locator(".count").inner_text() == "3"
    shot(colleague, "saved-filter-live-notice")
    colleague.context.close()
