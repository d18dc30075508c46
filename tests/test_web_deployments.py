"""The deployments pages: what a deployment or a proposal changes, drawn side by side with each element
marked, and a proposal approved or rejected there by someone other than its proposer."""

from __future__ import annotations

import io
import json
import re

import pytest

from tests.client import DIAGRAMS
from tests.test_web import Pages

PARALLEL = (DIAGRAMS / "core_parallel_tasks.bpmn").read_text()
V2 = (PARALLEL.replace('name="Finance review"', 'name="Finance check"')
      .replace('<dc:Bounds x="500" y="80" width="100" height="80" />',
               '<dc:Bounds x="510" y="90" width="100" height="80" />'))


@pytest.fixture
def app_config(app_config):
    return {**app_config, "DEPLOY_APPROVAL": True}


def _propose(pages: Pages, xml: str, note: str) -> str:
    """Upload through the page; a proposal lands on its own changes page."""
    r = pages.post("/ui/deploy", {"file": (io.BytesIO(xml.encode()), "core_parallel_tasks.bpmn"), "note": note},
                   content_type="multipart/form-data")
    assert r.status_code == 303, r.get_data(as_text=True)[:1000]
    found = re.fullmatch(r"/ui/deployments/([\w-]+)", r.headers["Location"])
    assert found, r.headers["Location"]
    return found.group(1)


def _drawings(page: str) -> dict[str, dict]:
    """The diagram blocks of a page, by their element id."""
    return {m.group(1): json.loads(m.group(2)) for m in
            re.finditer(r'<script type="application/json" id="([\w-]+)-data">(.*?)</script>', page, re.S)}


def test_a_proposal_is_drawn_against_the_live_version_and_approved_there(app, api):
    api.deploy("core_parallel_tasks.bpmn")
    anna = Pages(app, api.as_user("anna", "analyst").token)
    deployment = _propose(anna, V2, "rename the finance step")

    page = anna.text(f"/ui/deployments/{deployment}")
    assert "Proposed change" in page and "rename the finance step" in page
    assert "Approve: make it live" not in page  # never the proposer
    assert "Waiting for an admin or approver other than anna" in page
    drawings = _drawings(page)
    before, after = drawings["before-1"], drawings["after-1"]
    assert before["xml_url"].startswith("/ui/definitions/") and before["markers"] == {}
    assert "Finance check" in after["xml"]  # not live yet: the proposed file itself is drawn
    assert after["markers"] == {"Activity_finance": ["changed"], "Activity_legal": ["moved"]}
    assert re.search(r"<code>Activity_finance</code> Finance check</td><td>userTask</td><td>changed: name", page)
    assert "proposed" in anna.text("/ui/deployments")

    paul = Pages(app, api.as_user("paul", "approver").token)
    page = paul.text(f"/ui/deployments/{deployment}")
    assert "Approve: make it live" in page
    r = paul.post(f"/ui/deployments/{deployment}/decide", {"decision": "reject", "text": ""})
    assert r.status_code == 303
    assert "reason" in paul.text(r.headers["Location"])  # a rejection needs its reason: nothing decided
    r = paul.post(f"/ui/deployments/{deployment}/decide", {"decision": "approve", "text": "fine"})
    page = paul.text(r.headers["Location"])
    assert "Approved: core_parallel_tasks v2 is live." in page and "approved by paul" in page
    after = _drawings(page)["after-1"]
    assert after["xml_url"].startswith("/ui/definitions/") and after["markers"]["Activity_finance"] == ["changed"]
    versions = api.get("/api/process-definitions", query_string={"key": "core_parallel_tasks"}).get_json()["items"]
    assert sorted(v["version"] for v in versions) == [1, 2]


def test_a_new_process_has_no_before_side_and_an_operator_cannot_decide(app, api):
    anna = Pages(app, api.as_user("anna", "analyst").token)
    deployment = _propose(anna, PARALLEL, "first version")
    page = anna.text(f"/ui/deployments/{deployment}")
    drawings = _drawings(page)
    assert set(drawings) == {"after-1"} and "new process" in page
    assert {m for marks in drawings["after-1"]["markers"].values() for m in marks} == {"added"}
    olga = Pages(app, api.as_user("olga", "operator").token)
    assert olga.post(f"/ui/deployments/{deployment}/decide", {"decision": "approve"}).status_code == 403
    assert api.get(f"/api/deployments/{deployment}").get_json()["status"] == "proposed"
    assert Pages(app, api.token).text("/ui/deployments/nope", status=404)
