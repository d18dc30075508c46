"""Batches on the pages through Flask's test client, on both databases: the bulk form of the instances list
(ticked instances, or every instance matching the list's filter), the batch page with each outcome, its polling
endpoint (ETag), cancelling, and who sees what."""

from __future__ import annotations

import re

from bpmn_server.services import batch_runner
from tests.test_web import Pages


def _setup(api):
    api.deploy("core_message_wait.bpmn")
    ids = [api.start("core_message_wait", business_key=f"WEB-{i}")["id"] for i in range(4)]
    anna = api.as_user("anna", "analyst")
    return ids, anna


def _run(app):
    with app.app_context():
        return batch_runner.run_batches()


def test_bulk_form_on_ticked_instances_and_the_batch_page(app, api):
    ids, anna = _setup(api)
    pages = Pages(app, anna.token)
    listing = pages.text("/ui/instances")
    assert 'id="bulk"' in listing and listing.count('name="instance"') == 4 and 'data-pick-all="instance"' in listing
    r = pages.post("/ui/batches", {"action": "suspend", "scope": "selected", "instance": ids[:2]})
    assert r.status_code == 303 and "/ui/batches/" in r.headers["Location"]
    page = pages.text(r.headers["Location"])
    assert "Batch started: suspend on 2 instances." in page
    assert 'data-live="/ui/live/batches/' in page and page.count('data-outcome="pending"') == 2
    live = r.headers["Location"].replace("/ui/batches/", "/ui/live/batches/")
    first = pages.get(live)
    assert first.get_json()["progress"]["remaining"] == 2
    assert pages.get(live, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert _run(app)["ok"] == 2
    changed = pages.get(live, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.get_json()["status"] == "completed"
    page = pages.text(r.headers["Location"])
    assert page.count('data-outcome="ok"') == 2 and 'id="count-done">2<' in page
    assert [api.instance(i)["status"] for i in ids] == ["suspended", "suspended", "running", "running"]
    assert "suspend" in pages.text("/ui/batches")


def test_every_instance_matching_the_filter_and_errors_keep_the_filter(app, api):
    ids, anna = _setup(api)
    api.start("core_message_wait", business_key="OTHER-1")
    pages = Pages(app, anna.token)
    pages.get("/ui/instances?business_key=WEB")
    r = pages.post("/ui/batches", {"action": "cancel", "scope": "filter", "filter_business_key": "WEB"})
    assert r.status_code == 303 and r.headers["Location"] == "/ui/instances?business_key=WEB"
    assert "No batch started: a reason is required" in pages.text(r.headers["Location"])
    r = pages.post("/ui/batches", {"action": "cancel", "scope": "filter", "filter_business_key": "WEB",
                                   "reason": "test data"})
    assert r.status_code == 303
    page = pages.text(r.headers["Location"])
    assert "business_key starting with <code>WEB</code>" in page and "Batch started: cancel on 4 instances." in page
    _run(app)
    assert {api.instance(i)["status"] for i in ids} == {"cancelled"}
    r = pages.post("/ui/batches", {"action": "resume", "scope": "selected"})
    assert "No batch started: tick the instances first" in pages.text(r.headers["Location"])
    # Again on the same instances: each fails (already cancelled), and the batch page offers a new batch on them.
    r = pages.post("/ui/batches", {"action": "cancel", "scope": "selected", "instance": ids, "reason": "again"})
    _run(app)
    page = pages.text(r.headers["Location"])
    assert page.count('data-outcome="error"') == 4 and "409 Conflict" in page
    assert "Run an action on the 4 failed instances" in page
    assert re.findall(r'id="rerun-failed".*?</form>', page, re.S)[0].count('name="instance"') == 4


def test_cancel_on_the_batch_page_and_roles(app, api):
    ids, anna = _setup(api)
    pages = Pages(app, anna.token)
    pages.get("/ui/instances")
    r = pages.post("/ui/batches", {"action": "suspend", "scope": "selected", "instance": ids})
    batch_url = r.headers["Location"]
    batch_id = batch_url.rsplit("/", 1)[1]
    assert "Cancel the batch" in pages.text(batch_url)
    r = pages.post(f"/ui/batches/{batch_id}/cancel", {"reason": "changed my mind"})
    page = pages.text(r.headers["Location"])
    assert "The batch is cancelled" in page and page.count('data-outcome="skipped"') == 4
    assert "Cancel the batch" not in page and "data-live" not in page

    audrey = Pages(app, api.as_user("audrey", "auditor").token)
    assert 'id="bulk"' not in audrey.text("/ui/instances")
    assert "changed my mind" in audrey.text(batch_url)
    assert audrey.post("/ui/batches", {"action": "suspend", "scope": "selected", "instance": ids}).status_code == 403
    olga = Pages(app, api.as_user("olga", "operator").token)
    assert olga.get(batch_url).status_code == 403
    assert re.search(r"Batches</a>", audrey.text("/ui/instances"))
