"""Saved task filters on the pages (issue 23), on both databases: saved from a form without JSON, shown in
the task list's menu with counts, shared with a group, run with their variable columns."""

from __future__ import annotations

import re

from tests.test_task_filters import _setup
from tests.test_web import Pages


def test_a_filter_saved_on_the_page_is_shared_and_counted_in_the_menu(app, api):
    olga, bob, carl = _setup(api)
    pages = Pages(app, olga.token)
    form = pages.text("/ui/filters/new")
    assert 'name="var_name_0"' in form and "<textarea" not in form
    r = pages.post("/ui/filters/new", {"name": "Ada's big claims", "process": "claim", "var_name_0": "amount",
                                       "var_kind_0": "number", "var_value_0": "2000", "var_name_1": "customer",
                                       "var_kind_1": "text", "var_value_1": "Ada", "columns": "customer, amount",
                                       "sort": "created", "shared_group": "adjusters"})
    assert r.status_code == 303, r.get_data(as_text=True)[:3000]
    listing = pages.text(r.headers["Location"])
    assert re.search(r"Ada's big claims <span class=\"count\">1</span>", listing)
    assert '<th class="var-col">customer</th>' in listing and 'data-column="amount">2000<' in listing
    assert "A-3" in listing and "A-2" not in listing

    bobs = Pages(app, bob.token).text("/ui/tasks")
    assert re.search(r"Ada's big claims <span class=\"count\">1</span>", bobs)
    assert "Delete filter" not in Pages(app, bob.token).text(r.headers["Location"])
    assert "Ada's big claims" not in Pages(app, carl.token).text("/ui/tasks")


def test_a_bad_filter_form_says_which_field_and_keeps_what_was_typed(app, api):
    olga, bob, carl = _setup(api)
    pages = Pages(app, olga.token)
    r = pages.post("/ui/filters/new", {"name": "", "var_name_0": "amount", "var_kind_0": "number",
                                       "var_value_0": "many"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'id="error-variables"' in page and "many" in page
    r = pages.post("/ui/filters/new", {"name": "", "process": "claim"})
    assert r.status_code == 422 and 'id="error-name"' in r.get_data(as_text=True)
    assert olga.get("/api/task-filters").get_json()["items"] == []


def test_the_live_summary_answers_304_until_a_task_arrives_in_a_filter(app, api):
    olga, bob, carl = _setup(api)
    made = olga.post("/api/task-filters", {"name": "Ada", "criteria": {"variables": {"customer": "Ada"}}})
    pages = Pages(app, olga.token)
    first = pages.get("/ui/live/tasks")
    assert first.status_code == 200 and first.headers["ETag"]
    state = first.get_json()
    assert state["open"] == 4 and state["unassigned"] == 4
    assert state["filters"] == [{"id": made.get_json()["id"], "name": "Ada", "count": 2}]
    again = pages.get("/ui/live/tasks", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    olga.start("claim", {"claim_no": "A-5", "customer": "Ada", "amount": 1})
    changed = pages.get("/ui/live/tasks", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.get_json()["filters"][0]["count"] == 3
    assert changed.get_json()["open"] == 5

    anna = Pages(app, api.as_user("anna", "analyst").token)
    mark = anna.get("/ui/live/events")
    assert mark.status_code == 200
    assert anna.get("/ui/live/events", headers={"If-None-Match": mark.headers["ETag"]}).status_code == 304
    olga.start("claim", {"claim_no": "A-6", "customer": "Cy", "amount": 1})
    assert anna.get("/ui/live/events", headers={"If-None-Match": mark.headers["ETag"]}).status_code == 200
    assert Pages(app).get("/ui/live/tasks").status_code == 303  # logged out: to the login page


def test_ticked_tasks_are_claimed_together_and_the_message_says_which_were_not(app, api):
    olga, bob, carl = _setup(api)
    ids = [t["id"] for t in olga.tasks(process="claim")]
    pages = Pages(app, olga.token)
    page = pages.text("/ui/tasks?view=group")
    assert page.count('form="bulk-claim"') >= 4 and "Claim selected" in page
    assert bob.post(f"/api/tasks/{ids[1]}/claim").status_code == 200
    r = pages.client.post("/ui/tasks/bulk-claim", data={"task": ids[:3], "csrf_token": pages.csrf})
    assert r.status_code == 303 and "view=mine" in r.headers["Location"]
    mine = pages.text(r.headers["Location"])
    assert "Claimed 2 of 3 tasks." in mine and "bob" in mine
    assert sorted(t["id"] for t in olga.tasks(assignee="me")) == sorted([ids[0], ids[2]])
    assert "Claim selected" not in Pages(app, api.as_user("anna", "analyst").token).text("/ui/tasks")
